package io.leadflow.experiment;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the test says of an experiment's figures. It is a fixed-horizon test, run once: only when every active
 * variant has the plan's minimum of leads whose window has ended (so nobody decides on the first lucky days), on
 * those leads only. The best variant wins if a two-sided two-proportion z-test finds it different from every other
 * active variant at the plan's confidence level, Bonferroni-corrected for the number of comparisons; otherwise no
 * variant won. A marketer who looks every day does not move the decision: it waits for the sample, then is taken.
 *
 * @param kind     WAITING for the sample, WINNER, or NO_DIFFERENCE
 * @param winner   the variant that won, or null
 * @param pValue   the largest p-value of the best variant's comparisons (NaN while waiting)
 */
record Verdict(Kind kind, String winner, double pValue, String explanation) {

    enum Kind { WAITING, WINNER, NO_DIFFERENCE }

    static Verdict of(Experiment experiment, Map<String, ExperimentOutcomes.Figures> figures) {
        ExperimentPlan plan = experiment.plan();
        List<Experiment.Variant> active = experiment.active();
        StringBuilder missing = new StringBuilder();
        for (Experiment.Variant v : active) {
            long matured = figures.getOrDefault(v.name(), ExperimentOutcomes.Figures.NONE).matured();
            if (matured < plan.minLeads()) {
                missing.append(missing.isEmpty() ? "" : ", ").append(v.name()).append(" needs ")
                        .append(plan.minLeads() - matured).append(" more");
            }
        }
        if (active.size() < 2) {
            return new Verdict(Kind.WAITING, null, Double.NaN, "Fewer than two variants take leads: nothing to compare.");
        }
        if (experiment.state() != Experiment.State.RUNNING && !missing.isEmpty()) {
            return new Verdict(Kind.WAITING, null, Double.NaN, "The sample closed when the experiment was "
                    + experiment.state().name().toLowerCase(Locale.ROOT) + ", before every variant had " + plan.minLeads()
                    + " leads whose window has ended (" + missing + "): the test cannot judge it.");
        }
        if (!missing.isEmpty()) {
            return new Verdict(Kind.WAITING, null, Double.NaN, "Waiting for " + plan.minLeads()
                    + " leads per variant whose " + plan.window() + " window has ended: " + missing + ".");
        }
        String best = null;
        double bestRate = -1;
        for (Experiment.Variant v : active) {
            double rate = rate(figures.get(v.name()), plan.metric());
            if (rate > bestRate) {
                best = v.name();
                bestRate = rate;
            }
        }
        double alpha = (1 - plan.confidence()) / (active.size() - 1);
        double worst = 0;
        boolean beatsAll = true;
        StringBuilder others = new StringBuilder();
        var b = figures.get(best);
        for (Experiment.Variant v : active) {
            if (v.name().equals(best)) {
                continue;
            }
            var o = figures.get(v.name());
            double p = Statistics.pValue(b.hits(plan.metric()), b.matured(), o.hits(plan.metric()), o.matured());
            worst = Math.max(worst, p);
            beatsAll &= p < alpha && rate(o, plan.metric()) < bestRate;
            others.append(others.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f %% (p = %.3g)",
                    v.name(), 100 * rate(o, plan.metric()), p));
        }
        String metric = metricWords(plan.metric());
        String level = String.format(Locale.ROOT, "%.3g %%", 100 * plan.confidence());
        if (beatsAll) {
            return new Verdict(Kind.WINNER, best, worst, String.format(Locale.ROOT,
                    "%s won at %s confidence: %.1f %% of its leads %s within %s, against %s; %d or more leads per"
                            + " variant.", best, level, 100 * bestRate, metric, plan.window(), others,
                    plan.minLeads()));
        }
        return new Verdict(Kind.NO_DIFFERENCE, null, worst, String.format(Locale.ROOT,
                "No variant won at %s confidence: %s %.1f %% of leads %s within %s, against %s.", level, best,
                100 * bestRate, metric, plan.window(), others));
    }

    static double rate(ExperimentOutcomes.Figures f, ExperimentPlan.Metric metric) {
        return f == null || f.matured() == 0 ? 0 : (double) f.hits(metric) / f.matured();
    }

    static String metricWords(ExperimentPlan.Metric metric) {
        return switch (metric) {
            case CLICK -> "clicked";
            case MQL -> "became MQLs";
            case SQL -> "became SQLs";
        };
    }
}
