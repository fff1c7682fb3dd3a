package io.leadflow.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * The retention preview counts the leads the default rule (a confirmed prospect with no sign of life for three years)
 * would touch, on leads whose history is written as it would be after four years: only the silent one counts, one
 * with an open handoff is left to sales, the others are alive, erased, unconfirmed or recent.
 */
class RetentionPreviewTests extends ServiceTestBase {

    private static final Instant FOUR_YEARS_AGO = Instant.now().minus(Duration.ofDays(4 * 365));

    @Autowired
    JdbcTemplate jdbc;

    private JsonNode rule() {
        JsonNode preview = read(get("/api/retention/preview", "demo"));
        JsonNode rule = preview.path("rules").get(0);
        assertThat(rule.path("name").asText()).isEqualTo("inactive-prospect");
        return rule;
    }

    private String lead(String stage, String consent, Instant created, Instant erased) {
        String id = UUID.randomUUID().toString();
        jdbc.update("""
                insert into leads (id, email, consent, stage, created_at, updated_at, confirmed_at, erased_at)
                values (?, ?, ?, ?, ?, ?, ?, ?)""", id, erased != null ? null : "old." + id + "@acme-corp.io",
                consent, stage, Timestamp.from(created), Timestamp.from(created),
                consent.equals("CONFIRMED") ? Timestamp.from(created.plus(Duration.ofHours(1))) : null,
                erased == null ? null : Timestamp.from(erased));
        return id;
    }

    @Test
    void countsTheConfirmedProspectsSilentForThreeYearsAndLeavesThoseSalesHaveToSales() {
        JsonNode before = rule();

        lead("NURTURE", "CONFIRMED", FOUR_YEARS_AGO, null);
        lead("RECYCLED", "CONFIRMED", FOUR_YEARS_AGO, null);
        String engaged = lead("NURTURE", "CONFIRMED", FOUR_YEARS_AGO, null);
        jdbc.update("""
                insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored)
                values (?, ?, 'EMAIL_CLICKED', null, ?, ?, 5, true)""", UUID.randomUUID().toString(), engaged,
                Timestamp.from(Instant.now().minus(Duration.ofDays(400))),
                Timestamp.from(Instant.now().minus(Duration.ofDays(400))));
        String withSales = lead("NURTURE", "CONFIRMED", FOUR_YEARS_AGO, null);
        jdbc.update("""
                insert into handoffs (id, lead_id, team, status, created_at, due_at)
                values (?, ?, 'emea', 'OPEN', ?, ?)""", UUID.randomUUID().toString(), withSales,
                Timestamp.from(Instant.now()), Timestamp.from(Instant.now().plus(Duration.ofDays(1))));
        lead("NURTURE", "CONFIRMED", FOUR_YEARS_AGO, Instant.now().minus(Duration.ofDays(30)));
        lead("NEW", "PENDING", FOUR_YEARS_AGO, null);
        lead("MQL", "CONFIRMED", FOUR_YEARS_AGO, null);
        lead("NURTURE", "CONFIRMED", Instant.now().minus(Duration.ofDays(365)), null);

        JsonNode after = rule();
        assertThat(after.path("leads").asLong() - before.path("leads").asLong()).as("the silent nurture and recycled")
                .isEqualTo(2);
        assertThat(after.path("openHandoffs").asLong() - before.path("openHandoffs").asLong()).isOne();
        assertThat(after.path("inactiveAfter").asText()).isEqualTo("P3Y");
        assertThat(after.path("stages").toString()).isEqualTo("[\"NEW\",\"NURTURE\",\"RECYCLED\"]");
        assertThat(Instant.parse(after.path("inactiveSince").asText()))
                .isBetween(Instant.now().minus(Duration.ofDays(3 * 366)), Instant.now().minus(Duration.ofDays(3 * 365 - 1)));
    }
}
