package io.leadflow.nurture;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.scoring.EngagementHistory;

/**
 * Where a lead stands in nurture: the track {@code nurture-track} chose for it, and whether it is sunset. A sunset
 * lead stopped opening, clicking and visiting: after {@link NurtureSettings#sunsetAfter()} marketing emails and a
 * re-engagement email without any engagement, nurture sends it nothing more. Its consent and stage stay what they
 * are (it did not unsubscribe, and it may still qualify); any new engagement ends the sunset.
 */
@Service
public class NurtureStatus {

    private static final Logger log = LoggerFactory.getLogger(NurtureStatus.class);

    /** @param sunset true while the lead is sunset (sunset and not come back since) */
    public record View(String leadId, String track, Instant trackChosenAt, boolean sunset, Instant sunsetAt,
            Instant returnedAt) {
    }

    private final JdbcClient jdbc;
    private final Clock clock;
    private final EngagementHistory engagement;
    private final EmailOutbox outbox;

    NurtureStatus(JdbcClient jdbc, Clock clock, EngagementHistory engagement, EmailOutbox outbox) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.engagement = engagement;
        this.outbox = outbox;
    }

    /** The track a nurture run chose; a new run (a recycled lead) replaces it. */
    public void trackChosen(String leadId, String track) {
        Timestamp now = Timestamp.from(clock.instant());
        int updated = jdbc.sql("update nurture_status set track = ?, track_chosen_at = ? where lead_id = ?")
                .params(track, now, leadId).update();
        if (updated == 0) {
            jdbc.sql("insert into nurture_status (lead_id, track, track_chosen_at) values (?, ?, ?)")
                    .params(leadId, track, now).update();
        }
    }

    /**
     * Marketing emails queued for the lead since its last engagement (any scored event: a click, an open when open
     * tracking is on, a page view, a form), emails refused by the rules (unsubscribed, suppressed) not counted.
     * Queued rather than delivered: a step that just queued its email counts it, whatever the send window.
     */
    public int emailsWithoutEngagement(String leadId) {
        return outbox.marketingEmailsQueuedAfter(leadId, engagement.lastOccurredAt(leadId).orElse(Instant.EPOCH));
    }

    /**
     * Whether the lead engaged (a scored event received) since the last email this journey instance queued; false
     * when it queued none. Received, not occurred: an event reported late with an old date still came after.
     */
    public boolean engagedSinceLastEmailOf(String leadId, String journeyId) {
        return outbox.lastQueuedWithPurposeSuffix(leadId, journeyId)
                .map(queued -> engagement.receivedAfter(leadId, queued)).orElse(false);
    }

    /**
     * The lead gets no more nurture email until it engages again.
     *
     * @param track the journey's track, for a lead whose track was chosen before it was recorded here
     */
    public void sunset(String leadId, String track) {
        Timestamp now = Timestamp.from(clock.instant());
        int updated = jdbc.sql("update nurture_status set sunset_at = ?, returned_at = null where lead_id = ?")
                .params(now, leadId).update();
        if (updated == 0) {
            jdbc.sql("insert into nurture_status (lead_id, track, track_chosen_at, sunset_at) values (?, ?, ?, ?)")
                    .params(leadId, track == null ? "general" : track, now, now).update();
        }
        log.info("Lead {} sunset: no engagement after its re-engagement email", leadId);
    }

    /** A sunset lead engaged again. */
    public void cameBack(String leadId) {
        jdbc.sql("update nurture_status set returned_at = ? where lead_id = ? and sunset_at is not null")
                .params(Timestamp.from(clock.instant()), leadId).update();
        log.info("Lead {} came back from its sunset", leadId);
    }

    public Optional<View> of(String leadId) {
        return jdbc.sql("select track, track_chosen_at, sunset_at, returned_at from nurture_status where lead_id = ?")
                .param(leadId).query((rs, n) -> {
                    Instant sunsetAt = instant(rs.getTimestamp(3));
                    Instant returnedAt = instant(rs.getTimestamp(4));
                    return new View(leadId, rs.getString(1), instant(rs.getTimestamp(2)),
                            sunsetAt != null && returnedAt == null, sunsetAt, returnedAt);
                }).optional();
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
