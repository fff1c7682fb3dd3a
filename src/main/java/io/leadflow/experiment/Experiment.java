package io.leadflow.experiment;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An experiment as it stands: its plan (from the latest model that drew it), its state and decision, and its
 * variants, some of which the guard may have stopped.
 *
 * @param decidedBy {@link Experiments#BY_THE_TEST} when the test decided, else the user who stopped it or chose
 */
public record Experiment(ExperimentPlan plan, String processKey, String activityId, State state, String winner,
        Instant decidedAt, String decidedBy, String decisionNote, String decisionFigures, Instant startedAt,
        List<Variant> variants) {

    /** RUNNING: leads are drawn at random; DECIDED: the test (or a person) chose; STOPPED: the split ended. */
    public enum State { RUNNING, DECIDED, STOPPED }

    /** @param weight 0 when the latest model no longer has the variant */
    public record Variant(String name, int weight, Instant stoppedAt, String stopReason) {

        public boolean active() {
            return weight > 0 && stoppedAt == null;
        }
    }

    public String key() {
        return plan.key();
    }

    public Optional<Variant> variant(String name) {
        return variants.stream().filter(v -> v.name().equals(name)).findFirst();
    }

    List<Variant> active() {
        return variants.stream().filter(Variant::active).toList();
    }

    /**
     * Where a lead new to the experiment goes: the winner once one was chosen and routes (the template's "winner", or
     * any choice by hand); the first variant still active once the split was stopped; empty while leads are drawn
     * at random.
     */
    Optional<String> fixedRoute() {
        boolean chosenByHand = decidedBy != null && !Experiments.BY_THE_TEST.equals(decidedBy);
        if (winner != null && (state == State.STOPPED || plan.onDecision() == ExperimentPlan.OnDecision.WINNER
                || chosenByHand)) {
            return Optional.of(winner);
        }
        if (state == State.STOPPED || active().size() < 2) {
            return Optional.of(fallback());
        }
        return Optional.empty();
    }

    /**
     * Who takes new leads when the split ends without a winner: the first variant still active, else the control of
     * the latest model (a variant a later version dropped is never chosen).
     */
    String fallback() {
        return variants.stream().filter(Variant::active).findFirst()
                .or(() -> variants.stream().filter(v -> v.weight() > 0).findFirst())
                .map(Variant::name).orElse(plan.control());
    }
}
