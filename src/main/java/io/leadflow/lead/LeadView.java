package io.leadflow.lead;

import java.time.Instant;

/** The API's view of a lead (docs/api.md §5). */
public record LeadView(String id, String email, String firstName, String lastName, String company,
        String jobTitle, String industry, Integer companySize, String country, Lead.Consent consent,
        Lead.Stage stage, Score score, String grade, String owner, String team, Suppression suppressed,
        Instant createdAt, Instant updatedAt, String accountId) {

    public record Score(Integer fit, Double engagement, Double total) {
    }

    public record Suppression(String reason, Instant since) {
    }

    /** First and last name as people read them; null when the lead gave neither. */
    public static String nameOf(Lead l) {
        String name = String.join(" ", l.firstName() == null ? "" : l.firstName().trim(),
                l.lastName() == null ? "" : l.lastName().trim()).trim();
        return name.isEmpty() ? null : name;
    }

    /** Fit, engagement and their sum (null when the lead was never scored). */
    public static Score scoreOf(Lead l) {
        Double total = l.fitScore() == null && l.engagementScore() == null ? null
                : (l.fitScore() == null ? 0 : l.fitScore()) + (l.engagementScore() == null ? 0 : l.engagementScore());
        return new Score(l.fitScore(), l.engagementScore(), total);
    }

    /** The lead with its account ({@code accountId} null when it has none). */
    public static LeadView of(Lead l, LeadAccounts accounts) {
        return new LeadView(l.id(), l.email(), l.firstName(), l.lastName(), l.company(), l.jobTitle(),
                l.industry(), l.companySize(), l.country(), l.consent(), l.stage(), scoreOf(l), l.grade(), l.owner(), l.team(),
                l.suppressedReason() == null ? null : new Suppression(l.suppressedReason(), l.suppressedAt()),
                l.createdAt(), l.updatedAt(), accounts.accountOf(l.id()).orElse(null));
    }
}
