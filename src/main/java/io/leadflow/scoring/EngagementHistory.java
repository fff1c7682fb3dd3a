package io.leadflow.scoring;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
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
     * The addresses of the lead's events whose URL contains one of the fragments ({@code /careers}), case aside: the
     * latest first, at most {@code limit}.
     */
    public List<String> urlsContaining(String leadId, Collection<String> fragments, int limit) {
        if (fragments.isEmpty()) {
            return List.of();
        }
        List<String> wanted = fragments.stream().map(f -> f.toLowerCase(java.util.Locale.ROOT)).toList();
        return jdbc.sql("select url from engagement_events where lead_id = ? and url is not null order by occurred_at desc")
                .param(leadId).query(String.class).list().stream()
                .filter(url -> wanted.stream().anyMatch(url.toLowerCase(java.util.Locale.ROOT)::contains))
                .limit(limit).toList();
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
