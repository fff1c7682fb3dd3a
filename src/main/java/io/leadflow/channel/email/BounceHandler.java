package io.leadflow.channel.email;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.channel.email.BounceParser.Bounce;
import io.leadflow.channel.email.BounceParser.Kind;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadRepository;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Records the bounces and complaints of a report, on the email they are about too (the one whose purpose the report
 * quotes, else the lead's latest), and suppresses the addresses that must not be mailed again: at once
 * after a hard bounce or a complaint, after {@value #SOFT_BOUNCES_TO_SUPPRESS} soft bounces within
 * {@link #SOFT_BOUNCE_WINDOW}.
 */
@Component
class BounceHandler {

    private static final Logger log = LoggerFactory.getLogger(BounceHandler.class);
    static final int SOFT_BOUNCES_TO_SUPPRESS = 3;
    static final Duration SOFT_BOUNCE_WINDOW = Duration.ofDays(30);

    private final JdbcClient jdbc;
    private final LeadRepository leads;
    private final EmailOutbox outbox;
    private final Clock clock;
    private final Map<Kind, Counter> received = new EnumMap<>(Kind.class);

    BounceHandler(JdbcClient jdbc, LeadRepository leads, EmailOutbox outbox, Clock clock, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.leads = leads;
        this.clock = clock;
        for (Kind kind : Kind.values()) {
            received.put(kind, Counter.builder("leadflow.emails.bounces")
                    .description("Bounces and complaints read from the bounce mailbox")
                    .tag("kind", kind.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
    }

    /**
     * Records the report once: a report already recorded (read again after a crash before it was marked read, or by
     * another node at the same time) changes nothing. Another node recording the same report concurrently makes this
     * call fail on the unique key and roll back.
     */
    @Transactional
    public void record(BounceParser.Report report) {
        if (alreadyRecorded(report.messageId())) {
            log.debug("Bounce report {} was recorded before", report.messageId());
            return;
        }
        Instant now = clock.instant();
        Map<String, Bounce> byLead = new LinkedHashMap<>();
        for (Bounce bounce : report.bounces()) {
            received.get(bounce.kind()).increment();
            Lead lead = (bounce.recipient() != null ? leads.findByEmail(bounce.recipient())
                    : leads.find(bounce.leadId())).orElse(null);
            if (lead == null) {
                log.info("Bounce report {} ({} {}) is about an address no lead has", report.messageId(),
                        bounce.kind(), bounce.status());
                continue;
            }
            byLead.merge(lead.id(), bounce, (a, b) -> a.kind().compareTo(b.kind()) >= 0 ? a : b);
        }
        byLead.forEach((leadId, bounce) -> {
            insert(leadId, bounce, report, now);
            String emailId = report.originalPurpose() == null ? null
                    : outbox.find(leadId, report.originalPurpose()).map(EmailOutbox.Row::id).orElse(null);
            outbox.recordOutcome(leadId, emailId, bounce.kind() == Kind.COMPLAINT ? EmailOutbox.Outcome.COMPLAINED
                    : EmailOutbox.Outcome.BOUNCED, now);
            String reason = suppressionReason(leadId, bounce.kind(), now);
            if (reason != null) {
                leads.suppress(leadId, reason, now);
                log.info("Lead {} suppressed ({}) by bounce report {} (status {})", leadId, reason,
                        report.messageId(), bounce.status());
            }
        });
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

    private void insert(String leadId, Bounce bounce, BounceParser.Report report, Instant now) {
        jdbc.sql("""
                insert into email_bounces (id, lead_id, kind, status_code, received_at, message_id, original_message_id)
                values (?, ?, ?, ?, ?, ?, ?)""")
                .params(UUID.randomUUID().toString(), leadId, bounce.kind().name(), truncated(bounce.status()),
                        Timestamp.from(now), report.messageId(), report.originalMessageId())
                .update();
    }

    private static String truncated(String status) {
        return status == null || status.length() <= 32 ? status : status.substring(0, 32);
    }
}
