package io.leadflow.lead;

/** Where a submission came from, for the consent ledger. */
public record CaptureContext(String formId, String ip, String userAgent) {
}
