package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.support.ServiceTestBase;

/**
 * The outbox never sends an email twice, also when a node stops in the middle of sending it, and loses none that the
 * stopped node had not yet handed to SMTP.
 */
class EmailOutboxTests extends ServiceTestBase {

    @Autowired
    EmailOutbox outbox;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void marksAnEmailAbandonedMidSendAsUncertainInsteadOfSendingItAgain() {
        String email = "midsend." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = leadAskedToConfirm(email);
        String rowId = UUID.randomUUID().toString();
        // claimed by a node that died after handing it to SMTP: its claim ran out
        jdbc.update("""
                insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, claimed_until,
                                          smtp_started_at, created_at)
                values (?, ?, 'doi-reminder', 'doi-reminder', 'SENDING', 0, ?, ?, ?, ?)""",
                rowId, leadId, Timestamp.from(Instant.now()), Timestamp.from(Instant.now().minusSeconds(5)),
                Timestamp.from(Instant.now().minusSeconds(125)), Timestamp.from(Instant.now()));

        // the scheduled check may get there first: what counts is what became of this row
        outbox.resolveAbandonedClaims();

        EmailOutbox.Row row = outbox.find(leadId, "doi-reminder").orElseThrow();
        assertThat(row.status()).isEqualTo(EmailOutbox.Status.FAILED);
        assertThat(row.lastError()).contains("delivery uncertain");
        assertThat(mailsTo(email, "Reminder: confirm your subscription")).isZero();
    }

    @Test
    void sendsAnEmailWhoseSenderDiedBeforeHandingItToSmtpOnceFromAnotherNode() {
        String email = "claimed." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = leadAskedToConfirm(email);
        // claimed by a node that died with the email still in its queue: its claim ran out
        jdbc.update("""
                insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, claimed_until,
                                          created_at)
                values (?, ?, 'doi-reminder', 'doi-reminder', 'SENDING', 0, ?, ?, ?)""",
                UUID.randomUUID().toString(), leadId, Timestamp.from(Instant.now()),
                Timestamp.from(Instant.now().minusSeconds(5)), Timestamp.from(Instant.now()));

        outbox.resolveAbandonedClaims();

        awaitMail(email, "Reminder: confirm your subscription");
        // the row is marked SENT once the SMTP server's answer is recorded, a moment after the server has the email
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                outbox.find(leadId, "doi-reminder").orElseThrow().status()).isEqualTo(EmailOutbox.Status.SENT));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> mailsTo(email, "Reminder: confirm your subscription") == 1);
    }

    /** A lead from the form whose confirmation email arrived; returns its id. */
    private String leadAskedToConfirm(String email) {
        postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
        awaitMail(email, "Please confirm your subscription");
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }
}
