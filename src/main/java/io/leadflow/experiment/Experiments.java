package io.leadflow.experiment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.ConflictException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

/**
 * Experiments drawn in journeys. A "Split audience" task calls {@link #assign}: the lead gets a variant, the same one
 * whatever retries, nodes and loops (a hash of the experiment and the lead, recorded in
 * {@code experiment_assignments}), and the gateway after the task routes on it. Every minute one node
 * {@linkplain #evaluate() looks at each running experiment}: the guard stops a variant whose leads unsubscribe or
 * complain too often, and once every variant has its minimum sample of leads whose window has ended, the test
 * decides once (see {@link Report}). From then on a winner takes every new lead, without a new deployment, if the
 * model says so; a marketer may stop an experiment or choose its winner by hand at any time.
 */
@Service
public class Experiments {

    /** Who decided, when the test did: not a possible user id (Camunda's are letters and digits). */
    public static final String BY_THE_TEST = "statistical-test";

    private static final Logger log = LoggerFactory.getLogger(Experiments.class);

    private final ExperimentRepository repository;
    private final ExperimentOutcomes outcomes;
    private final TransactionTemplate tx;
    private final ObjectMapper json;
    private final Clock clock;
    private final int guardMinLeads;

    Experiments(ExperimentRepository repository, ExperimentOutcomes outcomes, TransactionTemplate tx,
            ObjectMapper json, Clock clock, @Value("${leadflow.experiments.guard-min-leads:50}") int guardMinLeads) {
        this.repository = repository;
        this.outcomes = outcomes;
        this.tx = tx;
        this.json = json;
        this.clock = clock;
        this.guardMinLeads = guardMinLeads;
    }

    /**
     * Makes the plan of a model known (at deployment and at each split): a new experiment starts RUNNING; a changed
     * plan applies from now on, whatever the experiment's state.
     */
    @Transactional(propagation = Propagation.REQUIRED)
    public Experiment register(ExperimentPlan plan, String processKey, String activityId) {
        Instant now = clock.instant();
        Optional<Experiment> known = repository.find(plan.key());
        if (known.isEmpty()) {
            repository.insertIfAbsent(plan, processKey, activityId, now);
        } else if (!samePlan(known.get(), plan, processKey, activityId)) {
            repository.updatePlan(plan, processKey, activityId, now);
        }
        return repository.find(plan.key()).orElseThrow();
    }

    private static boolean samePlan(Experiment known, ExperimentPlan plan, String processKey, String activityId) {
        Map<String, Integer> weights = new LinkedHashMap<>();
        known.variants().stream().filter(v -> v.weight() > 0).forEach(v -> weights.put(v.name(), v.weight()));
        ExperimentPlan was = known.plan();
        return weights.equals(plan.variants()) && List.copyOf(weights.keySet()).equals(List.copyOf(
                plan.variants().keySet())) && was.metric() == plan.metric() && was.window().equals(plan.window())
                && was.minLeads() == plan.minLeads() && was.onDecision() == plan.onDecision()
                && was.confidence() == plan.confidence() && was.guardRate() == plan.guardRate()
                && Objects.equals(known.processKey(), processKey) && Objects.equals(known.activityId(), activityId);
    }

    /**
     * The lead's variant in the plan's experiment, chosen now if it has none, in the caller's transaction: a split
     * task's step rolled back leaves no assignment, and its retry chooses the same variant.
     */
    @Transactional(propagation = Propagation.REQUIRED)
    public String assign(ExperimentPlan plan, String leadId, String processKey, String activityId) {
        Optional<String> kept = repository.assignment(plan.key(), leadId);
        if (kept.isPresent()) {
            return kept.get();
        }
        Experiment experiment = register(plan, processKey, activityId);
        Instant now = clock.instant();
        Optional<String> fixed = experiment.fixedRoute();
        String variant = fixed.orElseGet(() -> draw(experiment, leadId));
        boolean inSample = fixed.isEmpty() && experiment.state() == Experiment.State.RUNNING;
        repository.assign(plan.key(), leadId, variant, inSample, now, now.plus(plan.windowDuration()));
        return variant;
    }

    /** The variant a lead draws among the active ones, by weight: a pure function of the experiment and the lead. */
    static String draw(Experiment experiment, String leadId) {
        List<Experiment.Variant> active = experiment.active();
        long total = active.stream().mapToLong(Experiment.Variant::weight).sum();
        long bucket = Long.remainderUnsigned(hash(experiment.key() + "\n" + leadId), total);
        for (Experiment.Variant variant : active) {
            bucket -= variant.weight();
            if (bucket < 0) {
                return variant.name();
            }
        }
        throw new IllegalStateException("no active variant in experiment " + experiment.key());
    }

