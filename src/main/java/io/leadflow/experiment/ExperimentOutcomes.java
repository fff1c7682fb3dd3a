package io.leadflow.experiment;

import java.time.Instant;
import java.util.Map;

/**
 * What the leads of each variant did within their window after the split: emails, clicks, unsubscribes, complaints,
 * MQLs and SQLs, counted by the module that reads every other module's tables (analytics). Only the leads drawn at
 * random while the experiment ran count ({@code in_sample}).
 */
public interface ExperimentOutcomes {

    /** Per variant that has leads: its figures at {@code now}. */
    Map<String, Figures> figures(String experimentKey, Instant now);

    /**
     * @param leads        leads drawn into the variant
     * @param matured      of them, those whose window has ended: only they are judged
     * @param emails       marketing emails sent to the variant's leads within their window
     * @param clicked      leads who clicked a tracked link within their window
     * @param unsubscribed leads who unsubscribed within their window
     * @param complained   leads who reported an email as spam within their window
     * @param mqls         leads who became MQLs within their window
     * @param sqls         leads who became SQLs within their window
     * @param maturedHits  of the matured leads, those who reached each metric within their window
     */
    record Figures(long leads, long matured, long emails, long clicked, long unsubscribed, long complained, long mqls,
            long sqls, Map<ExperimentPlan.Metric, Long> maturedHits) {

        public static final Figures NONE = new Figures(0, 0, 0, 0, 0, 0, 0, 0, Map.of());

        public long hits(ExperimentPlan.Metric metric) {
            return maturedHits.getOrDefault(metric, 0L);
        }
    }
}
