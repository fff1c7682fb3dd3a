package io.leadflow.channel.email;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * An SMTP server's answer to a failed email often names the address ({@code 550 <jane@…>: mailbox unavailable}); it
 * is kept with the outbox row while someone may look into it, {@code leadflow.mail.smtp-answers-retention}
 * ({@code P90D}), then cleared, hourly, on any node. A permanent refusal keeps its reply code
 * ({@code permanent SMTP refusal 550}), which the deliverability report counts; Leadflow's own reasons (a template
 * that does not render, an uncertain delivery, why an email was skipped) name no one and stay.
 */
@Component
class SmtpAnswers {

    private static final Logger log = LoggerFactory.getLogger(SmtpAnswers.class);
    /** {@code permanent SMTP refusal 550}: the prefix {@link SendResults} writes, with its three-digit code. */
    private static final int REFUSAL_WITH_CODE = "permanent SMTP refusal 550".length();

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration retention;

    SmtpAnswers(JdbcClient jdbc, Clock clock,
            @Value("${leadflow.mail.smtp-answers-retention:P90D}") Duration retention) {
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("leadflow.mail.smtp-answers-retention: give a period such as P90D");
        }
        this.jdbc = jdbc;
        this.clock = clock;
        this.retention = retention;
    }

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT7M")
    int clearOld() {
        String cleared = " (the server's answer was cleared after " + retention.toDays() + " days)";
        int n = jdbc.sql("""
                update email_outbox
                   set last_error = case when last_error like 'permanent SMTP refusal %'
                                         then substring(last_error, 1, :prefix) || :cleared
                                         else 'SMTP failure' || :cleared end
                 where status in ('FAILED', 'PENDING') and changed_at < :before and last_error is not null
                   and last_error not like 'cannot render %' and last_error not like 'delivery uncertain%'
                   and last_error not like 'deferred:%' and last_error not like '%answer was cleared after%'""")
                .param("prefix", REFUSAL_WITH_CODE).param("cleared", cleared)
                .param("before", Timestamp.from(clock.instant().minus(retention))).update();
        if (n > 0) {
            log.info("Cleared the SMTP answers of {} email(s) older than {}", n, retention);
        }
        return n;
    }
}
