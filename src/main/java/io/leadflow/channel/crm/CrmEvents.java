package io.leadflow.channel.crm;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.integration.jdbc.metadata.JdbcMetadataStore;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Metrics;

import io.leadflow.handoff.Handoff;
import io.leadflow.handoff.HandoffService;
import io.leadflow.handoff.Opportunity;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadErased;
import io.leadflow.lead.Leads;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.RetryOnConflict;

/**
 * Events the CRM sends about leads we pushed (docs/api.md §7): each moves the lead's handoff exactly as the same sales
 * action through {@code /api/handoffs/{id}/…} does. Each {@code eventId} is applied once: it is written to Spring
 * Integration's JDBC metadata store in the transaction of its effect, so a failed effect leaves no trace and a CRM
 * that delivers again is acknowledged without a second effect.
 */
@Service
class CrmEvents {

    private static final Logger log = LoggerFactory.getLogger(CrmEvents.class);
    static final Set<String> TYPES = Set.of("LEAD_ACCEPTED", "LEAD_QUALIFIED", "LEAD_REJECTED", "OPPORTUNITY_CREATED",
            "OPPORTUNITY_WON", "OPPORTUNITY_LOST", "ACTIVITY_LOGGED");
    static final List<String> ACTIVITIES = List.of("CALL", "EMAIL", "MEETING");
    static final BigDecimal MOST = new BigDecimal("1000000000000");

    /**
     * @param amount     an opportunity's value ({@code OPPORTUNITY_*}), in {@code currency} (ISO 4217)
     * @param closeDate  an opportunity's close date (expected, or when it was won or lost), {@code 2026-12-31}
     * @param activity   what sales logged ({@code ACTIVITY_LOGGED}): {@code CALL}, {@code EMAIL} or {@code MEETING}
     */
    record Event(String eventId, String type, String leadId, String crmId, String reason, String opportunityId,
            String occurredAt, BigDecimal amount, String currency, String closeDate, String activity) {

        Event(String eventId, String type, String leadId, String crmId, String reason, String opportunityId,
                String occurredAt) {
            this(eventId, type, leadId, crmId, reason, opportunityId, occurredAt, null, null, null, null);
        }
    }

    /**
     * {@code status}: {@code APPLIED}, {@code UNCHANGED} (the handoff was already there), {@code DUPLICATE}, or
     * {@code PENDING} (kept until the handoff waits for sales, then applied once). {@code recorded}: what the event
     * added to the lead's closed loop whatever became of the handoff (an opportunity's state, the first touch), or
     * null.
     */
    record Outcome(String eventId, String status, String leadId, String handoffId, Handoff.Status handoffStatus,
            String recorded) {

        Outcome(String eventId, String status, String leadId, String handoffId, Handoff.Status handoffStatus) {
            this(eventId, status, leadId, handoffId, handoffStatus, null);
        }
    }

    private final JdbcMetadataStore applied;
    private final TransactionTemplate savepoint;
    private final Leads leads;
    private final HandoffService handoffs;

    static final String PENDING = "PENDING";
    /** How long a kept event waits for its handoff to wait for sales: longer than a push's retries (about an hour). */
    static final Duration KEPT_AT_MOST = Duration.ofHours(24);
    static final int FAILURES_AT_MOST = 30;

    private final JdbcClient jdbc;
    private final TransactionTemplate pendingTransaction;
    private final Clock clock;

    CrmEvents(DataSource dataSource, PlatformTransactionManager transactions, Leads leads,
            HandoffService handoffs, JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.pendingTransaction = new TransactionTemplate(transactions);
        this.applied = new JdbcMetadataStore(dataSource);
        this.applied.setRegion("crm-events");
        this.applied.afterPropertiesSet();
        this.savepoint = new TransactionTemplate(transactions);
        this.savepoint.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        this.leads = leads;
        this.handoffs = handoffs;
    }

