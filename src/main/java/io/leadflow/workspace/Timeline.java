package io.leadflow.workspace;

import java.time.Instant;
import java.util.List;

import io.leadflow.lead.LeadView;

/**
 * Everything that happened to one lead, newest first, and where it stands now: the answer of
 * {@code GET /api/leads/{id}/timeline} and the content of the page {@code /leads/{id}}, built from the same object.
 *
 * @param capture   how the lead came in (source, campaign, language)
 * @param track     the nurture track chosen for it, or null
 * @param crmId     the CRM's id for it once pushed, or null
 * @param account   the account it belongs to, or null
 * @param scores    fit and engagement over time: each kept score change, then now
 * @param journeys  where it waits in each journey now
 * @param handoff   its latest handoff with the SLA ladder, or null
 * @param actions   what the viewer may do from the page: {@code resendConfirmation}, {@code rescore},
 *                  {@code accept}, {@code qualify}, {@code reject}, {@code export}, {@code erase}
 */
public record Timeline(LeadView lead, Capture capture, String track, String crmId, AccountNow account,
        List<Entry> entries,
        List<ScorePoint> scores, List<JourneyPositions.Position> journeys, HandoffNow handoff,
        List<String> actions) {

    /**
     * The lead's account: its name and first domain, the {@code account-score} table's last answer (null before the
     * first scoring), and why the lead is in it.
     */
    public record AccountNow(String id, String name, String domain, Integer score, boolean mqa, String reason) {
    }

    public record Capture(String source, String utmSource, String utmMedium, String utmCampaign, String language) {

        /** Source, UTM source and campaign, those known, for a page ({@code linkedin / winter-webinar}); or null. */
        public String summary() {
            String joined = java.util.stream.Stream.of(source, utmSource, utmCampaign).filter(s -> s != null)
                    .collect(java.util.stream.Collectors.joining(" / "));
            return joined.isEmpty() ? null : joined;
        }
    }

    /**
     * One thing that happened.
     *
     * @param kind           {@code CAPTURED}, {@code CONSENT}, {@code EMAIL}, {@code EVENT}, {@code BOUNCE},
     *                       {@code SCORE}, {@code STAGE}, {@code HANDOFF}, {@code CRM}, {@code EXPERIMENT}
     * @param points         for an event: the points it got when recorded (null for the others)
     * @param decayedPoints  for an event: what is left of them now after decay (0 for an event never scored)
     */
    public record Entry(Instant at, String kind, String title, String detail, Integer points, Double decayedPoints) {

        static Entry of(Instant at, String kind, String title, String detail) {
            return new Entry(at, kind, title, detail, null, null);
        }
    }

    /** The score at one moment: fit, engagement (decayed as of then) and the grade. */
    public record ScorePoint(Instant at, int fit, double engagement, String grade, boolean mql) {
    }

    /**
     * The latest handoff and its SLA ladder, as {@code GET /api/handoffs/{id}} tells it.
     *
     * @param remainingSeconds wall-clock seconds to {@code dueAt} when the page was built, negative once past
     */
    public record HandoffNow(String id, String team, String owner, String status, Instant createdAt, Instant dueAt,
            long remainingSeconds, boolean breached, int escalationLevel, Instant remindAt, Instant escalateAt,
            Instant reassignAt, Instant remindedAt, Instant escalatedAt, Instant reassignedAt, String rejectReason,
            String opportunityId) {
    }
}
