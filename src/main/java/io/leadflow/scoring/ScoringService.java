package io.leadflow.scoring;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Lead.Stage;
import io.leadflow.lead.LeadCaptured;
import io.leadflow.lead.LeadErased;
import io.leadflow.lead.LeadRepository;
import io.leadflow.platform.GoneException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.InvalidInputException.FieldError;
import io.leadflow.platform.NotFoundException;

/**
 * Scores leads on the deployed DMN tables: fit from who they are, engagement from what they did (each event's
 * points halve every half-life, computed from the stored events, so the score is exact at any instant), and the
 * MQL decision. Only a stage change leaves this module, as {@link LeadQualified}.
 */
@Service
public class ScoringService {

    private static final Logger log = LoggerFactory.getLogger(ScoringService.class);
    static final String FIT = "lead-fit-score";
    static final String ENGAGEMENT = "engagement-points";
    static final String MQL = "mql-decision";

    public record EventRequest(String leadId, String email, String type, String url, String occurredAt) {
    }

    public record EventRecorded(String id, int points, boolean scored) {
    }

    public record Score(int fit, double engagement, boolean mql, String grade, String reason) {
    }

    public record Explanation(String leadId, int fit, double engagement, double total, boolean mql, String grade,
            String reason, List<DecisionEvaluator.Evaluation> decisions, List<ScoredEvent> events) {
    }

    public record ScoredEvent(String type, String url, Instant occurredAt, int points, double decayedPoints) {
    }

    private final LeadRepository leads;
    private final DecisionEvaluator decisions;
    private final ScoringSettings settings;
    private final JdbcClient jdbc;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    ScoringService(LeadRepository leads, DecisionEvaluator decisions, ScoringSettings settings, JdbcClient jdbc,
            ApplicationEventPublisher events, Clock clock) {
        this.leads = leads;
        this.decisions = decisions;
        this.settings = settings;
        this.jdbc = jdbc;
        this.events = events;
        this.clock = clock;
    }

