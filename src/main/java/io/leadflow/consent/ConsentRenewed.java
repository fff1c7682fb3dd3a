package io.leadflow.consent;

import java.time.Instant;

/** A confirmed lead answered a retention email: it wants to keep hearing from us (published in that transaction). */
public record ConsentRenewed(String leadId, Instant at) {
}
