package io.leadflow.process;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.camunda.bpm.dmn.engine.DmnDecision;
import org.camunda.bpm.dmn.engine.DmnEngine;
import org.camunda.bpm.dmn.engine.DmnEngineConfiguration;
import org.camunda.bpm.dmn.engine.delegate.DmnDecisionEvaluationEvent;
import org.camunda.bpm.dmn.engine.delegate.DmnDecisionEvaluationListener;
import org.camunda.bpm.dmn.engine.delegate.DmnDecisionTableEvaluationEvent;
import org.camunda.bpm.dmn.engine.delegate.DmnEvaluatedDecisionRule;
import org.camunda.bpm.dmn.engine.impl.DefaultDmnEngineConfiguration;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.DecisionDefinition;
import org.camunda.bpm.engine.repository.Deployment;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.dmn.Dmn;
import org.camunda.bpm.model.dmn.DmnModelInstance;
import org.camunda.bpm.model.dmn.instance.Rule;
import org.springframework.stereotype.Component;

import io.leadflow.platform.Errors;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.scoring.DecisionEvaluator;

/**
 * Evaluates deployed decisions with a standalone DMN engine: no history row and no database look-up per call (the
 * engine's decision service costs ~10x more). Parsed decisions are cached per deployed version; the latest version
 * is looked up again after a deployment and at most every few seconds, so a model deployed by another node is
 * picked up too.
 */
@Component
class DeployedDecisions implements DecisionEvaluator {

    private static final Duration RECHECK = Duration.ofSeconds(5);

    private record Latest(Parsed parsed, long checkedAtNanos) {
    }

    private final RepositoryService repository;
    private final DmnEngine dmn;
    private final Map<String, Latest> latest = new ConcurrentHashMap<>();
    /** Every version ever parsed, by decision definition id; versions never change once deployed. */
    private final Map<String, Parsed> versions = new ConcurrentHashMap<>();
    private final Map<String, Parsed> byKeyAndVersion = new ConcurrentHashMap<>();
    private final ThreadLocal<DmnDecisionTableEvaluationEvent> lastEvent = new ThreadLocal<>();

    DeployedDecisions(RepositoryService repository) {
        this.repository = repository;
        DefaultDmnEngineConfiguration config = (DefaultDmnEngineConfiguration) DmnEngineConfiguration
                .createDefaultDmnEngineConfiguration();
        config.customPostDecisionEvaluationListeners(List.of(new DmnDecisionEvaluationListener() {
            @Override
            public void notify(DmnDecisionEvaluationEvent event) {
                if (event.getDecisionResult() instanceof DmnDecisionTableEvaluationEvent table) {
                    lastEvent.set(table);
                }
            }
        }));
        this.dmn = ExpressionSandbox.feelOnly(config).buildEngine();
    }

    /** Forget which version is the latest (called after a deployment). */
    void refresh() {
        latest.clear();
    }

    @Override
    public Decision latest(String key) {
        Latest cached = latest.get(key);
        if (cached != null && System.nanoTime() - cached.checkedAtNanos() < RECHECK.toNanos()) {
            return cached.parsed();
        }
        DecisionDefinition definition = repository.createDecisionDefinitionQuery().decisionDefinitionKey(key)
                .latestVersion().singleResult();
        if (definition == null) {
            throw new IllegalStateException("No decision '" + key + "' is deployed: add dmn/" + key + ".dmn");
        }
        Parsed parsed = version(definition);
        latest.put(key, new Latest(parsed, System.nanoTime()));
        return parsed;
    }

    @Override
    public Decision deployed(String key, int version) {
        Parsed known = byKeyAndVersion.get(key + ':' + version);
        if (known != null) {
            return known;
        }
        DecisionDefinition definition = repository.createDecisionDefinitionQuery().decisionDefinitionKey(key)
                .decisionDefinitionVersion(version).singleResult();
        if (definition == null) {
            throw new NotFoundException("Decision '" + key + "' has no deployed version " + version);
        }
        return version(definition);
    }

    @Override
    public List<DeployedVersion> versions(String key) {
        List<DeployedVersion> versions = new ArrayList<>();
        for (DecisionDefinition definition : repository.createDecisionDefinitionQuery().decisionDefinitionKey(key)
                .orderByDecisionDefinitionVersion().desc().list()) {
            Deployment deployment = repository.createDeploymentQuery().deploymentId(definition.getDeploymentId())
                    .singleResult();
            versions.add(new DeployedVersion(definition.getVersion(),
                    deployment == null || deployment.getDeploymentTime() == null ? null
                            : deployment.getDeploymentTime().toInstant()));
        }
        return versions;
    }

