package io.leadflow.scoring;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

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
    private final Map<Map<String, Object>, Evaluation> mqlMemo;

    private final int memoLimit;

    /**
     * @param engagement the table to give events their points again; null keeps the stored points
     * @param memoLimit  how many evaluations to remember by their inputs (0: none). A table version is a pure
     *                   function of its inputs, so a lead scored again on each of its events, or a backtest over many
     *                   leads with few distinct values, need not evaluate the same inputs twice. Past the limit the
     *                   memo starts afresh, so memory stays bounded.
     * @param memoiseMql also remember MQL decisions by fit and engagement score: worth it over many leads (a
     *                   backtest), not for one lead whose engagement changes with every event and every hour
     */
    Scorer(Decision fit, Decision engagement, Decision mql, Duration halfLife, int memoLimit, boolean memoiseMql) {
        this.fit = fit;
        this.engagement = engagement;
        this.mql = mql;
        this.halfLifeSeconds = halfLife.toSeconds();
        this.memoLimit = memoLimit;
        this.fitMemo = memoLimit > 0 ? new ConcurrentHashMap<>() : null;
        this.pointsMemo = memoLimit > 0 ? new ConcurrentHashMap<>() : null;
        this.mqlMemo = memoLimit > 0 && memoiseMql ? new ConcurrentHashMap<>() : null;
    }

    /** Whether this scorer evaluates exactly these table versions (the live service keeps one while they last). */
    boolean uses(Decision fit, Decision engagement, Decision mql) {
        return this.fit == fit && this.engagement == engagement && this.mql == mql;
    }

    Outcome score(Lead lead, List<StoredEvent> events, Instant now) {
        Map<String, Object> fitInputs = LeadAttributes.fitInputs(lead);
        Evaluation fitEval = fitMemo == null ? fit.evaluate(fitInputs) : memoised(fitMemo, fitInputs, fit::evaluate);
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
        Evaluation mqlEval = mqlMemo == null ? mql.evaluate(in) : memoised(mqlMemo, in, mql::evaluate);
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
        StoredEvent template = memoised(pointsMemo, e.type() + '\n' + e.url(), k -> points(e.type(), e.url(), null));
        return new StoredEvent(e.type(), e.url(), e.occurredAt(), template.points(), template.ruleId(),
                template.version());
    }

    private <K, V> V memoised(Map<K, V> memo, K key, Function<K, V> evaluation) {
        V known = memo.get(key);
        if (known != null) {
            return known;
        }
        if (memo.size() >= memoLimit) {
            memo.clear();
        }
        return memo.computeIfAbsent(key, evaluation);
    }
}
