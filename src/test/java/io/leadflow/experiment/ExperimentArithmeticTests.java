package io.leadflow.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The plan a Split audience task gives, the draw, and the test's verdict on counts whose answer is known: no engine,
 * no database.
 */
class ExperimentArithmeticTests {

    static ExperimentPlan plan(String variants, String metric, int minLeads) {
        return ExperimentPlan.parse(Map.of("experiment", "probe", "variants", variants, "metric", metric, "window",
                "P14D", "minLeads", String.valueOf(minLeads)));
    }

    static Experiment running(ExperimentPlan plan) {
        return new Experiment(plan, "nurture", "Task_Split", Experiment.State.RUNNING, null, null, null, null, null,
                Instant.EPOCH, plan.variants().entrySet().stream()
                        .map(v -> new Experiment.Variant(v.getKey(), v.getValue(), null, null)).toList());
    }

    /** Figures where {@code hits} of {@code matured} leads reached the metric. */
    static ExperimentOutcomes.Figures figures(long matured, long hits, ExperimentPlan.Metric metric) {
        Map<ExperimentPlan.Metric, Long> byMetric = new EnumMap<>(ExperimentPlan.Metric.class);
        byMetric.put(metric, hits);
        return new ExperimentOutcomes.Figures(matured, matured, 0, 0, 0, 0, 0, 0, byMetric);
    }

    @Nested
    class Plans {

        @Test
        void readsWhatTheModelerWritesWithItsDefaults() {
            ExperimentPlan plan = ExperimentPlan.parse(Map.of("experiment", "welcome-subject", "variants",
                    "A 50, B 30,C:20", "metric", "MQL", "window", "P30D"));
            assertThat(plan.variants()).containsExactly(Map.entry("A", 50), Map.entry("B", 30), Map.entry("C", 20));
            assertThat(plan.control()).isEqualTo("A");
            assertThat(plan.metric()).isEqualTo(ExperimentPlan.Metric.MQL);
            assertThat(plan.minLeads()).isEqualTo(100);
            assertThat(plan.onDecision()).isEqualTo(ExperimentPlan.OnDecision.WINNER);
            assertThat(plan.confidence()).isEqualTo(0.95);
            assertThat(plan.guardRate()).isEqualTo(0.03);
        }

        @Test
        void refusesEachWrongInputNamingIt() {
            Map<String, String> inputs = new HashMap<>(Map.of("experiment", "Welcome Subject", "variants",
                    "A 0, B 50, B 20", "metric", "opens", "window", "two weeks", "minLeads", "5", "onDecision", "maybe",
                    "confidence", "50", "guard", "x"));
            assertThatThrownBy(() -> ExperimentPlan.parse(inputs)).isInstanceOfSatisfying(ExperimentPlan.Invalid.class,
                    e -> assertThat(e.problems()).containsExactly(
                            "experiment key 'Welcome Subject' must be lower-case letters, digits and '-' (at most 64)",
                            "variant 'A' has weight 0: weights are whole numbers from 1 to 10000",
                            "variant 'B' is named twice",
                            "metric 'opens' is unknown: use click, mql or sql",
                            "window 'two weeks' is not a duration: write days or hours, e.g. P14D or PT48H",
                            "minimum leads per variant '5' must be a whole number from 10 to 1000000",
                            "on decision 'maybe' is unknown: use winner or keep",
                            "confidence level '50' must be a percentage from 80.0 to 99.9",
                            "guard 'x' must be a percentage from 0.1 to 50.0"));
        }

        @Test
        void needsTwoVariantsAndNegativeWeightsAreRefused() {
            assertThatThrownBy(() -> plan("A 100", "click", 100)).hasMessageContaining("at least two variants");
            assertThatThrownBy(() -> plan("A -5, B 5", "click", 100))
                    .hasMessageContaining("variant 'A' has weight -5");
            assertThatThrownBy(() -> ExperimentPlan.parse(Map.of("variants", "A 1, B 1", "metric", "click",
                    "window", "P14D"))).hasMessageContaining("input 'experiment' is missing");
        }
    }

    @Nested
    class Draws {

        @Test
        void givesALeadTheSameVariantEveryTimeAndFollowsTheWeightsOverTenThousandLeads() {
            Experiment even = running(plan("A 50, B 50", "click", 100));
            Experiment skewed = running(plan("control 80, bold 15, plain 5", "click", 100));
            Map<String, Integer> evenCounts = new HashMap<>();
            Map<String, Integer> skewedCounts = new HashMap<>();
            for (int i = 0; i < 10_000; i++) {
                String lead = UUID.randomUUID().toString();
                String variant = Experiments.draw(even, lead);
                assertThat(Experiments.draw(even, lead)).isEqualTo(variant);
                evenCounts.merge(variant, 1, Integer::sum);
                skewedCounts.merge(Experiments.draw(skewed, lead), 1, Integer::sum);
            }
            // four standard deviations of a binomial count over 10,000 draws
            assertThat(evenCounts.get("A")).isCloseTo(5_000, within(200));
            assertThat(skewedCounts.get("control")).isCloseTo(8_000, within(160));
            assertThat(skewedCounts.get("bold")).isCloseTo(1_500, within(143));
            assertThat(skewedCounts.get("plain")).isCloseTo(500, within(88));
        }

