package io.leadflow.qualification;

import java.time.Instant;
import java.util.List;

/**
 * One MQL's passage between marketing and sales: how the qualification-route table routed it and, at the desk, what
 * the qualifier decided.
 *
 * @param route       {@code DESK} or {@code DIRECT}
 * @param status      {@code OPEN} (waiting at the desk), {@code DONE}, {@code DIRECT} (never at the desk) or
 *                    {@code CANCELLED} (the journey ended before the desk decided)
 * @param routedTeam  the team the desk sent the lead to instead of the table's (a partner request)
 */
public record Qualification(String id, String leadId, String accountId, String processInstanceId, String route,
        String routeReason, String grade, String team, String source, String campaign, List<Flag> flags,
        String status, Instant createdAt, Instant dueAt, Instant breachedAt, Instant decidedAt, String decidedBy,
        String disposition, String reason, String duplicateOf, String routedTeam, Bant bant, String note) {

    public static final String DESK = "DESK";
    public static final String DIRECT = "DIRECT";
    public static final String OPEN = "OPEN";
    public static final String DONE = "DONE";
    public static final String CANCELLED = "CANCELLED";

    /** A hint computed from the data for the qualifier, never a verdict: a code and what was seen. */
    public record Flag(String code, String detail) {
    }

    /** Budget, Authority, Need, Timeline, as the qualifier recorded them. */
    public record Bant(String budget, String budgetRange, String authority, String need, String timeline) {
    }
}
