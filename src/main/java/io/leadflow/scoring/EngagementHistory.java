package io.leadflow.scoring;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What other modules may ask about a lead's scored engagement events (the {@code engagement_events} table). */
@Component
public class EngagementHistory {

    private final JdbcClient jdbc;

    EngagementHistory(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** When the lead's latest scored event occurred; empty when it has none. */
    public Optional<Instant> lastOccurredAt(String leadId) {
        return jdbc.sql("select max(occurred_at) from engagement_events where lead_id = ? and scored").param(leadId)
                .query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant)).single();
    }

    /**
     * Whether a scored event of the lead was received after {@code instant}. Received, not occurred: an event reported
     * late with an old date still came after.
     */
    public boolean receivedAfter(String leadId, Instant instant) {
        return jdbc.sql("select count(*) from engagement_events where lead_id = ? and scored and received_at > ?")
                .params(leadId, Timestamp.from(instant)).query(Long.class).single() > 0;
    }
}
