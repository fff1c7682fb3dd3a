package io.leadflow.scoring;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadCaptured;
import io.leadflow.lead.LeadErased;
import io.leadflow.lead.Leads;
import io.leadflow.platform.GoneException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.InvalidInputException.FieldError;
import io.leadflow.platform.ModelKeys;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.RetryOnConflict;
import io.leadflow.platform.Texts;

/**
 * Scores leads on the deployed DMN tables: fit from who they are, engagement from what they did (each event's
 * points halve every half-life, computed from the stored events, so the score is exact at any instant), and the
 * MQL decision. Only a stage change leaves this module, as {@link LeadQualified}.
 */
@Service
public class ScoringService {

    private static final Logger log = LoggerFactory.getLogger(ScoringService.class);
    static final String FIT = ModelKeys.DECISION_FIT;
    static final String ENGAGEMENT = ModelKeys.DECISION_ENGAGEMENT;
    static final String MQL = ModelKeys.DECISION_MQL;

    public record EventRequest(String leadId, String email, String type, String url, String occurredAt) {
    }

    public record EventRecorded(String id, int points, boolean scored) {
    }

    public record Score(int fit, double engagement, boolean mql, String grade, String reason) {
    }

    /**
     * @param decisions the fit and MQL evaluations, each with its version and the rules that matched
     * @param events    the scored events, each with the rule and version of {@code engagement-points} that gave its
     *                  points when it was recorded (or at the last manual rescore)
     */
    public record Explanation(String leadId, int fit, double engagement, double total, boolean mql, String grade,
            String reason, List<DecisionEvaluator.Evaluation> decisions, List<ScoredEvent> events) {
    }

    /** A row of the score history: a grade or MQL change, or a marketer's rescore. */
    public record ScoreChange(Instant changedAt, String cause, int fit, double engagement, String grade, boolean mql,
            String reason, int fitVersion, int mqlVersion) {
    }

    public record ScoredEvent(String type, String url, Instant occurredAt, int points, double decayedPoints,
            String table, Integer version, String ruleId, String annotation) {
    }

    /** Distinct fit inputs remembered by the live scorer (a few MB at most). */
    private static final int LIVE_MEMO_LIMIT = 10_000;

    private final Leads leads;
    private final DecisionEvaluator decisions;
    // Replaced whole when a table version changes (a racing replacement only costs a memo).
    private final AtomicReference<Scorer> storedPointsScorer = new AtomicReference<>();
    private final AtomicReference<Scorer> rescoringScorer = new AtomicReference<>();
    private final ScoringSettings settings;
    private final JdbcClient jdbc;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    ScoringService(Leads leads, DecisionEvaluator decisions, ScoringSettings settings, JdbcClient jdbc,
            ApplicationEventPublisher events, Clock clock) {
        this.leads = leads;
        this.decisions = decisions;
        this.settings = settings;
        this.jdbc = jdbc;
        this.events = events;
        this.clock = clock;
    }

