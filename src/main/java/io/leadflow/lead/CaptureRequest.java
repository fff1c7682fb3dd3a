package io.leadflow.lead;

/**
 * What a form or an integrator submits. Every field is text as received; {@link LeadValidator} checks and
 * converts it, so a wrong value is answered with the field's name rather than a parse error.
 */
public record CaptureRequest(
        String email,
        String firstName,
        String lastName,
        String company,
        String jobTitle,
        String industry,
        String companySize,
        String country,
        String phone,
        String source,
        String utmSource,
        String utmMedium,
        String utmCampaign,
        String consentText,
        String language,
        String website) {

    /** The honeypot: humans never see this field, bots fill it. */
    public boolean looksLikeBot() {
        return website != null && !website.isBlank();
    }
}
