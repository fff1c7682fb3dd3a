package io.leadflow.scoring;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.leadflow.lead.Lead;
import io.leadflow.scoring.DecisionEvaluator.Decision;
import io.leadflow.scoring.DecisionEvaluator.Evaluation;

/**
 * The score arithmetic on one set of tables: fit from who the lead is, engagement as the sum of each event's points
 * halved every half-life, and the MQL decision on both. Pure: the same lead, events, tables and instant give the
 * same score, so the live service and a backtest share it.
 */
final class Scorer {

    /** An event as stored: the points its table gave when it was recorded, and which rule of which version. */
    record StoredEvent(String type, String url, Instant occurredAt, int points, String ruleId, Integer version) {
    }

    record Outcome(int fit, double engagement, boolean mql, String grade, String reason, Evaluation fitEvaluation,
            Evaluation mqlEvaluation, List<StoredEvent> events, List<Double> decayedPoints) {

        double total() {
            return fit + engagement;
        }
    }

    private final Decision fit;
    private final Decision engagement;
    private final Decision mql;
    private final double halfLifeSeconds;
    private final Map<Map<String, Object>, Evaluation> fitMemo;
    private final Map<String, StoredEvent> pointsMemo;

    /**
     * @param engagement the table to give events their points again; null keeps the stored points
     * @param memoise    remember evaluations by their inputs (a backtest over many leads with few distinct values)
     */
    Scorer(Decision fit, Decision engagement, Decision mql, Duration halfLife, boolean memoise) {
        this.fit = fit;
        this.engagement = engagement;
        this.mql = mql;
        this.halfLifeSeconds = halfLife.toSeconds();
        this.fitMemo = memoise ? new ConcurrentHashMap<>() : null;
        this.pointsMemo = memoise ? new ConcurrentHashMap<>() : null;
    }

    Outcome score(Lead lead, List<StoredEvent> events, Instant now) {
        Map<String, Object> fitInputs = LeadAttributes.fitInputs(lead);
        Evaluation fitEval = fitMemo == null ? fit.evaluate(fitInputs)
                : fitMemo.computeIfAbsent(fitInputs, fit::evaluate);
        int fitPoints = fitEval.value("points") instanceof Number n ? n.intValue() : 0;
        List<StoredEvent> scored = engagement == null ? events : events.stream().map(this::rescored).toList();
        List<Double> decayed = new ArrayList<>(scored.size());
        double sum = 0;
        for (StoredEvent e : scored) {
            double age = Math.max(0, Duration.between(e.occurredAt(), now).toSeconds());
            double points = e.points() * Math.pow(0.5, age / halfLifeSeconds);
            decayed.add(points);
            sum += points;
        }
        double engagementScore = Math.round(sum * 100) / 100.0;
        Map<String, Object> in = new HashMap<>();
        in.put("fitScore", fitPoints);
        in.put("engagementScore", engagementScore);
        Evaluation mqlEval = mql.evaluate(in);
        return new Outcome(fitPoints, engagementScore, Boolean.TRUE.equals(mqlEval.value("mql")),
                (String) mqlEval.value("grade"), (String) mqlEval.value("reason"), fitEval, mqlEval, scored, decayed);
    }

    /** The points the engagement table gives this event, with the rule that gave them. */
    StoredEvent points(String type, String url, Instant occurredAt) {
        Map<String, Object> in = new HashMap<>();
        in.put("eventType", type);
        in.put("url", url);
        Evaluation e = engagement.evaluate(in);
        int points = e.value("points") instanceof Number n ? n.intValue() : 0;
        String rule = e.matchedRules().isEmpty() ? null : e.matchedRules().get(0).ruleId();
        return new StoredEvent(type, url, occurredAt, points, rule, e.version());
    }

    private StoredEvent rescored(StoredEvent e) {
        if (pointsMemo == null) {
            return points(e.type(), e.url(), e.occurredAt());
        }
        StoredEvent template = pointsMemo.computeIfAbsent(e.type() + '\n' + e.url(),
                k -> points(e.type(), e.url(), null));
        return new StoredEvent(e.type(), e.url(), e.occurredAt(), template.points(), template.ruleId(),
                template.version());
    }
}
