package io.leadflow.handoff;

import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;

/**
 * Opportunity amounts summed per currency, as every report shows them (the handoff report, an account's page,
 * attribution): never converted between currencies; an amount the CRM did not give counts 0, a currency it did not
 * give is {@value #UNKNOWN_CURRENCY}.
 */
public final class Revenue {

    public static final String UNKNOWN_CURRENCY = "unknown";

    private final Map<String, BigDecimal> pipeline = new TreeMap<>();
    private final Map<String, BigDecimal> won = new TreeMap<>();

    public static String currencyOf(String currency) {
        return currency == null ? UNKNOWN_CURRENCY : currency;
    }

    public static BigDecimal amountOf(BigDecimal amount) {
        return amount == null ? BigDecimal.ZERO : amount;
    }

    /** One opportunity: into the pipeline, and into the won revenue when won. */
    public void add(BigDecimal amount, String currency, String status) {
        String c = currencyOf(currency);
        BigDecimal a = amountOf(amount);
        pipeline.merge(c, a, BigDecimal::add);
        if (Opportunity.WON.equals(status)) {
            won.merge(c, a, BigDecimal::add);
        }
    }

    /** Every opportunity's amount, per currency, in currency order. */
    public Map<String, BigDecimal> pipeline() {
        return pipeline;
    }

    /** The won ones' amount, per currency. */
    public Map<String, BigDecimal> won() {
        return won;
    }
}