    static void validate(Event e) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        if (e.eventId() == null || e.eventId().isBlank() || e.eventId().length() > 200) {
            errors.add(new InvalidInputException.FieldError("eventId", "is required, at most 200 characters"));
        }
        if (e.type() == null || !TYPES.contains(e.type())) {
            errors.add(new InvalidInputException.FieldError("type", "must be one of " + TYPES));
        }
        if (blank(e.leadId()) == blank(e.crmId())) {
            errors.add(new InvalidInputException.FieldError("leadId", "give exactly one of leadId or crmId"));
        }
        if ("LEAD_REJECTED".equals(e.type()) && !HandoffService.REJECT_REASONS.contains(e.reason())) {
            errors.add(new InvalidInputException.FieldError("reason", "must be one of " + HandoffService.REJECT_REASONS));
        }
        if ("OPPORTUNITY_LOST".equals(e.type()) && e.reason() != null
                && !HandoffService.REJECT_REASONS.contains(e.reason())) {
            errors.add(new InvalidInputException.FieldError("reason", "must be one of " + HandoffService.REJECT_REASONS));
        }
        if (e.occurredAt() != null) {
            try {
                Instant.parse(e.occurredAt());
            } catch (DateTimeParseException bad) {
                errors.add(new InvalidInputException.FieldError("occurredAt", "must be an ISO-8601 instant"));
            }
        }
        if ("OPPORTUNITY_CREATED".equals(e.type()) && blank(e.opportunityId())) {
            errors.add(new InvalidInputException.FieldError("opportunityId", "is required for OPPORTUNITY_CREATED"));
        }
        if (e.opportunityId() != null && e.opportunityId().length() > 200) {
            errors.add(new InvalidInputException.FieldError("opportunityId", "at most 200 characters"));
        }
        if (e.amount() != null && (e.amount().signum() < 0 || e.amount().compareTo(MOST) >= 0
                || e.amount().scale() > 2)) {
            errors.add(new InvalidInputException.FieldError("amount",
                    "must be a number from 0 below 10^12 with at most two decimals"));
        }
        if (e.currency() != null && !e.currency().matches("[A-Za-z]{3}")) {
            errors.add(new InvalidInputException.FieldError("currency", "must be an ISO 4217 code such as EUR"));
        }
        if (e.closeDate() != null) {
            try {
                LocalDate.parse(e.closeDate());
            } catch (DateTimeParseException bad) {
                errors.add(new InvalidInputException.FieldError("closeDate", "must be a date such as 2026-12-31"));
            }
        }
        if ("ACTIVITY_LOGGED".equals(e.type()) && (e.activity() == null || !ACTIVITIES.contains(e.activity()))) {
            errors.add(new InvalidInputException.FieldError("activity", "must be one of " + ACTIVITIES));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
    }

    @Transactional
    @RetryOnConflict
    public Outcome apply(Event e) {
        Lead lead = (e.leadId() != null ? leads.find(e.leadId()) : leads.findByCrmId(e.crmId()))
                .flatMap(found -> leads.lock(found.id())).filter(l -> !l.erased())
                .orElseThrow(() -> new NotFoundException("No lead with " + (e.leadId() != null ? "id " + e.leadId()
                        : "CRM id " + e.crmId())));
        String first = firstDelivery(e.eventId(), e.type() + " " + lead.id());
        if (first != null) {
            log.info("CRM event {} ({}) already applied: ignored", e.eventId(), e.type());
            return new Outcome(e.eventId(), "DUPLICATE", lead.id(), null, null);
        }
        Optional<Handoff> latest = handoffs.latestForLead(lead.id());
        if (latest.isEmpty() && "ACTIVITY_LOGGED".equals(e.type())) {
            // sales log activities on every lead in the CRM; one never handed over has no clock to stop
            return new Outcome(e.eventId(), "UNCHANGED", lead.id(), null, null, null);
        }
        Handoff handoff = latest
                .orElseThrow(() -> new NotFoundException("Lead " + lead.id() + " has no handoff to sales"));
        String recorded = recordFacts(e, lead.id(), handoff);
        boolean behindKeptEvents = jdbc.sql("select count(*) from crm_pending_events where handoff_id = ?")
                .param(handoff.id()).query(Long.class).single() > 0;
        if (behindKeptEvents || actsOn(e, handoff) && !handoffs.awaitsDecision(handoff.id())) {
            // The CRM answered our push and sent this before the push's transaction committed: the handoff does not
            // wait for sales yet. Kept and applied as soon as it does (most CRMs never deliver a 4xx again), after
            // the events of the same handoff kept before it.
            jdbc.sql("""
                    insert into crm_pending_events (event_id, lead_id, handoff_id, type, reason, opportunity_id,
                                                    received_at)
                    values (?, ?, ?, ?, ?, ?, ?)""")
                    .params(e.eventId(), lead.id(), handoff.id(), e.type(), e.reason(), e.opportunityId(),
                            Timestamp.from(clock.instant()))
                    .update();
            log.info("CRM event {} ({}) for handoff {} arrived before the handoff waits for sales: kept", e.eventId(),
                    e.type(), handoff.id());
            return new Outcome(e.eventId(), PENDING, lead.id(), handoff.id(), handoff.status(), recorded);
        }
        Handoff.Status before = handoff.status();
        Handoff after = effect(e, handoff);
        log.info("CRM event {} ({}) on handoff {} of lead {}: {} -> {}{}", e.eventId(), e.type(), handoff.id(),
                lead.id(), before, after.status(), recorded == null ? "" : "; " + recorded);
        return new Outcome(e.eventId(), after.status() == before ? "UNCHANGED" : "APPLIED", lead.id(), handoff.id(),
                after.status(), recorded);
    }

