package io.leadflow.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.scoring.ScoringService;
import io.leadflow.support.WebappSession;

/**
 * M14: the two workspace pages as a signed-in marketer meets them, over HTTP, warm, on M9's year of history (1M leads
 * and 20M events at full size): the leads list filtered on a stage and sorted by last activity (M14L), the same sorted
 * by score (M14S), a search on a part of a company name (M14Q), page 20 of M14L through the cursor (M14P), and the
 * timeline of a lead with 200 events, its emails, score changes, stage history and running journeys (M14T).
 *
 * <p>Each request is timed beside its raw baseline, alternating so both see the same machine: the equivalent plain SQL
 * over JDBC on the same database and indexes, rows read and nothing else (no join of the nurture track, no JSON, no
 * HTTP, no security), which is the least the page can cost; page 20's keyset is written as by hand
 * ({@code value < ? or (value = ? and id < ?)}). The goal is on the p95 of what the marketer waits for, signed in
 * (a session cookie); the same list with HTTP Basic at every request, as an integrator calls it, is printed beside.
 */
final class WorkspaceBench {

    private static final int WARM = 20;
    private static final double GOAL_MS = 200;
    private static final int PAGE = 20;
    private static final int EVENTS = 200;
    /** {@code LeadFilter.SEARCHED} without the table's alias: what the search looks for {@code q} in. */
    private static final String SEARCHED = "lower(coalesce(email, '') || ' ' || coalesce(first_name, '') || ' '"
            + " || coalesce(last_name, '') || ' ' || coalesce(company, ''))";
    private static final String COLUMNS = "id, email, first_name, last_name, company, stage, consent, grade, fit_score,"
            + " engagement_score, team, owner, created_at, updated_at";

    private WorkspaceBench() {
    }

    static List<Metric> run(BenchApp app, int leads, int requests) throws Exception {
        if (app.count("select count(*) from leads where id = 'an-00000001'") == 0) {
            System.out.printf("bench: M14 writes M9's year of history (%,d leads, %,d events)…%n", leads, 20L * leads);
            BenchData.analyticsHistory(app.jdbc(), leads, Instant.now());
            app.jdbc().execute("vacuum analyze");
        }
        long stored = app.count("select count(*) from leads");
        long events = app.count("select count(*) from engagement_events");
        String leadId = leadWithHistory(app);
        app.jdbc().execute("analyze");
        System.out.printf("bench: M14 workspace pages over %,d leads and %,d events, %d requests each after %d warm%n",
                stored, events, requests, WARM);

        String base = "http://127.0.0.1:" + app.ctx().getEnvironment().getProperty("local.server.port");
        Http http = Http.signedIn(base);
        String size = (stored >= 1_000_000 ? stored / 1_000_000 + "M" : stored / 1000 + "k") + " leads";
        List<Metric> metrics = new ArrayList<>();

        String list = "/api/leads/search?stage=NURTURE&sort=activity&limit=50";
        metrics.add(measure("M14L", "leads list stage=NURTURE sort=activity", size, requests, () -> http.get(list),
                () -> app.jdbc().queryForList("select " + COLUMNS + " from leads where stage = ? and erased_at is null"
                        + " order by updated_at desc, id desc limit 51", "NURTURE")));

        String byScore = "/api/leads/search?stage=NURTURE&sort=score&limit=50";
        metrics.add(measure("M14S", "leads list stage=NURTURE sort=score", size, requests, () -> http.get(byScore),
                () -> app.jdbc().queryForList("select " + COLUMNS + " from leads where stage = ? and erased_at is null"
                        + " order by coalesce(fit_score, 0) + coalesce(engagement_score, 0) desc, id desc limit 51",
                        "NURTURE")));

        // a part of a company's name, as typed: five letters from the middle of one, lower case
        String company = app.jdbc().queryForObject("select company from leads where id = 'an-00000042'", String.class);
        String q = company.substring(2, 7).toLowerCase(java.util.Locale.ROOT);
        String like = "%" + q + "%";
        long matches = app.count("select count(*) from leads where erased_at is null and " + SEARCHED + " like ?",
                like);
        String search = "/api/leads/search?q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + "&limit=50";
        metrics.add(measure("M14Q", "search q=" + q + " (" + matches + " leads match) sort=activity", size, requests,
                () -> http.get(search),
                () -> app.jdbc().queryForList("select " + COLUMNS + " from leads where erased_at is null and "
                        + SEARCHED + " like ? order by updated_at desc, id desc limit 51", like)));
        // for scale: the same search as four LIKEs, one a column, which no index serves (the SQL before V27)
        List<Double> fourLikes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fourLikes.add(millis(() -> app.jdbc().queryForList("select " + COLUMNS + " from leads"
                    + " where erased_at is null and (email like ? or lower(first_name) like ? or lower(last_name) like ?"
                    + " or lower(company) like ?) order by updated_at desc, id desc limit 51", like, like, like, like)));
        }
        System.out.printf(java.util.Locale.ROOT, "bench: M14Q the same search as four plain LIKEs (no index): median"
                + " %.1f ms of 3%n", BenchApp.percentile(fourLikes, 50));

