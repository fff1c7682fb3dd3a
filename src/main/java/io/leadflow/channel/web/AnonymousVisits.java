package io.leadflow.channel.web;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code web_anonymous_visits} table: page views of visitors not known yet, by first-party id only. */
@Repository
class AnonymousVisits {

    record Visit(String id, String type, String url, Instant occurredAt) {
    }

    static final int MAX_TAKEN = 200;

    private final JdbcClient jdbc;

    AnonymousVisits(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void add(String anonymousId, String type, String url, Instant occurredAt) {
        jdbc.sql("insert into web_anonymous_visits (id, anonymous_id, type, url, occurred_at) values (?, ?, ?, ?, ?)")
                .params(UUID.randomUUID().toString(), anonymousId, type, url, Timestamp.from(occurredAt)).update();
    }

    /**
     * The visitor's latest page views (at most {@link #MAX_TAKEN}, so that a flooded id cannot make one request
     * record millions of events), oldest first; all of the visitor's rows leave this table in the same transaction.
     * The rows are locked: two page views of one browser at once link its history once.
     */
    List<Visit> take(String anonymousId) {
        List<Visit> visits = new ArrayList<>(jdbc.sql("""
                select id, type, url, occurred_at from web_anonymous_visits where anonymous_id = ?
                 order by occurred_at desc, id fetch first %d rows only for update""".formatted(MAX_TAKEN))
                .param(anonymousId)
                .query((rs, n) -> new Visit(rs.getString("id"), rs.getString("type"), rs.getString("url"),
                        rs.getTimestamp("occurred_at").toInstant()))
                .list());
        jdbc.sql("delete from web_anonymous_visits where anonymous_id = ?").param(anonymousId).update();
        Collections.reverse(visits);
        return visits;
    }

    int deleteOlderThan(Instant cutoff) {
        return jdbc.sql("delete from web_anonymous_visits where occurred_at < ?").param(Timestamp.from(cutoff)).update();
    }
}
