package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.support.ServiceTestBase;

/** The outbox never sends an email twice, also when a node stops in the middle of sending it. */
class EmailOutboxTests extends ServiceTestBase {

    @Autowired
    EmailOutbox outbox;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void marksAnEmailAbandonedMidSendAsUncertainInsteadOfSendingItAgain() {
        String email = "midsend." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
        awaitMail(email, "Please confirm your subscription");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        String rowId = UUID.randomUUID().toString();
        jdbc.update("""
                insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, claimed_until, created_at)
                values (?, ?, 'doi-reminder', 'doi-reminder', 'SENDING', 0, ?, ?, ?)""",
                rowId, leadId, Timestamp.from(Instant.now()), Timestamp.from(Instant.now().minusSeconds(5)),
                Timestamp.from(Instant.now()));

        assertThat(outbox.failAbandonedClaims()).isEqualTo(1);

        EmailOutbox.Row row = outbox.find(leadId, "doi-reminder").orElseThrow();
        assertThat(row.status()).isEqualTo(EmailOutbox.Status.FAILED);
        assertThat(row.lastError()).contains("delivery uncertain");
        assertThat(mailsTo(email, "Reminder: confirm your subscription")).isZero();
    }
}
