package io.leadflow.channel.crm;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.support.ServiceTestBase;

/** The ids that make CRM events and pushes replay-safe are forgotten once the replay window (P30D) has passed. */
class ReplayIdsTests extends ServiceTestBase {

    @Autowired
    ReplayIds replayIds;
    @Autowired
    JdbcTemplate jdbc;

    private String id(String region, Instant writtenAt) {
        String key = "test-" + UUID.randomUUID();
        jdbc.update("insert into int_metadata_store (metadata_key, metadata_value, region, created_at)"
                + " values (?, 'x', ?, ?)", key, region, Timestamp.from(writtenAt));
        return key;
    }

    private boolean kept(String key) {
        return jdbc.queryForObject("select count(*) from int_metadata_store where metadata_key = ?", Long.class,
                key) == 1;
    }

    @Test
    void forgetsTheCrmsReplayIdsOlderThanTheWindowAndKeepsTheRest() {
        Instant now = Instant.now();
        String oldEvent = id("crm-events", now.minus(Duration.ofDays(31)));
        String oldPush = id("crm-pushes", now.minus(Duration.ofDays(45)));
        String recentEvent = id("crm-events", now.minus(Duration.ofDays(29)));
        String otherRegion = id("someone-else", now.minus(Duration.ofDays(400)));

        assertThat(replayIds.forgetOld()).isGreaterThanOrEqualTo(2);

        assertThat(kept(oldEvent)).isFalse();
        assertThat(kept(oldPush)).isFalse();
        assertThat(kept(recentEvent)).isTrue();
        assertThat(kept(otherRegion)).as("only the CRM's regions are ours to forget").isTrue();
    }

    @Test
    void anIdWrittenByTheMetadataStoreGetsTheTimeItWasWritten() {
        String key = "test-" + UUID.randomUUID();
        jdbc.update("insert into int_metadata_store (metadata_key, metadata_value, region) values (?, 'x', 'crm-events')",
                key);
        Timestamp written = jdbc.queryForObject("select created_at from int_metadata_store where metadata_key = ?",
                Timestamp.class, key);
        assertThat(Duration.between(written.toInstant(), Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
    }
}
