package io.leadflow.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;

import io.leadflow.support.UpgradeTests;

/**
 * The upgrade to V17 copies each lead's first entry into each funnel stage from its stage history onto its row, on
 * H2 and on PostgreSQL: L1 went NEW → NURTURE (1 h) → MQL (5 h) → NURTURE (9 h, recycled back) → MQL again (30 h);
 * L2 never left NEW.
 */
class FirstStageEntriesMigrationTests extends UpgradeTests {

    private static final Instant T0 = Instant.parse("2026-04-06T09:00:00Z");

    @Override
    protected String versionBefore() {
        return "16";
    }

    @Override
    protected void given(JdbcClient jdbc) {
        for (String id : new String[] {"L1", "L2"}) {
            jdbc.sql("insert into leads (id, email, consent, stage, created_at, updated_at) values (?, ?, 'CONFIRMED', ?, ?, ?)")
                    .params(id, id.toLowerCase() + "@upgrade.example", id.equals("L1") ? "MQL" : "NEW", ts(0), ts(0))
                    .update();
        }
        stage(jdbc, "L1", "NEW", 0);
        stage(jdbc, "L1", "NURTURE", 1);
        stage(jdbc, "L1", "MQL", 5);
        stage(jdbc, "L1", "NURTURE", 9);
        stage(jdbc, "L1", "MQL", 30);
        stage(jdbc, "L2", "NEW", 0);
    }

    @Override
    protected void upgraded(JdbcClient jdbc) {
        Map<String, Object> l1 = row(jdbc, "L1");
        assertThat(l1.get("first_nurture_at")).isEqualTo(at(1));
        assertThat(l1.get("first_mql_at")).as("the first time, not the latest").isEqualTo(at(5));
        assertThat(l1.get("first_sal_at")).isNull();
        assertThat(l1.get("first_sql_at")).isNull();
        assertThat(row(jdbc, "L2")).allSatisfy((column, value) -> assertThat(value).as(column).isNull());
    }

    private static Map<String, Object> row(JdbcClient jdbc, String id) {
        Map<String, Object> row = jdbc.sql("select first_nurture_at, first_mql_at, first_sal_at, first_sql_at from leads "
                + "where id = ?").param(id).query().singleRow();
        Map<String, Object> instants = new java.util.HashMap<>();
        row.forEach((k, v) -> instants.put(k.toLowerCase(), v == null ? null : toInstant(v)));
        return instants;
    }

    private static Instant toInstant(Object value) {
        if (value instanceof Timestamp t) {
            return t.toInstant();
        }
        if (value instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        throw new AssertionError("unexpected timestamp type " + value.getClass());
    }

    private static void stage(JdbcClient jdbc, String lead, String stage, int hours) {
        jdbc.sql("insert into stage_history (lead_id, stage, entered_at) values (?, ?, ?)")
                .params(lead, stage, ts(hours)).update();
    }

    private static Timestamp ts(int hours) {
        return Timestamp.from(at(hours));
    }

    private static Instant at(int hours) {
        return T0.plus(Duration.ofHours(hours));
    }
}
