package io.leadflow.lead;

import java.time.Instant;

/** A person we hold, as stored in our own tables. Personal data never leaves for process variables. */
public record Lead(
        String id,
        String email,
        String firstName,
        String lastName,
        String company,
        String jobTitle,
        String industry,
        Integer companySize,
        String country,
        String phone,
        String source,
        String utmSource,
        String utmMedium,
        String utmCampaign,
        String language,
        String consentText,
        Consent consent,
        Stage stage,
        Integer fitScore,
        Double engagementScore,
        String grade,
        String owner,
        String team,
        String crmId,
        Instant confirmationSentAt,
        Instant confirmedAt,
        String suppressedReason,
        Instant suppressedAt,
        Instant erasedAt,
        Instant createdAt,
        Instant updatedAt) {

    public enum Consent { PENDING, CONFIRMED, EXPIRED, UNSUBSCRIBED }

    public enum Stage { NEW, NURTURE, MQL, SAL, SQL, RECYCLED, DISQUALIFIED }

    public boolean erased() {
        return erasedAt != null;
    }

    /** Whether marketing email may go to this person now (confirmed, not suppressed, not erased). */
    public boolean mayReceiveMarketing() {
        return !erased() && consent == Consent.CONFIRMED && suppressedReason == null;
    }

    /** The part of the address after the '@', or null. */
    public String emailDomain() {
        return email == null ? null : email.substring(email.indexOf('@') + 1);
    }
}