        // page 20: Leadflow's cursor after 19 pages, the raw side's own keyset after as many
        String after = null;
        for (int i = 1; i < PAGE; i++) {
            after = http.json(list + (after == null ? "" : "&after=" + after)).path("next").asText();
        }
        String page20 = list + "&after=" + after;
        Object[] key = null;
        for (int i = 1; i < PAGE; i++) {
            List<Map<String, Object>> rows = key == null
                    ? app.jdbc().queryForList("select id, updated_at from leads where stage = ? and erased_at is null"
                            + " order by updated_at desc, id desc limit 50", "NURTURE")
                    : app.jdbc().queryForList("select id, updated_at from leads where stage = ? and erased_at is null"
                            + " and (updated_at < ? or (updated_at = ? and id < ?)) order by updated_at desc, id desc"
                            + " limit 50", "NURTURE", key[0], key[0], key[1]);
            Map<String, Object> last = rows.get(rows.size() - 1);
            key = new Object[] {last.get("updated_at"), last.get("id")};
        }
        Object[] k = key;
        metrics.add(measure("M14P", "leads list stage=NURTURE sort=activity, page " + PAGE + " by cursor", size,
                requests, () -> http.get(page20),
                () -> app.jdbc().queryForList("select " + COLUMNS + " from leads where stage = ? and erased_at is null"
                        + " and (updated_at < ? or (updated_at = ? and id < ?)) order by updated_at desc, id desc"
                        + " limit 51", "NURTURE", k[0], k[0], k[1])));

        // an integrator's call instead of a signed-in page: HTTP Basic, so the password is checked at every request
        Http basic = Http.basic(base);
        List<Double> basicMs = new ArrayList<>();
        for (int i = 0; i < WARM + 50; i++) {
            double ms = millis(() -> basic.get(list));
            if (i >= WARM) {
                basicMs.add(ms);
            }
        }
        System.out.printf(java.util.Locale.ROOT, "bench: M14L the same list with HTTP Basic at every request instead of"
                + " a session: p50 %.1f ms, p95 %.1f ms (50 requests)%n", BenchApp.percentile(basicMs, 50),
                BenchApp.percentile(basicMs, 95));

