package io.leadflow.workspace;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * An account as its page {@code /accounts/{id}} shows it and {@code GET /api/accounts/{id}/overview} answers it: the
 * account, its contacts (most recently active first) and the open handoffs of its contacts.
 *
 * @param ownerOpenHandoffs the owner's open handoffs now, of every account (their load, as routing sees it); left
 *                          out without an owner
 * @param contactCount      every contact of the account; {@code contacts} holds the
 *                          {@value AccountOverviews#CONTACTS} most recently active
 * @param opportunities     what the CRM reported for the account's leads, newest first
 * @param pipeline          the amount of all of them, per currency ({@code unknown} without one)
 * @param wonRevenue        the amount of those won, per currency
 */
public record AccountOverview(Account account, Integer ownerOpenHandoffs, int contactCount, List<Contact> contacts,
        List<OpenHandoff> openHandoffs, List<Opportunity> opportunities, Map<String, BigDecimal> pipeline,
        Map<String, BigDecimal> wonRevenue) {

    public record Opportunity(String id, String leadId, String status, BigDecimal amount, String currency,
            LocalDate closeDate, Instant createdAt, Instant closedAt) {
    }

    /** @param ownerSetBy the manager who named the owner, or {@code HANDOFF} when accepting a handoff made them */
    public record Account(String id, String name, String domain, List<String> domains, Integer score, boolean mqa,
            String scoreReason, Instant scoredAt, Instant mqaAt, String owner, Instant ownerSince, String ownerSetBy,
            Instant createdAt) {
    }

    /**
     * A contact; {@code name}, {@code email} and {@code jobTitle} are left out for a sales rep who does not own the
     * lead, as {@code GET /api/leads/{id}} would refuse them.
     *
     * @param how how the lead came into the account ({@code DOMAIN}, {@code COMPANY}, {@code MOVED})
     */
    public record Contact(String id, String name, String email, String jobTitle, String stage, String grade,
            Integer fit, Double engagement, String team, String owner, String how, Instant lastActivityAt) {
    }

    /** @param lead the lead's name or address, left out as for {@link Contact} */
    public record OpenHandoff(String id, String leadId, String lead, String team, String owner, String status,
            Instant createdAt, Instant dueAt, boolean breached) {
    }
}
