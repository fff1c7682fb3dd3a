package io.leadflow.experiment;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An experiment as {@code GET /api/analytics/experiments/{key}} answers it: its plan, state, decision, what a new
 * lead gets now, what the test would say now, and per variant the figures of its leads.
 *
 * @param confidence the confidence level as a fraction (0.95); {@code guard} likewise (0.03)
 * @param route   the variant every new lead takes, or null while leads are split at random
 * @param verdict what the test says of today's figures (the decision, once taken, is {@code decision})
 */
public record Report(String key, String journey, String splitTask, String metric, String window, int minLeads,
        String onDecision, double confidence, double guard, String state, String winner, Instant decidedAt,
        String decidedBy, String decision, String routing, String route, Instant startedAt, String verdict,
        List<VariantFigures> variants) {

    /**
     * @param rate    of the matured leads, the share who reached the metric; {@code low}/{@code high}: its interval at
     *                the experiment's confidence (Wilson)
     * @param routed  leads given this variant outside the sample (by the winner or after a stop), not judged
     */
    public record VariantFigures(String variant, int weight, boolean active, Instant stoppedAt, String stopReason,
            long leads, long matured, long emails, long clicks, long unsubscribes, long complaints, long mqls,
            long sqls, double rate, double low, double high, long routed) {
    }

    static Report of(Experiment e, Map<String, ExperimentOutcomes.Figures> figures, Map<String, Long> routed) {
        ExperimentPlan plan = e.plan();
        List<VariantFigures> variants = e.variants().stream().map(v -> {
            var f = figures.getOrDefault(v.name(), ExperimentOutcomes.Figures.NONE);
            var interval = Statistics.wilson(f.hits(plan.metric()), f.matured(), plan.confidence());
            return new VariantFigures(v.name(), v.weight(), v.active(), v.stoppedAt(), v.stopReason(), f.leads(),
                    f.matured(), f.emails(), f.clicked(), f.unsubscribed(), f.complained(), f.mqls(), f.sqls(),
                    interval.rate(), interval.low(), interval.high(), routed.getOrDefault(v.name(), 0L));
        }).toList();
        String routing = e.fixedRoute().map(v -> "Every new lead takes " + v + ".").orElse(
                e.state() == Experiment.State.RUNNING ? "New leads are split at random by weight."
                        : "New leads are still split at random by weight: "
                                + (e.winner() == null ? "no variant won." : "the winner is only reported."));
        return new Report(e.key(), e.processKey(), e.activityId(), plan.metric().name().toLowerCase(),
                plan.window(), plan.minLeads(), plan.onDecision().name().toLowerCase(), plan.confidence(),
                plan.guardRate(), e.state().name(), e.winner(), e.decidedAt(), e.decidedBy(), e.decisionNote(),
                routing, e.fixedRoute().orElse(null), e.startedAt(), Verdict.of(e, figures).explanation(), variants);
    }
}
