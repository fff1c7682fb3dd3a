package io.leadflow.handoff;

import java.time.Instant;

/**
 * A lead handed to sales, with its SLA clock.
 *
 * @param firstTouch the first call, email or meeting sales logged in the CRM for the lead since the handoff; null
 *                   before one
 */
public record Handoff(String id, String leadId, String team, String owner, String grade, Status status,
        Instant createdAt, Instant dueAt, Instant remindAt, Instant breachedAt, int escalationLevel,
        Instant acceptedAt, Instant closedAt, String rejectReason, String opportunityId, Ladder ladder,
        FirstTouch firstTouch) {

    /** @param activity {@code CALL}, {@code EMAIL} or {@code MEETING} */
    public record FirstTouch(Instant at, String activity) {
    }

    /** When each step of the SLA ladder is due (business time, computed at the handoff) and when it happened. */
    public record Ladder(Instant escalateAt, Instant reassignAt, Instant remindedAt, Instant escalatedAt,
            Instant reassignedAt, String previousOwner) {
    }

    public enum Status { OPEN, ACCEPTED, QUALIFIED, REJECTED, CRM_FAILED }

    /** Marked breached, or still waiting for sales' first answer past its due instant (docs/api.md §6). */
    public boolean breached(Instant now) {
        return breachedAt != null || (status == Status.OPEN && dueAt.isBefore(now));
    }

    public boolean closed() {
        return status == Status.QUALIFIED || status == Status.REJECTED;
    }
}
