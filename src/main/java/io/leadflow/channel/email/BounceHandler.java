package io.leadflow.channel.email;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.leadflow.channel.email.BounceParser.Bounce;
import io.leadflow.channel.email.BounceParser.Kind;
import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.Hashing;
import io.leadflow.platform.Texts;

/**
 * Records the bounces and complaints of a report on the email they are about, and suppresses the addresses that must
 * not be mailed again: at once after a hard bounce or a complaint, after {@value #SOFT_BOUNCES_TO_SUPPRESS} soft
 * bounces within {@link #SOFT_BOUNCE_WINDOW}.
 * <p>
 * Anyone can mail a forged report to the bounce mailbox, so a report counts only when it names an email we sent
 * through what only Leadflow writes ({@link SentEmailIds}): the VERP return path it was mailed to, or the
 * Message-ID it quotes. Then it counts only for that email's lead, and only when the address it reports (if any) is
 * hers. A report naming none of our emails changes nothing and is left for a person.
 * <p>
 * A provider's webhook ({@link ProviderFeedback}) is authenticated by its signature or credentials instead, so there
 * the address is enough ({@link #recordFromProvider}). Both paths end in the same rows and the same suppression
 * rules ({@link #apply}).
 */
@Component
class BounceHandler {

    private static final Logger log = LoggerFactory.getLogger(BounceHandler.class);
    static final int SOFT_BOUNCES_TO_SUPPRESS = 3;
    static final Duration SOFT_BOUNCE_WINDOW = Duration.ofDays(30);
    /** {@code email_bounces.message_id} and {@code original_message_id} hold 260 characters. */
    private static final int MAX_ID = 250;

    private final JdbcClient jdbc;
    private final Leads leads;
    private final EmailOutbox outbox;
    private final Clock clock;
    private final SentEmailIds ids;
    private final Map<Kind, Counter> received = new EnumMap<>(Kind.class);
    private final Counter unmatched;

    BounceHandler(JdbcClient jdbc, Leads leads, EmailOutbox outbox, Clock clock, MeterRegistry registry,
            SentEmailIds ids) {
        this.ids = ids;
        this.unmatched = Counter.builder("leadflow.emails.bounces.unmatched")
                .description("Bounce and complaint reports naming none of our emails (forged, or about an email sent"
                        + " before emails were signed): nothing suppressed").register(registry);
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.leads = leads;
        this.clock = clock;
        for (Kind kind : Kind.values()) {
            received.put(kind, Counter.builder("leadflow.emails.bounces")
                    .description("Bounces and complaints read from the bounce mailbox")
                    .tag("kind", kind.name().toLowerCase(Locale.ROOT)).register(registry));
        }
    }

    /**
     * Records the report once: a report already recorded (read again after a crash before it was marked read, or by
     * another node at the same time) changes nothing. Another node recording the same report concurrently makes this
     * call fail on the unique key and roll back.
     */
    @Transactional
    public boolean record(BounceParser.Report report) {
        if (alreadyRecorded(report.messageId())) {
            log.debug("Bounce report {} was recorded before", report.messageId());
            return true;
        }
        Optional<EmailOutbox.Row> email = ourEmail(report);
        if (email.isEmpty()) {
            unmatched.increment();
            log.warn("Bounce report {} names none of our emails (no signed return path or Message-ID): nothing "
                    + "suppressed", report.messageId());
            return false;
        }
        if (email.get().toStaff()) {
            // one of our people's mailboxes complaining about a notification: nothing to do with the lead
            log.info("Bounce report {} is about a notification to staff (email {}): the lead is left as she is",
                    report.messageId(), email.get().id());
            return true;
        }
        Lead lead = leads.find(email.get().leadId()).orElse(null);
        if (lead == null) {
            return true;
        }
        Bounce worst = null;
        for (Bounce bounce : report.bounces()) {
            received.get(bounce.kind()).increment();
            // a complaint about her email is hers whatever address it shows (providers redact or hash it); a bounce
            // must be about her address (a forwarding target's own bounce names another)
            boolean hers = bounce.kind() == Kind.COMPLAINT ? bounce.leadId() == null || bounce.leadId().equals(lead.id())
                    : bounce.recipient() == null || bounce.recipient().equalsIgnoreCase(lead.email());
            if (!hers) {
                log.info("Bounce report {} about email {} reports another address ({} {}): ignored",
                        report.messageId(), email.get().id(), bounce.kind(), bounce.status());
            } else if (worst == null || bounce.kind().compareTo(worst.kind()) > 0) {
                worst = bounce;
            }
        }
        if (worst == null) {
            return true;
        }
        apply(lead.id(), email.get().id(), worst.kind(), worst.status(), report.messageId(),
                report.originalMessageId(), "bounce report " + report.messageId());
        return true;
    }

