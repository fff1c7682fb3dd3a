package io.leadflow.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.dmn.engine.DmnDecision;
import org.camunda.bpm.dmn.engine.DmnEngine;
import org.camunda.bpm.dmn.engine.DmnEngineConfiguration;
import org.camunda.bpm.engine.variable.Variables;

import io.leadflow.scoring.Backtests;
import io.leadflow.scoring.LeadAttributes;

/**
 * M7: seconds for a marketer's backtest of a candidate {@code mql-decision} (engagement threshold 30 → 25) over
 * {@code n} stored confirmed leads with three events each, against the naive same computation: the same pages of
 * leads and events read with plain JDBC, every event's points, every lead's fit and both MQL tables evaluated as pure
 * DMN, nothing remembered between leads.
 */
final class BacktestBench {

    private static final Duration LIMIT = Duration.ofMinutes(3);

    private BacktestBench() {
    }

    static Metric run(BenchApp app, int n) throws Exception {
        System.out.printf("bench: M7 backtest over %,d leads…%n", n);
        BenchData.confirmedLeads(app.jdbc(), "bt", n, 3);
        app.jdbc().execute("analyze");
        String current = Files.readString(Path.of("dmn/mql-decision.dmn"));
        String candidate = current.replaceFirst("&gt;= 30", "&gt;= 25");
        if (candidate.equals(current)) {
            throw new IllegalStateException("dmn/mql-decision.dmn has no '>= 30' threshold left to move: adapt M7");
        }

        Backtests backtests = app.bean(Backtests.class);
        long started = System.nanoTime();
        Backtests.Run run = backtests.start(new Backtests.Request(candidate, null, null));
        long deadline = started + LIMIT.toNanos();
        while (run.status() != Backtests.Status.DONE && System.nanoTime() < deadline) {
            if (run.status() == Backtests.Status.FAILED) {
                throw new IllegalStateException("The backtest failed: " + run.error());
            }
            Thread.sleep(50);
            run = backtests.find(run.id()).orElseThrow();
        }
        double leadflowSeconds = (System.nanoTime() - started) / 1e9;
        if (run.status() != Backtests.Status.DONE) {
            throw new IllegalStateException("The backtest did not finish within " + LIMIT);
        }
        Backtests.Result result = run.result();
        System.out.printf("bench: M7 %,d leads: MQL %,d now, %,d with the candidate (%,d become MQL)%n",
                result.leads(), result.mqlNow(), result.mqlCandidate(), result.becomeMql());

        long rawStarted = System.nanoTime();
        long[] rawCounts = naiveBacktest(app, current, candidate);
        double rawSeconds = (System.nanoTime() - rawStarted) / 1e9;
        if (rawCounts[0] != result.leads() || rawCounts[1] != result.mqlNow() || rawCounts[2] != result.mqlCandidate()) {
            throw new IllegalStateException("The naive backtest counts leads/MQL now/MQL candidate %d/%d/%d, Leadflow %d/%d/%d"
                    .formatted(rawCounts[0], rawCounts[1], rawCounts[2], result.leads(), result.mqlNow(),
                            result.mqlCandidate()));
        }
        double ratio = rawSeconds / leadflowSeconds;
        // the goal is 10 s for 100,000 leads; a backtest reads and scores each lead once, so it scales with them
        double goal = 10.0 * n / 100_000;
        return new Metric("M7", leadflowSeconds, "s", rawSeconds, ratio,
                "<=%.1fs for %dk leads (10 s per 100k)".formatted(goal, n / 1000), leadflowSeconds <= goal);
    }

    /** The backtest without Leadflow: leads {@code [count, mql now, mql candidate]}. */
    private static long[] naiveBacktest(BenchApp app, String currentXml, String candidateXml) {
        DmnEngine dmn = DmnEngineConfiguration.createDefaultDmnEngineConfiguration().buildEngine();
        DmnDecision fit = dmn.parseDecision("lead-fit-score", BenchData.stream(Path.of("dmn/lead-fit-score.dmn")));
        DmnDecision eventPointsTable = dmn.parseDecision("engagement-points",
                BenchData.stream(Path.of("dmn/engagement-points.dmn")));
        DmnDecision mqlNow = dmn.parseDecision("mql-decision", BenchData.stream(currentXml));
        DmnDecision mqlCandidate = dmn.parseDecision("mql-decision", BenchData.stream(candidateXml));
        double halfLifeSeconds = Duration.ofDays(30).toSeconds();
        Instant now = Instant.now();
        long[] counts = new long[3];
        String after = "";
        while (true) {
            List<Map<String, Object>> page = app.jdbc().queryForList("""
                    select id, email, job_title, industry, company_size, country from leads
                     where consent = 'CONFIRMED' and erased_at is null and id > ? order by id fetch first 500 rows only""",
                    after);
            if (page.isEmpty()) {
                return counts;
            }
            List<String> ids = page.stream().map(r -> (String) r.get("id")).toList();
            Map<String, Double> engagement = new HashMap<>();
            app.jdbc().query("select lead_id, occurred_at, type, url from engagement_events where scored = true and lead_id in ("
                    + String.join(",", java.util.Collections.nCopies(ids.size(), "?")) + ")", rs -> {
                        Map<String, Object> event = new HashMap<>();
                        event.put("eventType", rs.getString(3));
                        event.put("url", rs.getString(4));
                        var rule = dmn.evaluateDecisionTable(eventPointsTable, Variables.fromMap(event)).getFirstResult();
                        Object given = rule == null ? null : rule.get("points");
                        double age = Math.max(0, Duration.between(rs.getTimestamp(2).toInstant(), now).toSeconds());
                        int eventPoints = given instanceof Number p ? p.intValue() : 0;
                        engagement.merge(rs.getString(1), eventPoints * Math.pow(0.5, age / halfLifeSeconds),
                                Double::sum);
                    }, ids.toArray());
            for (Map<String, Object> lead : page) {
                Map<String, Object> in = new HashMap<>();
                String title = (String) lead.get("job_title");
                String email = (String) lead.get("email");
                in.put("seniority", LeadAttributes.seniority(title));
                in.put("companySize", lead.get("company_size"));
                in.put("industry", lead.get("industry"));
                in.put("country", lead.get("country"));
                in.put("emailDomainType", LeadAttributes.emailDomainType(email.substring(email.indexOf('@') + 1)));
                Object points = dmn.evaluateDecision(fit, Variables.fromMap(in)).getSingleEntry();
                Map<String, Object> score = new HashMap<>();
                score.put("fitScore", points == null ? 0 : ((Number) points).intValue());
                score.put("engagementScore",
                        Math.round(engagement.getOrDefault((String) lead.get("id"), 0.0) * 100) / 100.0);
                counts[0]++;
                counts[1] += mql(dmn, mqlNow, score) ? 1 : 0;
                counts[2] += mql(dmn, mqlCandidate, score) ? 1 : 0;
            }
            after = ids.get(ids.size() - 1);
        }
    }

    private static boolean mql(DmnEngine dmn, DmnDecision table, Map<String, Object> score) {
        var result = dmn.evaluateDecisionTable(table, Variables.fromMap(new HashMap<>(score))).getFirstResult();
        return result != null && Boolean.TRUE.equals(result.get("mql"));
    }
}