    private static long hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = value << 8 | (digest[i] & 0xff);
            }
            return value;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<Experiment> all() {
        return repository.all();
    }

    public Experiment find(String key) {
        return repository.find(key).orElseThrow(() -> new NotFoundException("No experiment '" + key
                + "': its key is the 'Experiment key' of a Split audience task in a deployed journey"));
    }

    /** The lead's variant in each experiment it entered. */
    public Optional<String> variantOf(String key, String leadId) {
        return repository.assignment(key, leadId);
    }

    /** The experiment with its figures and the test's verdict as of now. */
    public Report report(String key) {
        return report(find(key), clock.instant());
    }

    public List<Report> reports() {
        Instant now = clock.instant();
        return all().stream().map(e -> report(e, now)).toList();
    }

    private Report report(Experiment experiment, Instant now) {
        Map<String, ExperimentOutcomes.Figures> figures = outcomes.figures(experiment.key(), now);
        Map<String, Long> routed = repository.routedOutsideSample(experiment.key());
        return Report.of(experiment, figures, routed);
    }

    /** Ends the split by hand: every new lead takes the control (or the first variant the guard left). */
    @Transactional
    public Experiment stop(String key, String user) {
        Experiment experiment = repository.lock(key).orElseThrow(() -> notFound(key));
        if (experiment.state() == Experiment.State.STOPPED) {
            throw new ConflictException("Experiment '" + key + "' was stopped already, " + experiment.decidedAt()
                    + " by " + experiment.decidedBy() + ": choose a winner to route new leads to another variant");
        }
        Instant now = clock.instant();
        Report report = report(experiment, now);
        String route = experiment.winner() != null ? experiment.winner() : experiment.fallback();
        repository.conclude(key, Experiment.State.STOPPED, experiment.winner(), user,
                "Stopped by " + user + ": every new lead takes " + route + ".", figures(report), now);
        log.info("Experiment {} stopped by {}", key, user);
        return find(key);
    }

    /** A winner chosen by hand: every new lead takes it from now on, whatever the template's "on decision". */
    @Transactional
    public Experiment choose(String key, String variant, String user) {
        Experiment experiment = repository.lock(key).orElseThrow(() -> notFound(key));
        if (variant == null || experiment.active().stream().noneMatch(v -> v.name().equals(variant))) {
            throw InvalidInputException.of("variant", "must be one of " + experiment.active().stream()
                    .map(Experiment.Variant::name).toList() + ", the variants the journey still has and the guard"
                    + " did not stop");
        }
        Instant now = clock.instant();
        repository.conclude(key, Experiment.State.DECIDED, variant, user,
                "Chosen by " + user + ": every new lead takes " + variant + ".",
                figures(report(experiment, now)), now);
        log.info("Experiment {}: {} chosen by {}", key, variant, user);
        return find(key);
    }

    private static NotFoundException notFound(String key) {
        return new NotFoundException("No experiment '" + key + "'");
    }

    @Scheduled(initialDelayString = "PT30S", fixedDelayString = "${leadflow.experiments.evaluate-every:PT1M}")
    void evaluate() {
        try {
            evaluateAll();
        } catch (RuntimeException e) {
            log.warn("Evaluating experiments failed; the next run tries again: {}", e.toString());
        }
    }

    /** Looks at every running experiment: the guard first, then the test. Answers those that changed. */
    public List<String> evaluateAll() {
        List<String> changed = new ArrayList<>();
        for (String key : repository.running()) {
            if (Boolean.TRUE.equals(tx.execute(s -> evaluate(key)))) {
                changed.add(key);
            }
        }
        return changed;
    }

    private boolean evaluate(String key) {
        Experiment experiment = repository.lock(key).orElse(null);
        if (experiment == null || experiment.state() != Experiment.State.RUNNING) {
            return false;
        }
        Instant now = clock.instant();
        Map<String, ExperimentOutcomes.Figures> figures = outcomes.figures(key, now);
        boolean changed = guard(experiment, figures, now);
        if (changed) {
            experiment = repository.lock(key).orElseThrow();
            if (experiment.active().size() < 2) {
                String left = experiment.fallback();
                repository.conclude(key, Experiment.State.STOPPED, null, BY_THE_TEST, "The guard stopped every variant"
                        + " but " + left + ": every new lead takes " + left + ".",
                        figures(Report.of(experiment, figures, Map.of())), now);
                return true;
            }
        }
        Verdict verdict = Verdict.of(experiment, figures);
        if (verdict.kind() == Verdict.Kind.WAITING) {
            return changed;
        }
        repository.conclude(key, Experiment.State.DECIDED, verdict.winner(), BY_THE_TEST, verdict.explanation(),
                figures(Report.of(experiment, figures, Map.of())), now);
        log.info("Experiment {} decided: {}", key, verdict.explanation());
        return true;
    }

    /** Stops each active variant whose unsubscribes and complaints per lead passed the guard. */
    private boolean guard(Experiment experiment, Map<String, ExperimentOutcomes.Figures> figures, Instant now) {
        boolean stopped = false;
        for (Experiment.Variant variant : experiment.active()) {
            var f = figures.getOrDefault(variant.name(), ExperimentOutcomes.Figures.NONE);
            long bad = f.unsubscribed() + f.complained();
            if (f.leads() >= guardMinLeads && bad > experiment.plan().guardRate() * f.leads()) {
                String reason = String.format(Locale.ROOT, "Guard: %d of its %d leads unsubscribed or complained"
                        + " (%.1f %%), above the %.1f %% the experiment allows", bad, f.leads(),
                        100.0 * bad / f.leads(), 100 * experiment.plan().guardRate());
                repository.stopVariant(experiment.key(), variant.name(), reason, now);
                log.warn("Experiment {}: variant {} stopped. {}", experiment.key(), variant.name(), reason);
                stopped = true;
            }
        }
        return stopped;
    }

    private String figures(Report report) {
        try {
            return json.writeValueAsString(report.variants());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
