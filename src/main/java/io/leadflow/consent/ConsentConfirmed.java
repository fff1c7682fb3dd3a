package io.leadflow.consent;

/** A pending lead confirmed its address (published in the confirming transaction). */
public record ConsentConfirmed(String leadId) {
}
