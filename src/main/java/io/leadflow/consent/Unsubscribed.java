package io.leadflow.consent;

/** A lead withdrew consent to marketing email (published in the unsubscribing transaction). */
public record Unsubscribed(String leadId) {
}