    @Transactional
    public EventRecorded record(EventRequest request) {
        Instant now = clock.instant();
        List<FieldError> errors = new ArrayList<>();
        boolean byId = request.leadId() != null && !request.leadId().isBlank();
        boolean byEmail = request.email() != null && !request.email().isBlank();
        if (byId == byEmail) {
            errors.add(new FieldError(byId ? "email" : "leadId", "give exactly one of leadId or email"));
        }
        if (request.type() == null || request.type().isBlank()) {
            errors.add(new FieldError("type", "is required, e.g. PAGE_VIEW or DEMO_REQUESTED"));
        } else if (request.type().length() > 64 || !request.type().matches("[A-Za-z0-9_.-]+")) {
            errors.add(new FieldError("type", "must be at most 64 letters, digits, '_', '.' or '-'"));
        }
        if (request.url() != null && (request.url().length() > 2000 || request.url().matches(".*\\p{Cntrl}.*"))) {
            errors.add(new FieldError("url", "must be at most 2000 characters without control characters"));
        }
        Instant occurredAt = now;
        if (request.occurredAt() != null) {
            try {
                occurredAt = Instant.parse(request.occurredAt());
                if (occurredAt.isAfter(now.plus(Duration.ofMinutes(5)))) {
                    errors.add(new FieldError("occurredAt", "is in the future"));
                } else if (occurredAt.isBefore(now.minus(settings.maxEventAge()))) {
                    errors.add(new FieldError("occurredAt", "is older than leadflow.scoring.max-event-age ("
                            + settings.maxEventAge() + ")"));
                }
            } catch (DateTimeParseException e) {
                errors.add(new FieldError("occurredAt", "must be an ISO-8601 instant such as 2026-01-31T09:30:00Z"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        Lead lead = (byId ? leads.find(request.leadId()) : leads.findByEmail(request.email()))
                .orElseThrow(() -> new NotFoundException("No lead " + (byId ? "with id " + request.leadId()
                        : "with that email") + ": capture it first (POST /api/leads)"));
        if (lead.erased()) {
            throw new GoneException("Lead " + lead.id() + " was erased");
        }
        return store(lead, request.type().trim(), request.url(), occurredAt);
    }

    private EventRecorded store(Lead lead, String type, String url, Instant occurredAt) {
        Map<String, Object> in = new HashMap<>();
        in.put("eventType", type);
        in.put("url", url);
        Object value = decisions.evaluate(ENGAGEMENT, in).value("points");
        int points = value instanceof Number n ? n.intValue() : 0;
        boolean scored = lead.consent() == Lead.Consent.CONFIRMED;
        String id = UUID.randomUUID().toString();
        jdbc.sql("""
                insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored)
                values (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, lead.id(), type, url, Timestamp.from(occurredAt), Timestamp.from(clock.instant()), points,
                        scored)
                .update();
        if (scored) {
            rescore(lead.id());
        }
        return new EventRecorded(id, points, scored);
    }

    /** A confirmed lead submitting a form again is engagement, not a new opt-in. */
    @EventListener
    void onCaptured(LeadCaptured captured) {
        if (!captured.created() && captured.consent() == Lead.Consent.CONFIRMED) {
            store(leads.get(captured.leadId()), "FORM_SUBMITTED", null, clock.instant());
        }
    }

    @EventListener
    void onErased(LeadErased erased) {
        jdbc.sql("delete from engagement_events where lead_id = ?").param(erased.leadId()).update();
    }

    /** Recomputes the score on the deployed tables and moves the stage to MQL when the decision says so. */
    @Transactional
    public Score rescore(String leadId) {
        Lead lead = leads.get(leadId);
        Explanation e = explain(lead);
        leads.updateScore(leadId, e.fit(), e.engagement(), e.grade(), clock.instant());
        if (e.mql() && leads.changeStage(leadId, Stage.MQL, clock.instant(), Stage.NEW, Stage.NURTURE, Stage.RECYCLED)) {
            log.info("Lead {} is now an MQL (grade {}): {}", leadId, e.grade(), e.reason());
            events.publishEvent(new LeadQualified(leadId, e.grade()));
        }
        return new Score(e.fit(), e.engagement(), e.mql(), e.grade(), e.reason());
    }

    public Explanation explain(String leadId) {
        Lead lead = leads.find(leadId).orElseThrow(() -> new NotFoundException("No lead with id " + leadId));
        if (lead.erased()) {
            throw new GoneException("Lead " + leadId + " was erased");
        }
        return explain(lead);
    }

    private Explanation explain(Lead lead) {
        DecisionEvaluator.Evaluation fitEval = decisions.evaluate(FIT, LeadAttributes.fitInputs(lead));
        int fit = fitEval.value("points") instanceof Number n ? n.intValue() : 0;
        Instant now = clock.instant();
        double halfLifeSeconds = settings.engagementHalfLife().toSeconds();
        List<ScoredEvent> scored = jdbc.sql("""
                select type, url, occurred_at, points from engagement_events
                 where lead_id = ? and scored = true order by occurred_at""")
                .param(lead.id())
                .query((rs, n) -> {
                    Instant at = rs.getTimestamp("occurred_at").toInstant();
                    int points = rs.getInt("points");
                    double age = Math.max(0, Duration.between(at, now).toSeconds());
                    return new ScoredEvent(rs.getString("type"), rs.getString("url"), at, points,
                            points * Math.pow(0.5, age / halfLifeSeconds));
                }).list();
        double engagement = Math.round(scored.stream().mapToDouble(ScoredEvent::decayedPoints).sum() * 100) / 100.0;
        Map<String, Object> in = new HashMap<>();
        in.put("fitScore", fit);
        in.put("engagementScore", engagement);
        DecisionEvaluator.Evaluation mqlEval = decisions.evaluate(MQL, in);
        boolean mql = Boolean.TRUE.equals(mqlEval.value("mql"));
        String grade = (String) mqlEval.value("grade");
        String reason = (String) mqlEval.value("reason");
        return new Explanation(lead.id(), fit, engagement, fit + engagement, mql, grade, reason,
                List.of(fitEval, mqlEval), scored);
    }
}
