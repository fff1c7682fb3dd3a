package io.leadflow.channel.crm;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.integration.jdbc.metadata.JdbcMetadataStore;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.handoff.Handoff;
import io.leadflow.handoff.HandoffService;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadRepository;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

/**
 * Events the CRM sends about leads we pushed (API.md §7): each moves the lead's handoff exactly as the same sales
 * action through {@code /api/handoffs/{id}/…} does. Each {@code eventId} is applied once: it is written to Spring
 * Integration's JDBC metadata store in the transaction of its effect, so a failed effect leaves no trace and a CRM
 * that delivers again is acknowledged without a second effect.
 */
@Service
class CrmEvents {

    private static final Logger log = LoggerFactory.getLogger(CrmEvents.class);
    static final Set<String> TYPES = Set.of("LEAD_ACCEPTED", "LEAD_QUALIFIED", "LEAD_REJECTED", "OPPORTUNITY_WON",
            "OPPORTUNITY_LOST");

    record Event(String eventId, String type, String leadId, String crmId, String reason, String opportunityId,
            String occurredAt) {
    }

    /** {@code status}: {@code APPLIED}, {@code UNCHANGED} (the handoff was already there) or {@code DUPLICATE}. */
    record Outcome(String eventId, String status, String leadId, String handoffId, Handoff.Status handoffStatus) {
    }

    private final JdbcMetadataStore applied;
    private final TransactionTemplate savepoint;
    private final LeadRepository leads;
    private final HandoffService handoffs;

    CrmEvents(DataSource dataSource, PlatformTransactionManager transactions, LeadRepository leads,
            HandoffService handoffs) {
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
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
    }

    @Transactional
    public Outcome apply(Event e) {
        Lead lead = (e.leadId() != null ? leads.find(e.leadId()) : leads.findByCrmId(e.crmId()))
                .filter(l -> !l.erased())
                .orElseThrow(() -> new NotFoundException("No lead with " + (e.leadId() != null ? "id " + e.leadId()
                        : "CRM id " + e.crmId())));
        String first = firstDelivery(e.eventId(), e.type() + " " + lead.id());
        if (first != null) {
            log.info("CRM event {} ({}) already applied: ignored", e.eventId(), e.type());
            return new Outcome(e.eventId(), "DUPLICATE", lead.id(), null, null);
        }
        Handoff handoff = handoffs.latestForLead(lead.id())
                .orElseThrow(() -> new NotFoundException("Lead " + lead.id() + " has no handoff to sales"));
        Handoff.Status before = handoff.status();
        Handoff after = switch (e.type()) {
            case "LEAD_ACCEPTED" -> handoffs.act(handoff.id(), HandoffService.Action.accept, null, null);
            case "LEAD_QUALIFIED" -> handoffs.act(handoff.id(), HandoffService.Action.qualify, null, e.opportunityId());
            case "LEAD_REJECTED" -> handoffs.act(handoff.id(), HandoffService.Action.reject, e.reason(), null);
            // a won opportunity is the last word on a qualified lead; a lost one closes a handoff still open
            case "OPPORTUNITY_WON" -> handoff.closed() ? handoff
                    : handoffs.act(handoff.id(), HandoffService.Action.qualify, null, e.opportunityId());
            case "OPPORTUNITY_LOST" -> handoff.closed() ? handoff
                    : handoffs.act(handoff.id(), HandoffService.Action.reject,
                            e.reason() == null ? "NOT_A_FIT" : e.reason(), null);
            default -> throw new IllegalStateException("validated: " + e.type());
        };
        log.info("CRM event {} ({}) on handoff {} of lead {}: {} -> {}", e.eventId(), e.type(), handoff.id(), lead.id(),
                before, after.status());
        return new Outcome(e.eventId(), after.status() == before ? "UNCHANGED" : "APPLIED", lead.id(), handoff.id(),
                after.status());
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
