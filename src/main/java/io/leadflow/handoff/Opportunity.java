package io.leadflow.handoff;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;

/**
 * An opportunity the CRM reported for a lead sales took: what became of the handoff in pipeline and revenue.
 *
 * @param id         the CRM's opportunity id
 * @param handoffId  the lead's handoff when the CRM reported it
 * @param status     {@code OPEN} (created), {@code WON} or {@code LOST}
 * @param amount     its value, in {@code currency} (ISO 4217); null when the CRM gave none
 * @param closeDate  the CRM's close date (expected while open)
 * @param at         when it was created (for {@code OPEN}) or closed, as the CRM said, else when it arrived
 * @param closedAt   when it was won or lost; null while open
 */
public record Opportunity(String id, String handoffId, String status, BigDecimal amount, String currency,
        LocalDate closeDate, String lostReason, Instant at, Instant closedAt) {

    public static final String OPEN = "OPEN";
    public static final String WON = "WON";
    public static final String LOST = "LOST";
}
