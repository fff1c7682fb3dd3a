package io.leadflow.channel.email;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.lead.LeadErased;

/**
 * Every email is a row here, unique per lead and purpose, written in the transaction of the step that wants it.
 * A retried step finds its row and adds nothing; the delivery flow sends each row once. Each statement that changes
 * what the email report counts (status, clicks, outcomes) also sets {@code changed_at}, so the report's daily rollup
 * finds the days to recompute ({@code analytics.EmailReportDays}).
 */
@Component
public class EmailOutbox {

    public enum Status { PENDING, SENDING, SENT, SKIPPED, FAILED }

    /**
     * @param toAddress null for an email to the lead; a staff address for a notification about the lead
     * @param params    values a staff notification's template shows ({@code key=value} lines), or null
     * @param templateVersion the version of the template it was rendered from, once handed to SMTP
     */
    public record Row(String id, String leadId, String purpose, String template, Status status, int attempts,
            Instant createdAt, Instant sentAt, Instant nextAttemptAt, String lastError, String toAddress,
            String params, String sendWindow, Instant claimedUntil, Integer templateVersion) {

        public boolean toStaff() {
            return toAddress != null;
        }

        Map<String, String> paramMap() {
            Map<String, String> map = new LinkedHashMap<>();
            if (params != null) {
                for (String line : params.split("\n")) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        map.put(line.substring(0, eq), line.substring(eq + 1));
                    }
                }
            }
            return map;
        }
    }


    /** What an email led to, once, for the email report: the column that records when. */
    public enum Outcome {
        UNSUBSCRIBED("unsubscribed_at"), BOUNCED("bounced_at"), COMPLAINED("complained_at");

        private final String column;

        Outcome(String column) {
            this.column = column;
        }
    }

    private final JdbcClient jdbc;
    private final Clock clock;
    /** How long a sender holds the emails it claimed; one held longer was abandoned by a node that stopped. */
    private final Duration claimTime;

    EmailOutbox(JdbcClient jdbc, Clock clock, @Value("${leadflow.mail.claim-time:PT2M}") Duration claimTime) {
        this.claimTime = claimTime;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Queues an email unless this lead already has one for this purpose; true when queued now. */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean enqueue(String leadId, String purpose, String template) {
        return enqueue(leadId, purpose, template, null);
    }

    /**
     * @param sendWindow {@code any} lets a marketing email go out at night or at the weekend; null keeps the send
     *                   window ({@code leadflow.mail.send-window})
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean enqueue(String leadId, String purpose, String template, String sendWindow) {
        if (find(leadId, purpose).isPresent()) {
            return false;
        }
        Instant now = clock.instant();
        try {
            jdbc.sql("""
                    insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, created_at,
                                              send_window, changed_at)
                    values (?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, current_timestamp)""")
                    .params(UUID.randomUUID().toString(), leadId, purpose, template, ts(now), ts(now), sendWindow)
                    .update();
            return true;
        } catch (DuplicateKeyException raced) {
            return false;
        }
    }

    /**
     * Queues a notification about a lead to one of our own people (an SLA reminder to a sales rep), once per lead and
     * purpose. The lead's consent does not apply: the lead is not the recipient.
     *
     * @param params what the template shows besides the lead (no line breaks in keys or values)
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean enqueueToStaff(String leadId, String purpose, String template, String toAddress,
            Map<String, String> params) {
        if (find(leadId, purpose).isPresent()) {
            return false;
        }
        StringBuilder lines = new StringBuilder();
        params.forEach((k, v) -> lines.append(k).append('=').append(v == null ? "" : v.replaceAll("[\r\n]", " "))
                .append('\n'));
        Instant now = clock.instant();
        try {
            jdbc.sql("""
                    insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at,
                                              created_at, to_address, params)
                    values (?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, ?)""")
                    .params(UUID.randomUUID().toString(), leadId, purpose, template, ts(now), ts(now), toAddress,
                            lines.toString())
                    .update();
            return true;
        } catch (DuplicateKeyException raced) {
            return false;
        }
    }

    public Optional<Row> find(String leadId, String purpose) {
        return jdbc.sql("select * from email_outbox where lead_id = ? and purpose = ?").params(leadId, purpose)
                .query(EmailOutbox::map).optional();
    }

    /**
     * Marketing emails queued for the lead after {@code since}, emails refused by the rules (unsubscribed,
     * suppressed) not counted. Queued rather than delivered: an email just queued counts, whatever the send window.
     */
    public int marketingEmailsQueuedAfter(String leadId, Instant since) {
        return jdbc.sql("""
                select count(*) from email_outbox
                 where lead_id = :lead and to_address is null and status in ('PENDING', 'SENDING', 'SENT')
                   and template not in (:doubleOptIn) and created_at > :since""")
                .param("lead", leadId).param("doubleOptIn", MailTemplates.DOUBLE_OPT_IN).param("since", ts(since))
                .query(Integer.class).single();
    }

    /** When the latest email of the lead whose purpose ends in {@code :<suffix>} was queued; empty when none was. */
    public Optional<Instant> lastQueuedWithPurposeSuffix(String leadId, String suffix) {
        return jdbc.sql("select max(created_at) from email_outbox where lead_id = ? and purpose like ?")
                .params(leadId, "%:" + suffix)
                .query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant)).single();
    }

    public List<Row> forLead(String leadId) {
        return jdbc.sql("select * from email_outbox where lead_id = ? order by created_at").param(leadId)
                .query(EmailOutbox::map).list();
    }

    /** A click on a tracked link of the lead's email of this purpose. */
    @Transactional
    public void recordClick(String leadId, String purpose) {
        jdbc.sql("update email_outbox set clicks = clicks + 1, changed_at = current_timestamp where lead_id = ? and purpose = ?").params(leadId, purpose)
                .update();
    }

    /**
     * Records what an email led to, the first time only.
     *
     * @param emailId the email it came from; null when nobody knows (an unsubscribe link older than the email
     *                attribution, a bounce report that quotes nothing), then the lead's latest email sent by then
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void recordOutcome(String leadId, String emailId, Outcome outcome, Instant at) {
        String id = emailId != null ? emailId : jdbc.sql("""
                select id from email_outbox where lead_id = ? and to_address is null and status = 'SENT' and sent_at <= ?
                 order by sent_at desc fetch first 1 row only""")
                .params(leadId, ts(at)).query(String.class).optional().orElse(null);
        if (id != null) {
            jdbc.sql("update email_outbox set " + outcome.column + " = ?, changed_at = current_timestamp where id = ? and lead_id = ? and "
                    + outcome.column + " is null").params(ts(at), id, leadId).update();
        }
    }

    /**
     * Claims up to {@code max} due rows for this node in one commit, oldest due first. Rows another node is claiming
     * at this moment are skipped, not waited for (PostgreSQL's {@code skip locked}), so nodes share the queue.
     */
    @Transactional
    public List<Row> claimDue(int max) {
        Instant now = clock.instant();
        List<String> due = jdbc.sql("""
                select id from email_outbox where status = 'PENDING' and next_attempt_at <= ?
                 order by next_attempt_at fetch first %d rows only for update skip locked""".formatted(max))
                .params(ts(now)).query(String.class).list();
        if (due.isEmpty()) {
            return List.of();
        }
        Timestamp until = ts(now.plus(claimTime));
        jdbc.sql("""
                update email_outbox set status = 'SENDING', claimed_until = :until, smtp_started_at = null
                 where id in (:ids) and status = 'PENDING'""")
                .param("until", until).param("ids", due).update();
        return jdbc.sql("""
                select * from email_outbox where id in (:ids) and status = 'SENDING' and claimed_until = :until
                 order by next_attempt_at""")
                .param("ids", due).param("until", until).query(EmailOutbox::map).list();
    }

    /**
     * The sender hands the email to SMTP now: from here on, a crash leaves its delivery uncertain. False when the
     * claim is no longer this sender's (it ran out and the row went back to the outbox): the email must not be sent.
     *
     * @param templateVersion the version of the template the email was rendered from
     * @param recipientDomain the domain it goes to, which the per-domain rate counts from now (null for staff
     *     notifications, which it does not count); one update with the rest, as the column is indexed
     */
    boolean markHandedToSmtp(Row claimed, Integer templateVersion, String recipientDomain) {
        return jdbc.sql("""
                update email_outbox set smtp_started_at = ?, template_version = ?,
                       recipient_domain = coalesce(?, recipient_domain)
                 where id = ? and status = 'SENDING' and claimed_until = ?""")
                .params(ts(clock.instant()), templateVersion, recipientDomain, claimed.id(),
                        ts(claimed.claimedUntil())).update() == 1;
    }

    /** What became of the claims whose sender stopped (crash, kill) while holding them. */
    public record Abandoned(int released, int uncertain) {
    }

    /**
     * Rows whose sender stopped (crash, kill) while holding them. One it never handed to SMTP goes back to the
     * outbox, and another node sends it. One it had handed over may or may not have reached the SMTP server, so
     * sending again could make a duplicate: it becomes FAILED with that explanation, visible to an operator, instead
     * of being resent blindly. A live sender finishes well within its claim.
     */
    @Transactional
    public Abandoned resolveAbandonedClaims() {
        Timestamp now = ts(clock.instant());
        int released = jdbc.sql("""
                update email_outbox set status = 'PENDING', claimed_until = null
                 where status = 'SENDING' and claimed_until < ? and smtp_started_at is null""").params(now).update();
        int uncertain = jdbc.sql("""
                update email_outbox set status = 'FAILED', claimed_until = null, changed_at = current_timestamp,
                       last_error = 'delivery uncertain: the sending node stopped while handing this email to SMTP; not resent to avoid a duplicate'
                 where status = 'SENDING' and claimed_until < ? and smtp_started_at is not null""").params(now).update();
        return new Abandoned(released, uncertain);
    }

    /**
     * Gives back a claimed row that never reached the SMTP server (its node is stopping, or its database work
     * failed): another node, or this one, sends it later. Only for rows known not to have been handed to SMTP.
     */
    @Transactional
    public void release(String id) {
        jdbc.sql("update email_outbox set status = 'PENDING', claimed_until = null where id = ? and status = 'SENDING'")
                .param(id).update();
    }

    /** The row, if it still exists (an erased lead's rows may be gone). */
    Optional<Row> findIfAny(String id) {
        return jdbc.sql("select * from email_outbox where id = ?").param(id).query(EmailOutbox::map).optional();
    }

    Row findById(String id) {
        return findIfAny(id).orElseThrow(() -> new EmptyResultDataAccessException("No outbox row " + id, 1));
    }

    /**
     * Only a row still being sent (or one given up as uncertain while a slow SMTP server took it): an erasure that
     * came meanwhile keeps its row as it left it.
     */
    void markSent(String id) {
        jdbc.sql("""
                update email_outbox set status = 'SENT', sent_at = ?, claimed_until = null, last_error = null,
                       changed_at = current_timestamp
                 where id = ? and (status = 'SENDING' or (status = 'FAILED' and last_error like 'delivery uncertain%'))""")
                .params(ts(clock.instant()), id).update();
    }

    /** Puts a claimed row back until the rules allow it; no attempt is counted. */
    void defer(String id, Instant until, String reason) {
        jdbc.sql("""
                update email_outbox set status = 'PENDING', next_attempt_at = ?, claimed_until = null, last_error = ?
                 where id = ?""").params(ts(until), reason, id).update();
    }

    void markSkipped(String id, String reason) {
        jdbc.sql("update email_outbox set status = 'SKIPPED', claimed_until = null, last_error = ?, changed_at = current_timestamp where id = ?")
                .params(reason, id).update();
    }

    /** Schedules another try with exponential back-off, or gives up (FAILED, visible) after the last attempt. */
    Status markFailed(String id, String error, EmailSettings.Retry retry) {
        Row row = jdbc.sql("select * from email_outbox where id = ?").param(id).query(EmailOutbox::map).single();
        int attempts = row.attempts() + 1;
        Status next = attempts >= retry.maxAttempts() ? Status.FAILED : Status.PENDING;
        Duration backoff = retry.initialBackoff().multipliedBy(1L << Math.min(attempts - 1, 10));
        String message = error == null ? "unknown error" : error.substring(0, Math.min(1000, error.length()));
        jdbc.sql("""
                update email_outbox set status = ?, attempts = ?, next_attempt_at = ?, claimed_until = null, last_error = ?,
                       changed_at = current_timestamp
                 where id = ? and status = 'SENDING'""")
                .params(next.name(), attempts, ts(clock.instant().plus(backoff)), message, id).update();
        return next;
    }

    /**
     * The lead is erased: what was not sent never will be, and the texts kept with its emails go too, since an SMTP
     * answer names the address ({@code 550 <jane@…>: mailbox unavailable}). Status, template and dates stay: the
     * email report counts them. In the erasing transaction, like the other modules' share of the erasure.
     */
    @EventListener
    void forget(LeadErased erased) {
        jdbc.sql("""
                update email_outbox
                   set status = case when status in ('PENDING', 'SENDING') then 'SKIPPED' else status end,
                       last_error = case when status in ('PENDING', 'SENDING') then 'lead erased'
                                         when last_error is null then null else 'erased with the lead' end,
                       changed_at = current_timestamp
                 where lead_id = ?""").param(erased.leadId()).update();
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }

    private static Row map(ResultSet rs, int n) throws SQLException {
        Timestamp sent = rs.getTimestamp("sent_at");
        Timestamp claimedUntil = rs.getTimestamp("claimed_until");
        return new Row(rs.getString("id"), rs.getString("lead_id"), rs.getString("purpose"), rs.getString("template"),
                Status.valueOf(rs.getString("status")), rs.getInt("attempts"),
                rs.getTimestamp("created_at").toInstant(), sent == null ? null : sent.toInstant(),
                rs.getTimestamp("next_attempt_at").toInstant(), rs.getString("last_error"), rs.getString("to_address"),
                rs.getString("params"), rs.getString("send_window"),
                claimedUntil == null ? null : claimedUntil.toInstant(), rs.getObject("template_version", Integer.class));
    }
}
