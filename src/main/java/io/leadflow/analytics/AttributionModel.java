package io.leadflow.analytics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.leadflow.handoff.Revenue;

/**
 * Who gets the credit for an opportunity: its amount shared between the lead's touches of one dimension (source,
 * campaign, nurture track, experiment) by a model, the first touch, the last, or each touch equally (linear). Pure
 * arithmetic on what {@link Attribution} read, so a small known dataset checks it.
 */
final class AttributionModel {

    /** What an opportunity's amount is shared by. */
    enum By {
        source, campaign, track, experiment;

        static By of(String value) {
            try {
                return value == null || value.isBlank() ? source : By.valueOf(value.trim().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw io.leadflow.platform.InvalidInputException.of("by",
                        "must be source, campaign, track or experiment");
            }
        }
    }

    /** How it is shared between the touches of that dimension. */
    enum Model {
        first, last, linear;

        static Model of(String value) {
            try {
                return value == null || value.isBlank() ? linear
                        : Model.valueOf(value.trim().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw io.leadflow.platform.InvalidInputException.of("model", "must be first, last or linear");
            }
        }
    }

    /**
     * One touch of a lead: its capture or a scored event (a source and a campaign, {@code null} for none), or its
     * entry into an experiment ({@code experiment} as {@code key:variant}, the others null).
     */
    record Touch(Instant at, String source, String campaign, String experiment) {

        static Touch of(Instant at, String source, String campaign) {
            return new Touch(at, source, campaign, null);
        }

        static Touch experiment(Instant at, String keyAndVariant) {
            return new Touch(at, null, null, keyAndVariant);
        }
    }

    /**
     * An opportunity and the lead's story until it was created: touches oldest first (its capture, then its scored
     * events and the experiments it entered), and the nurture track it is in.
     */
    record Case(String opportunityId, String status, BigDecimal amount, String currency, Instant createdAt,
            String track, List<Touch> touches) {
    }

    /**
     * One value of the dimension, in one currency.
     *
     * @param opportunities the opportunities credited to it, fractions under the linear model
     * @param pipeline      the credited share of all their amounts, to the cent
     * @param won           the credited share of the won ones' amounts
     */
    record Row(String key, String currency, double opportunities, BigDecimal pipeline, BigDecimal won,
            double wonOpportunities) {
    }

    static final String NONE = "(none)";
    private static final MathContext PRECISION = MathContext.DECIMAL64;

    private AttributionModel() {
    }

    /** The rows, the most won first, then the most pipeline; amounts to the cent. */
    static List<Row> attribute(List<Case> cases, By by, Model model) {
        record Sum(double opportunities, BigDecimal pipeline, BigDecimal won, double wonOpportunities) {
            Sum add(double share, BigDecimal amount, boolean won) {
                BigDecimal credit = amount.multiply(BigDecimal.valueOf(share), PRECISION);
                return new Sum(opportunities + share, pipeline.add(credit), won ? this.won.add(credit) : this.won,
                        wonOpportunities + (won ? share : 0));
            }
        }
        Map<List<String>, Sum> sums = new LinkedHashMap<>();
        for (Case c : cases) {
            String currency = Revenue.currencyOf(c.currency());
            BigDecimal amount = Revenue.amountOf(c.amount());
            boolean won = "WON".equals(c.status());
            shares(c, by, model).forEach((key, share) -> sums.merge(List.of(key, currency),
                    new Sum(0, BigDecimal.ZERO, BigDecimal.ZERO, 0).add(share, amount, won),
                    (a, b) -> new Sum(a.opportunities() + b.opportunities(), a.pipeline().add(b.pipeline()),
                            a.won().add(b.won()), a.wonOpportunities() + b.wonOpportunities())));
        }
        List<Row> rows = new ArrayList<>();
        sums.forEach((key, s) -> rows.add(new Row(key.get(0), key.get(1), round(s.opportunities()),
                s.pipeline().setScale(2, RoundingMode.HALF_EVEN), s.won().setScale(2, RoundingMode.HALF_EVEN),
                round(s.wonOpportunities()))));
        rows.sort(Comparator.comparing(Row::won).reversed().thenComparing(Comparator.comparing(Row::pipeline)
                .reversed()).thenComparing(Row::key).thenComparing(Row::currency));
        return rows;
    }

    /** The share of the opportunity each value of the dimension gets; the shares add up to 1. */
    static Map<String, Double> shares(Case c, By by, Model model) {
        Map<String, Double> shares = new LinkedHashMap<>();
        if (by == By.track) {
            shares.put(c.track() == null ? NONE : c.track(), 1.0);
            return shares;
        }
        List<String> keys = new ArrayList<>();
        for (Touch t : c.touches()) {
            if (t.at() != null && t.at().isAfter(c.createdAt())) {
                continue;
            }
            // experiments share among the experiments the lead entered; sources and campaigns among the other touches
            if ((by == By.experiment) != (t.experiment() != null)) {
                continue;
            }
            String key = switch (by) {
                case source -> t.source();
                case campaign -> t.campaign();
                case experiment -> t.experiment();
                case track -> throw new IllegalStateException("handled above");
            };
            keys.add(key == null ? NONE : key);
        }
        if (keys.isEmpty()) {
            shares.put(NONE, 1.0);
            return shares;
        }
        switch (model) {
            case first -> shares.put(keys.get(0), 1.0);
            case last -> shares.put(keys.get(keys.size() - 1), 1.0);
            case linear -> keys.forEach(k -> shares.merge(k, 1.0 / keys.size(), Double::sum));
        }
        return shares;
    }

    private static double round(double value) {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