    @Override
    public Decision candidate(String dmnXml, List<String> acceptedKeys) {
        if (dmnXml == null || dmnXml.isBlank()) {
            throw InvalidInputException.of("decision", "is required: the DMN XML of the candidate table");
        }
        DmnModelInstance model;
        try {
            model = Dmn.readModelFromStream(new ByteArrayInputStream(dmnXml.getBytes(StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            throw InvalidInputException.of("decision", "is not valid DMN 1.3 XML: " + Errors.rootMessage(e));
        }
        List<String> languages = ModelLinter.dmnLanguageProblems("candidate", model).stream()
                .map(p -> p.element() + ": " + p.message()).toList();
        if (!languages.isEmpty()) {
            throw InvalidInputException.of("decision", "is refused: " + String.join("; ", languages));
        }
        String key = model.getModelElementsByType(org.camunda.bpm.model.dmn.instance.Decision.class).stream()
                .map(org.camunda.bpm.model.dmn.instance.Decision::getId).filter(acceptedKeys::contains).findFirst()
                .orElseThrow(() -> InvalidInputException.of("decision", "has no decision with one of the ids "
                        + acceptedKeys + ": give the candidate table the id of the table it replaces"));
        try {
            return parse(key, 0, model);
        } catch (RuntimeException e) {
            throw InvalidInputException.of("decision", "cannot be evaluated: " + Errors.rootMessage(e));
        }
    }

    private Parsed version(DecisionDefinition definition) {
        Parsed parsed = versions.computeIfAbsent(definition.getId(), id -> {
            try (InputStream in = repository.getDecisionModel(id)) {
                DmnModelInstance model = Dmn.readModelFromStream(new ByteArrayInputStream(in.readAllBytes()));
                return parse(definition.getKey(), definition.getVersion(), model);
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read decision " + definition.getKey(), e);
            }
        });
        byKeyAndVersion.putIfAbsent(definition.getKey() + ':' + definition.getVersion(), parsed);
        return parsed;
    }

    private Parsed parse(String key, int version, DmnModelInstance model) {
        Map<String, String> annotations = new HashMap<>();
        for (Rule rule : model.getModelElementsByType(Rule.class)) {
            if (rule.getDescription() != null) {
                annotations.put(rule.getId(), rule.getDescription().getTextContent());
            }
        }
        return new Parsed(key, version, dmn.parseDecision(key, model), Map.copyOf(annotations));
    }

    private final class Parsed implements Decision {

        private final String key;
        private final int version;
        private final DmnDecision decision;
        private final Map<String, String> annotations;

        Parsed(String key, int version, DmnDecision decision, Map<String, String> annotations) {
            this.key = key;
            this.version = version;
            this.decision = decision;
            this.annotations = annotations;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public int version() {
            return version;
        }

        @Override
        public String annotation(String ruleId) {
            return annotations.get(ruleId);
        }

        @Override
        public Evaluation evaluate(Map<String, Object> inputs) {
            try {
                dmn.evaluateDecision(decision, Variables.fromMap(new HashMap<>(inputs)));
                DmnDecisionTableEvaluationEvent event = lastEvent.get();
                List<MatchedRule> rules = new ArrayList<>();
                Map<String, Object> result = new LinkedHashMap<>();
                for (DmnEvaluatedDecisionRule rule : event.getMatchingRules()) {
                    Map<String, Object> outputs = new LinkedHashMap<>();
                    rule.getOutputEntries()
                            .forEach((id, out) -> outputs.put(out.getOutputName(), out.getValue().getValue()));
                    rules.add(new MatchedRule(rule.getId(), annotations.get(rule.getId()), outputs));
                    if (result.isEmpty()) {
                        result.putAll(outputs);
                    }
                }
                if (event.getCollectResultName() != null) {
                    result.clear();
                    Object value = event.getCollectResultValue() == null ? null
                            : event.getCollectResultValue().getValue();
                    result.put(event.getCollectResultName(), value == null ? 0 : value);
                }
                return new Evaluation(key, version, List.copyOf(rules), result);
            } finally {
                lastEvent.remove();
            }
        }
    }
}
