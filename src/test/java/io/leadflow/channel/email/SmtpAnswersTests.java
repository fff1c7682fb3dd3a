package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.support.ServiceTestBase;

/**
 * SMTP answers kept with failed emails name addresses: after 90 days they are cleared, a permanent refusal keeping
 * its reply code for the deliverability report, while Leadflow's own reasons and recent answers stay.
 */
class SmtpAnswersTests extends ServiceTestBase {

    @Autowired
    SmtpAnswers answers;
    @Autowired
    JdbcTemplate jdbc;

    private String failed(String error, Instant changedAt) {
        String id = UUID.randomUUID().toString();
        jdbc.update("""
                insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, last_error,
                                          created_at, changed_at)
                values (?, ?, 'test', 'welcome', 'FAILED', 5, ?, ?, ?, ?)""", id, UUID.randomUUID().toString(),
                Timestamp.from(changedAt), error, Timestamp.from(changedAt), Timestamp.from(changedAt));
        return id;
    }

    private String error(String id) {
        return jdbc.queryForObject("select last_error from email_outbox where id = ?", String.class, id);
    }

    @Test
    void clearsTheServersAnswersAfterNinetyDaysKeepingTheReplyCodeOfARefusal() {
        Instant longAgo = Instant.now().minus(Duration.ofDays(91));
        String refused = failed("permanent SMTP refusal 550: 5.1.1 <jane.doe@acme-corp.io>: user unknown", longAgo);
        String failed = failed("Could not connect: 421 mx.acme-corp.io busy for <bob@acme-corp.io>", longAgo);
        String template = failed("cannot render welcome: line 3: uses 'fristName'", longAgo);
        String recent = failed("permanent SMTP refusal 550: <sam@acme-corp.io> unknown",
                Instant.now().minus(Duration.ofDays(10)));

        assertThat(answers.clearOld()).isGreaterThanOrEqualTo(2);
        assertThat(answers.clearOld()).as("cleared once").isZero();

        assertThat(error(refused)).isEqualTo("permanent SMTP refusal 550 (the server's answer was cleared after 90 days)");
        assertThat(error(failed)).isEqualTo("SMTP failure (the server's answer was cleared after 90 days)");
        assertThat(error(template)).as("our own reason names no one").startsWith("cannot render welcome");
        assertThat(error(recent)).contains("sam@acme-corp.io");
    }
}
