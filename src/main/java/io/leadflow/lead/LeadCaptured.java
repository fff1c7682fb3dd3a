package io.leadflow.lead;

/**
 * A submission was stored (published inside the capture transaction).
 *
 * @param created true for a new person, false when the submission merged into an existing lead
 */
public record LeadCaptured(String leadId, boolean created, Lead.Consent consent, String consentText,
        CaptureContext context) {
}
