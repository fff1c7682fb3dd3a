package io.leadflow.channel.email;

/** An email left for the SMTP server (published in the transaction that records it as sent). */
public record EmailSent(String leadId, String purpose, String template, String address) {
}