        @Test
        void aVariantTheGuardStoppedGetsNobodyAndTheOthersKeepTheirShare() {
            ExperimentPlan plan = plan("A 50, B 25, C 25", "click", 100);
            Experiment guarded = new Experiment(plan, "nurture", "Task_Split", Experiment.State.RUNNING, null, null,
                    null, null, null, Instant.EPOCH, List.of(new Experiment.Variant("A", 50, null, null),
                            new Experiment.Variant("B", 25, Instant.EPOCH, "Guard"),
                            new Experiment.Variant("C", 25, null, null)));
            Map<String, Integer> counts = new HashMap<>();
            for (int i = 0; i < 3_000; i++) {
                counts.merge(Experiments.draw(guarded, "lead-" + i), 1, Integer::sum);
            }
            assertThat(counts).doesNotContainKey("B");
            assertThat(counts.get("A")).isCloseTo(2_000, within(120));
        }
    }

    @Nested
    class Verdicts {

        @Test
        void aClearWinnerWins() {
            ExperimentPlan plan = plan("A 50, B 50", "mql", 100);
            var verdict = Verdict.of(running(plan), Map.of("A", figures(200, 20, ExperimentPlan.Metric.MQL),
                    "B", figures(200, 50, ExperimentPlan.Metric.MQL)));
            assertThat(verdict.kind()).isEqualTo(Verdict.Kind.WINNER);
            assertThat(verdict.winner()).isEqualTo("B");
            assertThat(verdict.pValue()).isLessThan(0.001);
            assertThat(verdict.explanation()).startsWith("B won at 95.0 % confidence: 25.0 % of its leads became MQLs"
                    + " within P14D, against A 10.0 %");
        }

        @Test
        void noDifferenceIsNoWinner() {
            ExperimentPlan plan = plan("A 50, B 50", "click", 100);
            var verdict = Verdict.of(running(plan), Map.of("A", figures(300, 60, ExperimentPlan.Metric.CLICK),
                    "B", figures(300, 66, ExperimentPlan.Metric.CLICK)));
            assertThat(verdict.kind()).isEqualTo(Verdict.Kind.NO_DIFFERENCE);
            assertThat(verdict.winner()).isNull();
            assertThat(verdict.explanation()).startsWith("No variant won at 95.0 % confidence: B 22.0 %");
        }

        @Test
        void tooFewLeadsWhoseWindowEndedDecideNothingHoweverLargeTheGap() {
            ExperimentPlan plan = plan("A 50, B 50", "mql", 100);
            var verdict = Verdict.of(running(plan), Map.of("A", figures(99, 0, ExperimentPlan.Metric.MQL),
                    "B", figures(400, 300, ExperimentPlan.Metric.MQL)));
            assertThat(verdict.kind()).isEqualTo(Verdict.Kind.WAITING);
            assertThat(verdict.explanation()).isEqualTo(
                    "Waiting for 100 leads per variant whose P14D window has ended: A needs 1 more.");
        }

        @Test
        void withThreeVariantsTheBestMustBeatEachOtherOneAtTheCorrectedLevel() {
            ExperimentPlan plan = plan("A 34, B 33, C 33", "click", 100);
            Map<String, ExperimentOutcomes.Figures> close = new LinkedHashMap<>();
            // B beats A clearly, but C only at p ~ 0.04, above 0.05 / 2
            close.put("A", figures(500, 50, ExperimentPlan.Metric.CLICK));
            close.put("B", figures(500, 100, ExperimentPlan.Metric.CLICK));
            close.put("C", figures(500, 76, ExperimentPlan.Metric.CLICK));
            assertThat(Verdict.of(running(plan), close).kind()).isEqualTo(Verdict.Kind.NO_DIFFERENCE);
            close.put("C", figures(500, 60, ExperimentPlan.Metric.CLICK));
            assertThat(Verdict.of(running(plan), close).winner()).isEqualTo("B");
        }

        @Test
        void theArithmeticMatchesTheTextbook() {
            // 60/200 against 40/200: pooled 0.25, z = 2.309, p = 0.0209
            assertThat(Statistics.pValue(60, 200, 40, 200)).isCloseTo(0.0209, within(0.0005));
            assertThat(Statistics.zFor(0.95)).isCloseTo(1.95996, within(0.0001));
            // Wilson, 50 of 100 at 95 %: [0.4038, 0.5962]
            var interval = Statistics.wilson(50, 100, 0.95);
            assertThat(interval.low()).isCloseTo(0.4038, within(0.0005));
            assertThat(interval.high()).isCloseTo(0.5962, within(0.0005));
            assertThat(Statistics.wilson(0, 0, 0.95).high()).isZero();
            assertThat(Statistics.pValue(0, 100, 0, 100)).isEqualTo(1);
        }
    }
}