    /**
     * Records a bounce or complaint a provider's webhook reported about the lead's address, once per event and lead:
     * a delivery the provider retries, or an event it sends again, changes nothing. Another node recording the same
     * event concurrently makes this call fail on the unique key and roll back.
     *
     * @param emailId  our email it is about, when the event quotes its Message-ID; null: the lead's latest
     * @param eventId  the provider's id of the event, prefixed with the provider ({@code sendgrid:…})
     * @param emailKey what names the email among the lead's (our Message-ID, else the provider's id of it): soft
     *                 bounces are counted by it
     * @return false when the event was recorded before
     */
    @Transactional
    public boolean recordFromProvider(String leadId, String emailId, Kind kind, String status, String eventId,
            String emailKey) {
        String reportId = fitted(eventId);
        if (jdbc.sql("select count(*) from email_bounces where message_id = ? and lead_id = ?")
                .params(reportId, leadId).query(Integer.class).single() > 0) {
            log.debug("Provider event {} about lead {} was recorded before", reportId, leadId);
            return false;
        }
        apply(leadId, emailId, kind, status, reportId, fitted(emailKey), "provider event " + reportId);
        return true;
    }

    /**
     * What every bounce and complaint does, whoever reported it: a row for the lead, the outcome on the email it is
     * about, and the suppression its kind calls for.
     *
     * @param source what reported it, for the log
     */
    private void apply(String leadId, String emailId, Kind kind, String status, String reportId,
            String originalMessageId, String source) {
        Instant now = clock.instant();
        jdbc.sql("""
                insert into email_bounces (id, lead_id, kind, status_code, received_at, message_id, original_message_id)
                values (?, ?, ?, ?, ?, ?, ?)""")
                .params(UUID.randomUUID().toString(), leadId, kind.name(), Texts.truncate(status, 32),
                        Timestamp.from(now), reportId, originalMessageId)
                .update();
        outbox.recordOutcome(leadId, emailId, kind == Kind.COMPLAINT
                ? EmailOutbox.Outcome.COMPLAINED : EmailOutbox.Outcome.BOUNCED, now);
        String reason = suppressionReason(leadId, kind, now);
        if (reason != null) {
            leads.suppress(leadId, reason, now);
            log.info("Lead {} suppressed ({}) by {} (status {})", leadId, reason, source, status);
        }
    }

    /** Ids are short in practice; a longer one is kept as its hash so that it fits its column. */
    static String fitted(String id) {
        if (id == null || id.isBlank()) {
            return null;
        }
        return id.length() <= MAX_ID ? id : "sha256:" + Hashing.sha256(id);
    }

    /** The email the report is about: the one whose return path it was mailed to, else the one it quotes. */
    private Optional<EmailOutbox.Row> ourEmail(BounceParser.Report report) {
        Optional<String> row = report.returnPaths().stream().map(ids::rowOfReturnPath).flatMap(Optional::stream)
                .findFirst();
        if (row.isEmpty()) {
            row = ids.rowOfMessageId(report.originalMessageId());
        }
        return row.flatMap(outbox::findIfAny);
    }

    private String suppressionReason(String leadId, Kind kind, Instant now) {
        return switch (kind) {
            case HARD -> "HARD_BOUNCE";
            case COMPLAINT -> "COMPLAINED";
            case SOFT -> softBounces(leadId, now.minus(SOFT_BOUNCE_WINDOW)) >= SOFT_BOUNCES_TO_SUPPRESS
                    ? "SOFT_BOUNCE" : null;
        };
    }

    /**
     * Soft bounces since then, counted by the email they are about: an MTA that keeps retrying sends several delay
     * notices for one email, which are one soft bounce, not several.
     */
    int softBounces(String leadId, Instant since) {
        return jdbc.sql("""
                select count(distinct coalesce(original_message_id, message_id)) from email_bounces
                 where lead_id = ? and kind = 'SOFT' and received_at > ?""")
                .params(leadId, Timestamp.from(since)).query(Integer.class).single();
    }

    private boolean alreadyRecorded(String messageId) {
        return jdbc.sql("select count(*) from email_bounces where message_id = ?").param(messageId)
                .query(Integer.class).single() > 0;
    }
}