        JsonNode timeline = http.json("/api/leads/" + leadId + "/timeline");
        System.out.printf("bench: M14T lead %s: %d timeline entries, %d score points, %d journeys %s%n", leadId,
                timeline.path("entries").size(), timeline.path("scores").size(), timeline.path("journeys").size(),
                timeline.path("journeys").findValuesAsText("journey"));
        metrics.add(measure("M14T", "timeline of a lead with " + EVENTS + " events", size, requests,
                () -> http.get("/api/leads/" + leadId + "/timeline"), () -> timelineQueries(app, leadId)));
        return metrics;
    }

    /**
     * A lead as a year of marketing leaves one: captured by the form, confirmed by its link (so its journeys run in the
     * engine, business key = lead id), {@value #EVENTS} events recorded by scoring over half a year (which makes it an
     * MQL and hands it to sales), and the nurture emails and score changes such a year would add.
     */
    private static String leadWithHistory(BenchApp app) throws Exception {
        String leadId = app.confirmedLead("m14-" + app.run() + "@bench-corp.io");
        BenchApp.require("M14 lead in nurture", () -> app.count("""
                select count(*) from email_outbox where lead_id = ? and purpose = 'welcome' and status = 'SENT'""",
                leadId) == 1, Duration.ofMinutes(1));
        ScoringService scoring = app.bean(ScoringService.class);
        String[] types = {"PAGE_VIEW", "EMAIL_OPENED", "PAGE_VIEW", "EMAIL_CLICKED", "PRICING_PAGE_VIEW",
            "CONTENT_DOWNLOADED", "PAGE_VIEW", "WEBINAR_ATTENDED"};
        Instant now = Instant.now();
        long missing = EVENTS - app.count("select count(*) from engagement_events where lead_id = ?", leadId);
        for (int i = 0; i < missing; i++) {
            scoring.record(new ScoringService.EventRequest(leadId, null, types[i % types.length],
                    "https://bench.example/page/" + i % 30, now.minus(Duration.ofHours(21L * (missing - i))).toString()));
        }
        // what half a year of nurture adds beside the events: its emails, and a score change at each grade it crossed
        String[] templates = {"nurture-value", "nurture-tips", "nurture-case-study", "re-engagement", "nurture-value-2",
            "nurture-tips-2"};
        for (int i = 0; i < templates.length; i++) {
            Timestamp at = Timestamp.from(now.minus(Duration.ofDays(150 - 25L * i)));
            app.jdbc().update("""
                    insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at,
                                              created_at, sent_at, clicks, changed_at)
                    values (?, ?, ?, ?, 'SENT', 1, ?, ?, ?, ?, ?)""", UUID.randomUUID().toString(), leadId, templates[i],
                    templates[i].replace("-2", ""), at, at, at, i % 3, at);
        }
        long scoreChanges = app.count("select count(*) from score_changes where lead_id = ?", leadId);
        for (long i = scoreChanges; i < 20; i++) {
            app.jdbc().update("""
                    insert into score_changes (id, lead_id, changed_at, cause, fit, engagement, grade, mql, reason,
                                               fit_version, mql_version)
                    values (?, ?, ?, 'EVENT', 40, ?, ?, false, 'bench', 1, 1)""", UUID.randomUUID().toString(), leadId,
                    Timestamp.from(now.minus(Duration.ofDays(180 - 8 * i))), 2.5 * i, i < 10 ? "C" : "B");
        }
        BenchApp.require("the M14 lead's journeys quiet", app::quiet, Duration.ofMinutes(2));
        System.out.printf("bench: M14T lead %s: %d events, %d emails, %d score changes, %d stages, %d handoffs, "
                + "%d running process instances (business key = lead id), stage %s%n", leadId,
                app.count("select count(*) from engagement_events where lead_id = ?", leadId),
                app.count("select count(*) from email_outbox where lead_id = ?", leadId),
                app.count("select count(*) from score_changes where lead_id = ?", leadId),
                app.count("select count(*) from stage_history where lead_id = ?", leadId),
                app.count("select count(*) from handoffs where lead_id = ?", leadId),
                app.count("select count(*) from act_ru_execution where business_key_ = ? and parent_id_ is null",
                        leadId),
                app.jdbc().queryForObject("select stage from leads where id = ?", String.class, leadId));
        return leadId;
    }

    /** The plain queries a timeline runs: our tables by lead id, then the engine's instances by business key. */
    private static void timelineQueries(BenchApp app, String leadId) {
        var jdbc = app.jdbc();
        jdbc.queryForList("select * from leads where id = ?", leadId);
        jdbc.queryForList("select * from consent_ledger where lead_id = ? order by seq", leadId);
        jdbc.queryForList("""
                select template, template_version, purpose, status, attempts, last_error, created_at, sent_at, clicks,
                       bounced_at, complained_at, unsubscribed_at
                  from email_outbox where lead_id = ? and to_address is null order by created_at""", leadId);
        jdbc.queryForList("""
                select type, url, occurred_at, points, rule_id, decision_version from engagement_events
                 where lead_id = ? and scored = true order by occurred_at""", leadId);
        jdbc.queryForList("select type, url, occurred_at from engagement_events where lead_id = ? and scored = false",
                leadId);
        jdbc.queryForList("select kind, status_code, received_at from email_bounces where lead_id = ?", leadId);
        jdbc.queryForList("""
                select changed_at, cause, fit, engagement, grade, mql, reason, fit_version, mql_version
                  from score_changes where lead_id = ? order by changed_at""", leadId);
        jdbc.queryForList("select stage, entered_at from stage_history where lead_id = ? order by entered_at", leadId);
        jdbc.queryForList("select * from handoffs where lead_id = ? order by created_at desc", leadId);
        jdbc.queryForList("select * from crm_failures where lead_id = ?", leadId);
        jdbc.queryForList("select track from nurture_status where lead_id = ?", leadId);
        jdbc.queryForList("select * from act_ru_execution where business_key_ = ? and parent_id_ is null", leadId);
        jdbc.queryForList("select * from act_hi_procinst where business_key_ = ? and end_time_ is null", leadId);
        jdbc.queryForList("""
                select e.act_id_ from act_ru_execution e join act_ru_execution p on p.id_ = e.proc_inst_id_
                 where p.business_key_ = ? and e.is_active_ and e.act_id_ is not null""", leadId);
    }

    /**
     * Times {@code requests} calls of each side, alternating, after {@value #WARM} warm calls of each (JIT, pool,
     * PostgreSQL's buffers), and answers the metric on the p95.
     */
    private static Metric measure(String id, String what, String size, int requests, Runnable leadflow, Runnable raw) {
        List<Double> leadflowMs = new ArrayList<>();
        List<Double> rawMs = new ArrayList<>();
        for (int i = 0; i < WARM + requests; i++) {
            double lf = millis(leadflow);
            double r = millis(raw);
            if (i >= WARM) {
                leadflowMs.add(lf);
                rawMs.add(r);
            }
        }
        double p50 = BenchApp.percentile(leadflowMs, 50);
        double p95 = BenchApp.percentile(leadflowMs, 95);
        double rawP50 = BenchApp.percentile(rawMs, 50);
        double rawP95 = BenchApp.percentile(rawMs, 95);
        System.out.printf(java.util.Locale.ROOT, "bench: %s %s: p50 %.1f ms, p95 %.1f ms, max %.1f; raw SQL p50 %.1f ms,"
                + " p95 %.1f ms; Leadflow p95 = %.1f × raw%n", id, what, p50, p95, BenchApp.percentile(leadflowMs, 100),
                rawP50, rawP95, p95 / rawP95);
        // as M2: raw ÷ Leadflow, the share of the plain query's speed the page keeps
        return new Metric(id, p95, "ms", rawP95, rawP95 / p95, "p95<=200ms at " + size + " (p50 " + Metric.fmt(p50)
                + " ms, raw p50 " + Metric.fmt(rawP50) + " ms)", p95 <= GOAL_MS);
    }

    private static double millis(Runnable op) {
        long started = System.nanoTime();
        op.run();
        return (System.nanoTime() - started) / 1e6;
    }

    /**
     * A client of the API: a marketer's browser signed in through the login form (its session cookie, as the pages'
     * own requests carry it), or an integrator sending HTTP Basic at every request (null auth: the session).
     */
    private record Http(HttpClient client, String base, String auth, ObjectMapper json) {

        static Http signedIn(String base) throws Exception {
            return new Http(WebappSession.signIn(base, "demo").http(), base, null, new ObjectMapper());
        }

        static Http basic(String base) {
            return new Http(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), base,
                    "Basic " + Base64.getEncoder().encodeToString("demo:demo".getBytes(StandardCharsets.UTF_8)),
                    new ObjectMapper());
        }

        String get(String path) {
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                        .header("Accept", "application/json");
                if (auth != null) {
                    request.header("Authorization", auth);
                }
                HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException(path + " answered " + response.statusCode() + ": "
                            + response.body());
                }
                return response.body();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        JsonNode json(String path) {
            try {
                return json.readTree(get(path));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
