package io.leadflow.imports;

/** An imported lead without proof of consent is asked to opt in (the double opt-in journey starts). */
public record RepermissionRequested(String leadId) {
}