    /**
     * What the event tells of the lead's closed loop, kept at once (before the handoff is moved, or the event kept
     * for later): an opportunity created, won or lost, with its amount; the first touch. Null when nothing.
     */
    private String recordFacts(Event e, String leadId, Handoff handoff) {
        Instant at = e.occurredAt() == null ? clock.instant() : Instant.parse(e.occurredAt());
        String status = switch (e.type()) {
            case "OPPORTUNITY_CREATED" -> Opportunity.OPEN;
            case "LEAD_QUALIFIED" -> e.opportunityId() == null ? null : Opportunity.OPEN;
            case "OPPORTUNITY_WON" -> Opportunity.WON;
            case "OPPORTUNITY_LOST" -> Opportunity.LOST;
            case "ACTIVITY_LOGGED" -> {
                boolean first = handoffs.recordFirstTouch(leadId, e.activity(), at);
                yield first ? "TOUCH" : null;
            }
            default -> null;
        };
        if (status == null) {
            return null;
        }
        if (status.equals("TOUCH")) {
            return "first touch (" + e.activity() + ")";
        }
        String id = e.opportunityId() != null ? e.opportunityId() : handoff.opportunityId();
        if (id == null) {
            log.warn("CRM event {} ({}) names no opportunity, nor does handoff {}: its amount is not kept; send "
                    + "opportunityId", e.eventId(), e.type(), handoff.id());
            return null;
        }
        handoffs.recordOpportunity(leadId, new Opportunity(id, handoff.id(), status, e.amount(),
                e.currency() == null ? null : e.currency().toUpperCase(java.util.Locale.ROOT),
                e.closeDate() == null ? null : LocalDate.parse(e.closeDate()),
                Opportunity.LOST.equals(status) ? (e.reason() == null ? "NOT_A_FIT" : e.reason()) : null, at, null),
                e.eventId());
        return "opportunity " + id + " " + status;
    }

    /** Whether the event changes the handoff (and so needs its sales task), rather than repeating its state. */
    private static boolean actsOn(Event e, Handoff handoff) {
        return !handoff.closed() && switch (e.type()) {
            case "LEAD_ACCEPTED" -> handoff.status() == Handoff.Status.OPEN;
            case "ACTIVITY_LOGGED" -> false;
            default -> true;
        };
    }

    private Handoff effect(Event e, Handoff handoff) {
        return switch (e.type()) {
            case "LEAD_ACCEPTED" -> handoffs.act(handoff.id(), HandoffService.Action.accept, null, null);
            case "LEAD_QUALIFIED" -> handoffs.act(handoff.id(), HandoffService.Action.qualify, null, e.opportunityId());
            case "LEAD_REJECTED" -> handoffs.act(handoff.id(), HandoffService.Action.reject, e.reason(), null);
            // an opportunity created or won is the last word on a qualified lead; a lost one closes a handoff still open
            case "OPPORTUNITY_CREATED", "OPPORTUNITY_WON" -> handoff.closed() ? handoff
                    : handoffs.act(handoff.id(), HandoffService.Action.qualify, null, e.opportunityId());
            case "OPPORTUNITY_LOST" -> handoff.closed() ? handoff
                    : handoffs.act(handoff.id(), HandoffService.Action.reject,
                            e.reason() == null ? "NOT_A_FIT" : e.reason(), null);
            case "ACTIVITY_LOGGED" -> handoff;
            default -> throw new IllegalStateException("validated: " + e.type());
        };
    }

    /**
     * Applies the kept events whose handoff now waits for sales, each once and each handoff's in the order they came:
     * the node that locks the lead and deletes the row applies it in the same transaction. An event whose handoff
     * was closed meanwhile (a rep decided in Leadflow) or whose lead was erased is dropped with a warning, and one
     * that still cannot be applied after {@link #KEPT_AT_MOST} or {@link #FAILURES_AT_MOST} failed tries is dropped
     * with an error and counted in {@code leadflow_crm_events_dropped_total}.
     */
    @Scheduled(initialDelayString = "PT5S", fixedDelayString = "${leadflow.crm.pending-events-every:PT2S}")
    public void applyPending() {
        record Kept(String eventId, String leadId, String handoffId) {
        }
        List<Kept> waiting = jdbc.sql("select event_id, lead_id, handoff_id from crm_pending_events order by seq")
                .query((rs, n) -> new Kept(rs.getString(1), rs.getString(2), rs.getString(3))).list();
        Set<String> blocked = new HashSet<>();
        for (Kept kept : waiting) {
            if (blocked.contains(kept.handoffId())) {
                continue;
            }
            try {
                String outcome = pendingTransaction.execute(tx -> applyPending(kept.eventId(), kept.leadId()));
                if (outcome == null) {
                    blocked.add(kept.handoffId());
                } else {
                    log.info("Kept CRM event {}: {}", kept.eventId(), outcome);
                }
            } catch (RuntimeException failed) {
                blocked.add(kept.handoffId());
                pendingTransaction.executeWithoutResult(tx -> failed(kept.eventId(), failed));
            }
        }
    }

