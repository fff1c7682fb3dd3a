package io.leadflow.handoff;

import java.time.Instant;
import java.util.List;

/**
 * Why a handoff went to its owner: one assignment, or one reassignment by the SLA ladder, as recorded in
 * {@code handoff_routings} and shown in the handoff's API and on the lead's timeline.
 *
 * @param step          {@code ASSIGN} or {@code REASSIGN}
 * @param rule          how the {@code lead-assignment} table said to pick ({@code sticky, round-robin},
 *                      {@code weighted}…), or {@code named} when it named the owner
 * @param tableTeam     the team the table chose
 * @param team          the team the handoff went to
 * @param fallbackTeam  the team the table named for when nobody of {@code team} can take the lead, if any
 * @param fallbackUsed  whether nobody of the table's team could, so the lead went to the fallback team
 * @param owner         who got it; null when nobody could, and the lead waits in the team's queue
 * @param reason        one sentence: why this owner
 * @param clockStartsAt when the SLA clock starts on the team's calendar: working hours are checked at that instant
 * @param candidates    every rep looked at, with their load and why they were passed by
 */
public record Routing(String step, Instant decidedAt, String rule, String tableTeam, String team, String fallbackTeam,
        boolean fallbackUsed, String owner, String reason, Instant clockStartsAt, List<Candidate> candidates) {

    public static final String ASSIGN = "ASSIGN";
    public static final String REASSIGN = "REASSIGN";

    /** The same decision, made at this instant. */
    public Routing at(Instant when) {
        return new Routing(step, when, rule, tableTeam, team, fallbackTeam, fallbackUsed, owner, reason, clockStartsAt,
                candidates);
    }

    /**
     * A rep routing looked at.
     *
     * @param openHandoffs their handoffs waiting for sales or accepted, in every team, before this one
     * @param capacity     the most open handoffs they take; null for no limit
     * @param available    whether they could take the lead
     * @param note         why not, or why them ("owns account acme.com", "next in turn")
     */
    public record Candidate(String user, String team, int openHandoffs, Integer capacity, int weight,
            boolean available, String note) {
    }
}
