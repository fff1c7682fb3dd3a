package io.leadflow.process;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

import org.camunda.bpm.engine.ParseException;
import org.camunda.bpm.engine.Problem;
import org.camunda.bpm.engine.ResourceReport;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.persistence.deploy.Deployer;
import org.camunda.bpm.engine.impl.persistence.entity.DeploymentEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ResourceEntity;
import org.camunda.bpm.engine.impl.repository.ResourceDefinitionEntity;
import org.camunda.bpm.model.bpmn.Bpmn;

import io.leadflow.experiment.Experiments;

/**
 * The model lint inside the engine: every new deployment is linted before the engine parses it, whatever path it
 * came by (the models folder, Camunda Modeler through {@code /engine-rest}, Cockpit's {@code /camunda/api/engine},
 * any future API), and refused whole with a {@link ParseException}. Camunda's REST API answers that with 400 and
 * a report per file naming the elements, which the Modeler shows beside the diagram. Deployments already in the
 * database are not linted again when the engine loads them.
 */
final class LintingDeployer implements Deployer {

    private final Supplier<? extends Collection<String>> beanNames;
    private final Supplier<DecisionContracts> contracts;
    private final Supplier<ModelLinter.Emails> emails;
    private final Supplier<Experiments> experiments;
    /** The application's other bean names, read at the first deployment: the context is complete by then. */
    private volatile Collection<String> otherBeans;

    LintingDeployer(Supplier<? extends Collection<String>> otherBeans, Supplier<DecisionContracts> contracts,
            Supplier<ModelLinter.Emails> emails, Supplier<Experiments> experiments) {
        this.beanNames = otherBeans;
        this.experiments = experiments;
        this.contracts = contracts;
        this.emails = emails;
    }

    @Override
    public void deploy(DeploymentEntity deployment) {
        if (!deployment.isNew()) {
            return;
        }
        Map<String, byte[]> files = new TreeMap<>();
        deployment.getResources().forEach((name, resource) -> files.put(name, resource.getBytes()));
        CommandContext command = Context.getCommandContext();
        if (otherBeans == null) {
            otherBeans = List.copyOf(beanNames.get());
        }
        ModelLinter linter = EngineConfiguration.linter(otherBeans,
                key -> command.getDecisionDefinitionManager().findLatestDecisionDefinitionByKey(key) != null,
                emails.get());
        List<ModelLinter.Problem> problems = new ArrayList<>(linter.lintAll(files));
        if (problems.isEmpty()) {
            problems.addAll(contracts.get().check(files, key -> deployedModel(command, key)));
        }
        if (!problems.isEmpty()) {
            throw new Refused(problems);
        }
        registerExperiments(files);
    }

    /** The experiments the deployment draws are listed from now on, before any lead reaches their split. */
    private void registerExperiments(Map<String, byte[]> files) {
        files.forEach((name, bytes) -> {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if (lower.endsWith(".bpmn") || lower.endsWith(".bpmn20.xml")) {
                for (SplitTasks.Split split : SplitTasks.of(Bpmn.readModelFromStream(new ByteArrayInputStream(bytes)))) {
                    experiments.get().register(split.plan(), split.processKey(), split.taskId());
                }
            }
        });
    }

    /** The latest deployed process or decision of that key, as its file. */
    private static Optional<byte[]> deployedModel(CommandContext command, String key) {
        ResourceDefinitionEntity<?> definition = command.getProcessDefinitionManager()
                .findLatestProcessDefinitionByKey(key);
        if (definition == null) {
            definition = command.getDecisionDefinitionManager().findLatestDecisionDefinitionByKey(key);
        }
        if (definition == null) {
            return Optional.empty();
        }
        ResourceEntity resource = command.getResourceManager().findResourceByDeploymentIdAndResourceName(
                definition.getDeploymentId(), definition.getResourceName());
        return Optional.ofNullable(resource).map(ResourceEntity::getBytes);
    }

    /** A refused deployment: one report per file, one error per problem, with the element's id. */
    static final class Refused extends ParseException {

        private final transient List<ModelLinter.Problem> problems;
        private final transient List<ResourceReport> reports;

        Refused(List<ModelLinter.Problem> problems) {
            super(new ModelRejected(problems).getMessage(), problems.get(0).file(), List.of(), List.of());
            this.problems = List.copyOf(problems);
            Map<String, List<Problem>> byFile = new LinkedHashMap<>();
            problems.forEach(p -> byFile.computeIfAbsent(p.file(), f -> new ArrayList<>()).add(new LintProblem(p)));
            this.reports = byFile.entrySet().stream().<ResourceReport>map(e -> new Report(e.getKey(), e.getValue()))
                    .toList();
        }

        @Override
        public List<ResourceReport> getResorceReports() {
            return reports;
        }

        List<ModelLinter.Problem> problems() {
            return problems;
        }
    }

    private record Report(String getResourceName, List<Problem> getErrors) implements ResourceReport {
        @Override
        public List<Problem> getWarnings() {
            return List.of();
        }
    }

    private record LintProblem(ModelLinter.Problem problem) implements Problem {
        @Override
        public String getMessage() {
            return problem.element() + ": " + problem.message();
        }

        @Override
        public int getLine() {
            return 0;
        }

        @Override
        public int getColumn() {
            return 0;
        }

        @Override
        public String getMainElementId() {
            return problem.elementId();
        }

        @Override
        public List<String> getElementIds() {
            return problem.elementId() == null ? List.of() : List.of(problem.elementId());
        }
    }
}
