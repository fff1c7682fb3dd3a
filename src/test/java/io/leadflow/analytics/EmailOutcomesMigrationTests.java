package io.leadflow.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;

import io.leadflow.support.UpgradeTests;

/**
 * The upgrade to V16 gives what happened before it to the emails that most likely caused it: each click, unsubscribe,
 * bounce and complaint to the lead's latest email sent by then (clicks: the latest with tracked links), on H2 and on
 * PostgreSQL. One lead: confirmation at 0 h, welcome at 1 h, nurture email at 48 h, a staff notification at 60 h.
 */
class EmailOutcomesMigrationTests extends UpgradeTests {

    private static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

    @Override
    protected String versionBefore() {
        return "13";
    }

    @Override
    protected void given(JdbcClient jdbc) {
        jdbc.sql("""
                insert into leads (id, email, consent, stage, created_at, updated_at)
                values ('L1', 'l1@upgrade.example', 'UNSUBSCRIBED', 'NURTURE', ?, ?)""").params(at(0), at(0)).update();
        email(jdbc, "doi", "doi-confirmation", "SENT", 0, null, null);
        email(jdbc, "welcome", "welcome", "SENT", 1, null, null);
        email(jdbc, "value", "nurture-value", "SENT", 48, null, null);
        email(jdbc, "staff", "sla-reminder", "SENT", 60, "rep@acme.example", null);
        email(jdbc, "refused", "nurture-tips", "FAILED", 70, null, "permanent SMTP refusal 550: unknown user");
        click(jdbc, "c0", 0.5); // before any email with tracked links: nobody's
        click(jdbc, "c1", 24);
        click(jdbc, "c2", 72); // after the staff notification, which is not the lead's
        click(jdbc, "c3", 80);
        jdbc.sql("""
                insert into consent_ledger (seq, lead_id, event, occurred_at, previous_hash, hash)
                values (1, 'L1', 'UNSUBSCRIBED', ?, 'p', 'h')""").param(at(96)).update();
        bounce(jdbc, "b1", "SOFT", 2);
        bounce(jdbc, "b2", "COMPLAINT", 120);
    }

    @Override
    protected void upgraded(JdbcClient jdbc) {
        Map<String, Map<String, Object>> rows = new java.util.HashMap<>();
        jdbc.sql("select id, clicks, unsubscribed_at, bounced_at, complained_at from email_outbox").query(rs -> {
            rows.put(rs.getString(1), Map.of("clicks", rs.getInt(2), "unsubscribed", rs.getTimestamp(3) != null,
                    "bounced", rs.getTimestamp(4) != null, "complained", rs.getTimestamp(5) != null));
        });
        assertThat(rows.get("doi")).containsEntry("clicks", 0).containsEntry("bounced", false);
        assertThat(rows.get("welcome")).containsEntry("clicks", 1).containsEntry("bounced", true)
                .containsEntry("unsubscribed", false);
        assertThat(rows.get("value")).containsEntry("clicks", 2).containsEntry("unsubscribed", true)
                .containsEntry("complained", true).containsEntry("bounced", false);
        assertThat(rows.get("staff")).containsEntry("clicks", 0).containsEntry("unsubscribed", false);
        assertThat(rows.get("refused")).containsEntry("bounced", true).containsEntry("clicks", 0);
    }

    private static void email(JdbcClient jdbc, String id, String template, String status, double hours,
            String toAddress, String lastError) {
        jdbc.sql("""
                insert into email_outbox (id, lead_id, purpose, template, status, next_attempt_at, created_at, sent_at,
                                          to_address, last_error)
                values (?, 'L1', ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, id, template, status, at(hours), at(hours), status.equals("SENT") ? at(hours) : null,
                        toAddress, lastError)
                .update();
    }

    private static void click(JdbcClient jdbc, String id, double hours) {
        jdbc.sql("""
                insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored)
                values (?, 'L1', 'EMAIL_CLICKED', 'https://acme.example', ?, ?, 5, true)""")
                .params(id, at(hours), at(hours)).update();
    }

    private static void bounce(JdbcClient jdbc, String id, String kind, double hours) {
        jdbc.sql("""
                insert into email_bounces (id, lead_id, kind, received_at, message_id) values (?, 'L1', ?, ?, ?)""")
                .params(id, kind, at(hours), "<" + id + "@mx.example>").update();
    }

    private static Timestamp at(double hours) {
        return Timestamp.from(T0.plus(Duration.ofMinutes((long) (hours * 60))));
    }
}