    /** Null while the handoff does not wait for sales yet; else what became of the event. */
    private String applyPending(String eventId, String leadId) {
        Optional<Lead> lead = leads.lock(leadId);
        record Row(Event event, String handoffId, Instant receivedAt) {
        }
        Row row = jdbc.sql("""
                select event_id, type, lead_id, reason, opportunity_id, handoff_id, received_at from crm_pending_events
                 where event_id = ? for update""").param(eventId)
                .query((rs, n) -> new Row(new Event(rs.getString(1), rs.getString(2), rs.getString(3), null,
                        rs.getString(4), rs.getString(5), null), rs.getString(6), rs.getTimestamp(7).toInstant()))
                .optional().orElse(null);
        if (row == null) {
            return "applied by another node";
        }
        if (lead.isEmpty() || lead.get().erased()) {
            drop(eventId);
            return "dropped, the lead was erased";
        }
        Event e = row.event();
        Handoff handoff = handoffs.get(row.handoffId());
        if (actsOn(e, handoff) && !handoffs.awaitsDecision(handoff.id())) {
            if (row.receivedAt().plus(KEPT_AT_MOST).isBefore(clock.instant())) {
                drop(eventId);
                dropped(eventId, "handoff " + handoff.id() + " has not waited for sales within " + KEPT_AT_MOST
                        + " (it is " + handoff.status() + ")");
                return "dropped";
            }
            countTry(eventId);
            return null;
        }
        drop(eventId);
        if (handoff.closed() && actsOnClosed(e, handoff)) {
            log.warn("Kept CRM event {} ({}) dropped: handoff {} was closed meanwhile ({})", eventId, e.type(),
                    handoff.id(), handoff.status());
            return "dropped, the handoff is " + handoff.status();
        }
        Handoff after = effect(e, handoff);
        return e.type() + " on handoff " + handoff.id() + ": " + handoff.status() + " -> " + after.status();
    }

    /** A kept event whose application failed: tried again next time, dropped after {@link #FAILURES_AT_MOST}. */
    private void failed(String eventId, RuntimeException failure) {
        countTry(eventId);
        int attempts = jdbc.sql("select attempts from crm_pending_events where event_id = ?").param(eventId)
                .query(Integer.class).optional().orElse(0);
        if (attempts >= FAILURES_AT_MOST) {
            drop(eventId);
            dropped(eventId, "it failed " + attempts + " times, last: " + failure.getMessage());
        } else {
            log.warn("Kept CRM event {} could not be applied (try {}): {}", eventId, attempts, failure.getMessage());
        }
    }

    private void countTry(String eventId) {
        jdbc.sql("update crm_pending_events set attempts = attempts + 1 where event_id = ?").param(eventId).update();
    }

    private void drop(String eventId) {
        jdbc.sql("delete from crm_pending_events where event_id = ?").param(eventId).update();
    }

    private static void dropped(String eventId, String why) {
        log.error("Kept CRM event {} dropped: {}. Apply the sales decision by hand (/api/handoffs/{{id}}/…)", eventId,
                why);
        Metrics.counter("leadflow.crm.events.dropped").increment();
    }

    /** A closed handoff takes only the events that leave it alone (a won or lost opportunity, its own state again). */
    private static boolean actsOnClosed(Event e, Handoff handoff) {
        return !e.type().startsWith("OPPORTUNITY_") && !targetOf(e).equals(handoff.status());
    }

    private static Handoff.Status targetOf(Event e) {
        return switch (e.type()) {
            case "LEAD_ACCEPTED" -> Handoff.Status.ACCEPTED;
            case "LEAD_QUALIFIED", "OPPORTUNITY_CREATED", "OPPORTUNITY_WON" -> Handoff.Status.QUALIFIED;
            default -> Handoff.Status.REJECTED;
        };
    }

    @EventListener
    void onErased(LeadErased erased) {
        jdbc.sql("delete from crm_pending_events where lead_id = ?").param(erased.leadId()).update();
    }

    /** Null when this delivery is the first; else what the first one recorded. */
    private String firstDelivery(String eventId, String summary) {
        try {
            return savepoint.execute(tx -> applied.putIfAbsent(eventId, summary));
        } catch (DataAccessException raced) {
            // PostgreSQL: a parallel delivery of the same event committed first; our failed insert aborted the
            // statements after it, so we went back to the savepoint. What the other delivery committed shows now.
            String existing = applied.get(eventId);
            if (existing == null) {
                throw raced;
            }
            return existing;
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
