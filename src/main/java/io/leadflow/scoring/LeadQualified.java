package io.leadflow.scoring;

/** A lead crossed the MQL line (published in the scoring transaction); the process hands it to sales. */
public record LeadQualified(String leadId, String grade) {
}