    @Transactional
    @RetryOnConflict
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
        Lead found = (byId ? leads.find(request.leadId()) : leads.findByEmail(request.email()))
                .orElseThrow(() -> new NotFoundException("No lead " + (byId ? "with id " + request.leadId()
                        : "with that email") + ": capture it first (POST /api/leads)"));
        // Locked before its events are read: two events at once both count, and a journey scoring the lead at
        // the same moment either sees this event or is seen by it (its LeadQualified wait then exists).
        Lead lead = leads.lock(found.id()).orElse(found);
        if (lead.erased()) {
            throw new GoneException("Lead " + lead.id() + " was erased");
        }
        return store(lead, request.type().trim(), request.url(), occurredAt);
    }

    private EventRecorded store(Lead lead, String type, String url, Instant occurredAt) {
        Scorer.StoredEvent event = liveScorer(decisions.latest(ENGAGEMENT)).points(type, url, occurredAt);
        boolean scored = lead.consent() == Lead.Consent.CONFIRMED;
        String id = UUID.randomUUID().toString();
        jdbc.sql("""
                insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored,
                                               rule_id, decision_version)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, lead.id(), type, url, Timestamp.from(occurredAt), Timestamp.from(clock.instant()),
                        event.points(), scored, event.ruleId(), event.version())
                .update();
        if (scored) {
            update(lead, liveScorer(null).score(lead, storedEvents(lead.id()), clock.instant()), Cause.EVENT, false);
            events.publishEvent(new EngagementRecorded(lead.id(), type));
        }
        return new EventRecorded(id, event.points(), scored);
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
        jdbc.sql("delete from score_changes where lead_id = ?").param(erased.leadId()).update();
    }

    /**
     * Recomputes the score on the deployed tables, the points of the lead's events included, and moves the stage to
     * MQL when the decision says so: what a marketer asks for after changing a table. A lead already past MQL keeps
     * its stage.
     */
    @Transactional
    @RetryOnConflict
    public Score rescore(String leadId) {
        Lead lead = readable(leadId, leads.lock(leadId).orElse(null));
        return rescore(lead, liveScorer(decisions.latest(ENGAGEMENT)), true).score();
    }

    /**
     * The lead's account became a marketing qualified account and chose this lead, its best contact, for sales: it
     * becomes an MQL whatever its own score, and its journey hands it over as for any MQL ({@link LeadQualified}).
     * False when nothing changed: the lead is erased, not confirmed, or an MQL or beyond already.
     */
    @Transactional
    public boolean qualifyForAccount(String leadId, String accountReason) {
        Lead lead = leads.lock(leadId).orElse(null);
        if (lead == null || lead.erased() || lead.consent() != Lead.Consent.CONFIRMED
                || !leads.qualify(lead.id(), clock.instant())) {
            return false;
        }
        log.info("Lead {} is now an MQL for its account: {}", lead.id(), accountReason);
        events.publishEvent(new LeadQualified(lead.id(), lead.grade()));
        return true;
    }

    /**
     * The qualification desk found a lead to be a duplicate of another: its engagement events become the kept lead's,
     * and both are scored again (the kept one may become an MQL and go to sales; the duplicate keeps no engagement).
     *
     * @return the events moved
     */
    @Transactional
    public int moveEvents(String duplicateId, String keptId) {
        Lead kept = leads.lock(keptId).orElse(null);
        Lead duplicate = leads.lock(duplicateId).orElse(null);
        if (kept == null || kept.erased()) {
            log.warn("Lead {} to keep is gone: the events of lead {} stay where they are", keptId, duplicateId);
            return 0;
        }
        int moved = jdbc.sql("update engagement_events set lead_id = ? where lead_id = ?").params(keptId, duplicateId)
                .update();
        Scorer scorer = liveScorer(decisions.latest(ENGAGEMENT));
        for (Lead lead : java.util.Arrays.asList(kept, duplicate)) {
            if (moved > 0 && lead != null && !lead.erased() && lead.consent() == Lead.Consent.CONFIRMED) {
                rescore(leads.get(lead.id()), scorer, true);
            }
        }
        log.info("{} engagement events of lead {} moved to lead {}, its duplicate", moved, duplicateId, keptId);
        return moved;
    }

    /** What a rescore did to one lead, for the bulk rescore's counts. */
    record Rescored(Score score, boolean changed, boolean becameMql, boolean gradeChanged) {
    }

    /**
     * The one-lead rescore for the bulk rescore ({@link Rescores}), in the caller's transaction (a chunk of leads)
     * and on the caller's scorer (the table versions the run started with): the lead is locked, and a lead erased
     * or no longer confirmed since the chunk was read is left alone (empty). Unlike a marketer's rescore of one lead,
     * it keeps a history row only when the grade or the MQL decision changed, so that rescoring everyone leaves one
     * row per lead it changed rather than one per lead.
     */
    Optional<Rescored> rescoreInBulk(String leadId, Scorer scorer) {
        Lead lead = leads.lock(leadId).orElse(null);
        if (lead == null || lead.erased() || lead.consent() != Lead.Consent.CONFIRMED) {
            return Optional.empty();
        }
        return Optional.of(rescore(lead, scorer, false));
    }

    private Rescored rescore(Lead lead, Scorer scorer, boolean alwaysKeepHistory) {
        List<Scorer.StoredEvent> before = storedEvents(lead.id());
        Scorer.Outcome outcome = scorer.score(lead, before, clock.instant());
        boolean pointsChanged = false;
        for (int i = 0; i < before.size(); i++) {
            pointsChanged |= before.get(i).points() != outcome.events().get(i).points();
        }
        for (Scorer.StoredEvent e : distinct(outcome.events())) {
            jdbc.sql("""
                    update engagement_events set points = ?, rule_id = ?, decision_version = ?
                     where lead_id = ? and scored = true and type = ? and coalesce(url, '') = ?""")
                    .params(e.points(), e.ruleId(), e.version(), lead.id(), e.type(), e.url() == null ? "" : e.url())
                    .update();
        }
        boolean becameMql = update(lead, outcome, Cause.RESCORE, alwaysKeepHistory);
        boolean gradeChanged = !Objects.equals(lead.grade(), outcome.grade());
        boolean changed = pointsChanged || gradeChanged || becameMql
                || !Objects.equals(lead.fitScore(), outcome.fit());
        return new Rescored(new Score(outcome.fit(), outcome.engagement(), outcome.mql(), outcome.grade(),
                outcome.reason()), changed, becameMql, gradeChanged);
    }

    /** The score now, each part with the rules and decision versions that produced it. */
    public Explanation explain(String leadId) {
        Lead lead = readable(leadId);
        Scorer.Outcome o = liveScorer(null).score(lead, storedEvents(leadId), clock.instant());
        List<ScoredEvent> events = new ArrayList<>(o.events().size());
        for (int i = 0; i < o.events().size(); i++) {
            Scorer.StoredEvent e = o.events().get(i);
            String annotation = e.ruleId() == null || e.version() == null ? null
                    : decisions.deployed(ENGAGEMENT, e.version()).annotation(e.ruleId());
            events.add(new ScoredEvent(e.type(), e.url(), e.occurredAt(), e.points(),
                    Math.round(o.decayedPoints().get(i) * 100) / 100.0, ENGAGEMENT, e.version(), e.ruleId(),
                    annotation));
        }
        return new Explanation(lead.id(), o.fit(), o.engagement(), o.total(), o.mql(), o.grade(), o.reason(),
                List.of(o.fitEvaluation(), o.mqlEvaluation()), events);
    }

    /** What caused a score to be recomputed, as kept in the score history. */
    enum Cause { EVENT, RESCORE }

    /**
     * Stores the score and moves the lead to MQL when the decision says so; true when it became an MQL now.
     *
     * @param alwaysKeepHistory a history row even when neither the grade nor the MQL decision changed (a
     *                          marketer's rescore of one lead)
     */
    private boolean update(Lead lead, Scorer.Outcome o, Cause cause, boolean alwaysKeepHistory) {
        Instant now = clock.instant();
        leads.recordScore(lead.id(), o.fit(), o.engagement(), o.grade(), now);
        boolean becameMql = o.mql() && leads.qualify(lead.id(), now);
        if (becameMql) {
            log.info("Lead {} is now an MQL (grade {}): {}", lead.id(), o.grade(), o.reason());
            events.publishEvent(new LeadQualified(lead.id(), o.grade()));
        }
        if (settings.history().enabled()
                && (alwaysKeepHistory || becameMql || !Objects.equals(lead.grade(), o.grade()))) {
            jdbc.sql("""
                    insert into score_changes (id, lead_id, changed_at, cause, fit, engagement, grade, mql, reason,
                                               fit_version, mql_version)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(UUID.randomUUID().toString(), lead.id(), Timestamp.from(now), cause.name(), o.fit(),
                            o.engagement(), o.grade(), o.mql(), Texts.truncate(o.reason(), 400),
                            o.fitEvaluation().version(), o.mqlEvaluation().version())
                    .update();
        }
        return becameMql;
    }

    /** Score history older than {@code leadflow.scoring.history.retention} goes; hourly, on every node (idempotent). */
    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT1H")
    public int forgetOldScoreChanges() {
        return jdbc.sql("delete from score_changes where changed_at < ?")
                .param(Timestamp.from(clock.instant().minus(settings.history().retention()))).update();
    }

    /** The score history of a lead, newest first. */
    public List<ScoreChange> history(String leadId) {
        readable(leadId);
        return jdbc.sql("""
                select changed_at, cause, fit, engagement, grade, mql, reason, fit_version, mql_version
                  from score_changes where lead_id = ? order by changed_at desc""")
                .param(leadId)
                .query((rs, n) -> new ScoreChange(rs.getTimestamp("changed_at").toInstant(), rs.getString("cause"),
                        rs.getInt("fit"), rs.getDouble("engagement"), rs.getString("grade"), rs.getBoolean("mql"),
                        rs.getString("reason"), rs.getInt("fit_version"), rs.getInt("mql_version")))
                .list();
    }

    private Lead readable(String leadId) {
        return readable(leadId, leads.find(leadId).orElse(null));
    }

    /** The lead found for an id, or 404 when there is none and 410 when it was erased. */
    private static Lead readable(String leadId, Lead found) {
        if (found == null) {
            throw new NotFoundException("No lead with id " + leadId);
        }
        if (found.erased()) {
            throw new GoneException("Lead " + leadId + " was erased");
        }
        return found;
    }

    /**
     * The scorer of the live service on the latest deployed tables, kept while they stay the latest so that a lead
     * scored again on each new event does not evaluate its unchanged fit again.
     */
    private Scorer liveScorer(DecisionEvaluator.Decision engagement) {
        DecisionEvaluator.Decision fit = decisions.latest(FIT);
        DecisionEvaluator.Decision mql = decisions.latest(MQL);
        AtomicReference<Scorer> cached = engagement == null ? storedPointsScorer : rescoringScorer;
        Scorer scorer = cached.get();
        if (scorer == null || !scorer.uses(fit, engagement, mql)) {
            scorer = new Scorer(fit, engagement, mql, settings.engagementHalfLife(), LIVE_MEMO_LIMIT, false);
            cached.set(scorer);
        }
        return scorer;
    }

    List<Scorer.StoredEvent> storedEvents(String leadId) {
        return jdbc.sql("""
                select type, url, occurred_at, points, rule_id, decision_version from engagement_events
                 where lead_id = ? and scored = true order by occurred_at""")
                .param(leadId).query(ScoringService::storedEvent).list();
    }

    static Scorer.StoredEvent storedEvent(ResultSet rs, int n) throws SQLException {
        int version = rs.getInt("decision_version");
        Integer decisionVersion = rs.wasNull() ? null : version;
        return new Scorer.StoredEvent(rs.getString("type"), rs.getString("url"),
                rs.getTimestamp("occurred_at").toInstant(), rs.getInt("points"), rs.getString("rule_id"),
                decisionVersion);
    }

    private static List<Scorer.StoredEvent> distinct(List<Scorer.StoredEvent> events) {
        Map<String, Scorer.StoredEvent> byTypeAndUrl = new LinkedHashMap<>();
        events.forEach(e -> byTypeAndUrl.putIfAbsent(e.type() + '\n' + e.url(), e));
        return List.copyOf(byTypeAndUrl.values());
    }
}
