package io.leadflow.bench;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.camunda.bpm.engine.impl.util.ClockUtil;

import io.leadflow.scoring.ScoringService;

/**
 * M10, a marketing database as it is after months: most of its leads waiting in nurture, each a process instance
 * waiting at an event-based gateway for engagement or its next timer. The bench makes one such lead for real (captured,
 * confirmed, welcomed, past its first wait, its value email sent) and one raw instance of the same shape
 * ({@code raw-waiting-nurture}), then copies both in SQL ({@link JourneyCloner}). It measures three things, first on
 * the database as it is, then again once {@code waiting} copies of each wait beside them:
 * <ul>
 * <li>M10S, bytes on disk one waiting journey costs (our tables, engine runtime and history, indexes included);</li>
 * <li>M10L, the lateness of {@code burst} timers falling due at once (the engine's clock moved to their due date,
 * as M4 does), p99 from the engine's history;</li>
 * <li>M10C, an engagement event recorded for one waiting lead and correlated to its journey (raw: the message
 * correlated by business key), p95 over {@code correlations} leads.</li>
 * </ul>
 */
final class WaitingJourneysBench {

    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(3);
    private static final int CHUNK = 10_000;

    private WaitingJourneysBench() {
    }

    /** What one side measured on one database. */
    record Phase(double lateP50, double lateP99, int fired, double correlateP50, double correlateP95) {
    }

    /** One side's template and what to call its copies. */
    private record Side(String label, JourneyCloner cloner, String waitingInstance, String timerActivity,
            String key) {
    }

    static List<Metric> run(BenchApp app, int waiting, int burst, int correlations) throws Exception {
        System.out.printf(Locale.ROOT, "bench: M10 waiting journeys (%,d waiting each side; %,d timers due at once,"
                + " %d correlations, on the database as it is and again beside them)…%n", waiting, burst,
                correlations);
        app.engine().getRepositoryService().createDeployment().name("bench-m10").enableDuplicateFiltering(true)
                .addClasspathResource("bench/raw-waiting-nurture.bpmn").deploy();
        Side leadflow = leadflowTemplate(app);
        Side raw = rawTemplate(app);
        System.out.println("bench: M10 one waiting lead, in rows: " + leadflow.cloner().rowsPerJourney());
        System.out.println("bench: M10 one raw waiting instance, in rows: " + raw.cloner().rowsPerJourney());
        int perPhase = burst + correlations;

        // On the database as it is.
        Map<String, Long> before = sizes(app);
        String far = farDue();
        leadflow.cloner().copy(1, perPhase, far);
        Map<String, Long> afterLeadflow = sizes(app);
        raw.cloner().copy(1, perPhase, far);
        Map<String, Long> afterRaw = sizes(app);
        app.jdbc().execute("analyze");
        Phase emptyLf = measure(app, leadflow, 1, burst, correlations);
        Phase emptyRaw = measure(app, raw, 1, burst, correlations);
        double emptyLfBytes = total(afterLeadflow) - total(before);
        double emptyRawBytes = total(afterRaw) - total(afterLeadflow);

        // Beside `waiting` journeys of each side.
        int first = perPhase + 1;
        Map<String, Long> filled0 = sizes(app);
        fill(app, leadflow, first, waiting);
        Map<String, Long> filled1 = sizes(app);
        fill(app, raw, first, waiting);
        Map<String, Long> filled2 = sizes(app);
        long analyze = System.nanoTime();
        app.jdbc().execute("analyze");
        System.out.printf(Locale.ROOT, "bench: M10 analyze after the fill: %.1f s%n", (System.nanoTime() - analyze) / 1e9);
        int next = first + waiting;
        far = farDue();
        leadflow.cloner().copy(next, next + perPhase - 1, far);
        raw.cloner().copy(next, next + perPhase - 1, far);
        Phase fullLf = measure(app, leadflow, next, burst, correlations);
        Phase fullRaw = measure(app, raw, next, burst, correlations);

        double lfBytes = (double) (total(filled1) - total(filled0)) / waiting;
        double rawBytes = (double) (total(filled2) - total(filled1)) / waiting;
        System.out.printf(Locale.ROOT, "bench: M10S bytes per waiting lead: %s; raw instance %s (%s)%n",
                kb(lfBytes), kb(rawBytes), breakdown(parts(filled0), parts(filled1), waiting));
        System.out.printf(Locale.ROOT, "bench: M10S a waiting lead, by table: %s%n", breakdown(filled0, filled1, waiting));
        System.out.printf(Locale.ROOT, "bench: M10S on the database as it was (%d each): lead %s, raw %s%n", perPhase,
                kb(emptyLfBytes / perPhase), kb(emptyRawBytes / perPhase));
        print("as it was", emptyLf, emptyRaw);
        print(String.format(Locale.ROOT, "beside %,d waiting", waiting), fullLf, fullRaw);
        System.out.printf(Locale.ROOT, "bench: M10 database now %s in all%n", mb(total(sizes(app))));

        double lateRatio = fullLf.lateP99() / emptyLf.lateP99();
        double correlateRatio = fullLf.correlateP95() / emptyLf.correlateP95();
        return List.of(
                new Metric("M10S", lfBytes / 1024, "KB", rawBytes / 1024, lfBytes / rawBytes,
                        "printed (KB on disk per waiting lead at " + waiting + "; raw instance beside; "
                                + Metric.fmt(emptyLfBytes / perPhase / 1024) + " KB on the database as it was)",
                        true),
                new Metric("M10L", fullLf.lateP99(), "s", emptyLf.lateP99(), lateRatio,
                        "ratio<=1.2 (p99 lateness of " + burst + " timers beside " + waiting + " waiting / as it was)"
                                + " and <=5s (raw " + Metric.fmt(fullRaw.lateP99()) + " s, as it was "
                                + Metric.fmt(emptyRaw.lateP99()) + " s)",
                        fullLf.fired() == burst && lateRatio <= 1.2 && fullLf.lateP99() <= 5),
                new Metric("M10C", fullLf.correlateP95(), "ms", emptyLf.correlateP95(), correlateRatio,
                        "ratio<=1.2 (p95 of an engagement event correlated beside " + waiting + " waiting / as it was)"
                                + " and <=100ms (raw " + Metric.fmt(fullRaw.correlateP95()) + " ms, as it was "
                                + Metric.fmt(emptyRaw.correlateP95()) + " ms)",
                        correlateRatio <= 1.2 && fullLf.correlateP95() <= 100));
    }

    /** A lead captured, confirmed and welcomed, its first wait passed, its value email sent: it waits for engagement. */
    private static Side leadflowTemplate(BenchApp app) throws Exception {
        String leadId = app.confirmedLead("m10-template-" + app.run() + "@bench-corp.io");
        BenchApp.require("the M10 template in nurture, welcomed", () -> timers(app, leadId).size() == 1
                && app.count("select count(*) from email_outbox where lead_id = ? and status <> 'SENT'", leadId) == 0,
                Duration.ofMinutes(1));
        // its first wait ("Wait 3 days") passed now: the next step sends the track's first email and waits
        String firstWait = timers(app, leadId).get(0);
        app.engine().getManagementService().executeJob(firstWait);
        BenchApp.require("the M10 template waiting for engagement, its email sent", () -> app.count("""
                select count(*) from act_ru_event_subscr s join act_ru_execution e on e.id_ = s.proc_inst_id_
                 where e.business_key_ = ? and s.event_name_ = 'EngagementRecorded'""", leadId) == 1
                && timers(app, leadId).size() == 1
                && app.count("select count(*) from email_outbox where lead_id = ? and status <> 'SENT'", leadId) == 0
                && app.count("select count(*) from consent_ledger_pending where lead_id = ?", leadId) == 0,
                Duration.ofMinutes(1));
        String timer = timers(app, leadId).get(0);
        Map<String, Object> job = app.jdbc().queryForMap("""
                select j.process_instance_id_ as instance, d.act_id_ as activity from act_ru_job j
                  join act_ru_jobdef d on d.id_ = j.job_def_id_ where j.id_ = ?""", timer);
        List<String> instances = app.jdbc().queryForList(
                "select id_ from act_hi_procinst where business_key_ = ?", String.class, leadId);
        JourneyCloner cloner = new JourneyCloner(app.jdbc(), leadId, instances);
        return new Side("Leadflow", cloner, (String) job.get("instance"), (String) job.get("activity"), leadId);
    }

    private static Side rawTemplate(BenchApp app) {
        String key = UUID.randomUUID().toString();
        String instance = app.engine().getRuntimeService().startProcessInstanceByKey("raw-waiting-nurture", key)
                .getId();
        return new Side("raw", new JourneyCloner(app.jdbc(), null, List.of(instance), key), instance, "Wait7Days",
                key);
    }

    /** The timers (job ids) waiting in the journeys of a business key. */
    private static List<String> timers(BenchApp app, String businessKey) {
        return app.jdbc().queryForList("""
                select j.id_ from act_ru_job j join act_hi_procinst p on p.id_ = j.process_instance_id_
                 where p.business_key_ = ? and j.type_ = 'timer'""", String.class, businessKey);
    }

    /** Copies on two connections at once (two cores: PostgreSQL spends the time in the indexes of each row). */
    private static void fill(BenchApp app, Side side, int first, int n) throws Exception {
        long t0 = System.nanoTime();
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        io.leadflow.support.Parallel.run((n + CHUNK - 1) / CHUNK, 2, chunk -> {
            int from = first + chunk * CHUNK;
            int to = Math.min(first + n - 1, from + CHUNK - 1);
            side.cloner().copy(from, to, farDue());
            int done = written.addAndGet(to - from + 1);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (done == n || done % (CHUNK * 10) == 0) {
                System.out.printf(Locale.ROOT, "bench: M10 %s: %,d of %,d waiting journeys written (%.0f s, %.0f/s)%n",
                        side.label(), done, n, seconds, done / seconds);
            }
        });
    }

    /** Copies [first, first + burst) fall due together; the next {@code correlations} copies get a message each. */
    private static Phase measure(BenchApp app, Side side, int first, int burst, int correlations) {
        // correlations first: the burst's emails and jobs would otherwise run beside them
        List<Double> ms = new ArrayList<>();
        int warm = Math.max(5, correlations / 10);
        for (int i = 0; i < correlations; i++) {
            String key = side.cloner().idOf(side.key(), first + burst + i);
            long t0 = System.nanoTime();
            if (side.label().equals("raw")) {
                int reached = app.engine().getRuntimeService().createMessageCorrelation("RawEngaged")
                        .processInstanceBusinessKey(key).correlateAllWithResult().size();
                if (reached != 1) {
                    throw new IllegalStateException("RawEngaged reached " + reached + " instances of " + key);
                }
            } else {
                app.bean(ScoringService.class).record(new ScoringService.EventRequest(key, null, "PAGE_VIEW",
                        "https://bench.example/blog/m10", null));
            }
            if (i >= warm || correlations <= warm) {
                ms.add((System.nanoTime() - t0) / 1e6);
            }
        }
        String correlated = JourneyCloner.idsOf(side.waitingInstance(), first + burst, first + burst + correlations - 1);
        long left = app.count("select count(*) from act_ru_event_subscr where event_type_ = 'message' and proc_inst_id_ in ("
                + correlated + ") and event_name_ in ('EngagementRecorded', 'RawEngaged')");
        if (left != 0) {
            throw new IllegalStateException(left + " of " + correlations + " " + side.label()
                    + " journeys still wait for the engagement correlated to them");
        }

        Date due = new Date(ClockUtil.now().getTime() + Duration.ofHours(1).toMillis());
        String ids = JourneyCloner.idsOf(side.waitingInstance(), first, first + burst - 1);
        app.jdbc().update("update act_ru_job set duedate_ = ? where type_ = 'timer' and process_instance_id_ in (" + ids
                + ")", new Timestamp(due.getTime()));
        BenchApp.moveEngineClockTo(app, due);
        String fired = "select a.start_time_ from act_hi_actinst a where a.act_id_ = '" + side.timerActivity()
                + "' and a.proc_inst_id_ in (" + ids + ")";
        BenchApp.await(() -> app.count("select count(*) from (" + fired + ") f") >= burst, Duration.ofMillis(200),
                DRAIN_LIMIT);
        List<Double> late = app.jdbc().queryForList(fired, Timestamp.class).stream()
                .map(t -> (t.getTime() - due.getTime()) / 1000.0).toList();
        if (late.size() < burst) {
            System.out.printf("bench: M10 %s: only %d of %d timers fired within %s%n", side.label(), late.size(), burst,
                    DRAIN_LIMIT);
        }
        // the burst's steps (its emails) done before anything else is measured
        BenchApp.await(app::quiet, Duration.ofMillis(200), Duration.ofMinutes(2));
        if (!side.label().equals("raw")) {
            printTimeline(app, ids, due, side.timerActivity());
        }
        return new Phase(BenchApp.percentile(late, 50), BenchApp.percentile(late, 99), late.size(),
                BenchApp.percentile(ms, 50), BenchApp.percentile(ms, 95));
    }

    /**
     * Where the burst's time went, second by second after the due date: its timers fired, the steps after them (the
     * email jobs) run, and the emails handed to SMTP.
     */
    private static void printTimeline(BenchApp app, String ids, Date due, String timerActivity) {
        Timestamp at = new Timestamp(due.getTime());
        Map<Integer, int[]> seconds = new TreeMap<>();
        app.jdbc().query("select floor(extract(epoch from (a.start_time_ - ?)))::int, a.act_id_ = ?, count(*)"
                + " from act_hi_actinst a where a.proc_inst_id_ in (" + ids + ") and a.start_time_ >= ?"
                + " and a.act_type_ in ('intermediateTimer', 'serviceTask') group by 1, 2",
                rs -> {
                    seconds.computeIfAbsent(rs.getInt(1), k -> new int[3])[rs.getBoolean(2) ? 0 : 1] = rs.getInt(3);
                }, at, timerActivity, at);
        app.jdbc().query("select floor(extract(epoch from (o.sent_at - ?)))::int, count(*) from email_outbox o"
                + " where o.sent_at >= ? group by 1",
                rs -> {
                    seconds.computeIfAbsent(rs.getInt(1), k -> new int[3])[2] = rs.getInt(2);
                }, at, at);
        StringBuilder line = new StringBuilder();
        seconds.forEach((second, n) -> line.append(String.format(Locale.ROOT, " %d:%d/%d/%d", second, n[0], n[1],
                n[2])));
        System.out.println("bench: M10 Leadflow's burst by second after due (timers fired/email steps run/emails"
                + " sent):" + line);
    }

    /** Far enough that no copy falls due while the bench runs, spread over a month as a real database's are. */
    private static String farDue() {
        Timestamp base = new Timestamp(ClockUtil.now().getTime() + Duration.ofDays(30).toMillis());
        return "(timestamp '" + base + "' + (g % 2592000) * interval '1 second')";
    }

    private static void print(String when, Phase lf, Phase raw) {
        System.out.printf(Locale.ROOT, "bench: M10 %s: timers late p50 %.2f s, p99 %.2f s (%d fired), raw p50 %.2f s,"
                + " p99 %.2f s; engagement correlated p50 %.1f ms, p95 %.1f ms, raw p50 %.1f ms, p95 %.1f ms%n", when,
                lf.lateP50(), lf.lateP99(), lf.fired(), raw.lateP50(), raw.lateP99(), lf.correlateP50(),
                lf.correlateP95(), raw.correlateP50(), raw.correlateP95());
    }

    /** Bytes on disk of each table, its indexes and TOAST included. */
    static Map<String, Long> sizes(BenchApp app) {
        Map<String, Long> sizes = new TreeMap<>();
        app.jdbc().query("""
                select c.relname, pg_total_relation_size(c.oid) from pg_class c
                  join pg_namespace n on n.oid = c.relnamespace
                 where n.nspname = current_schema() and c.relkind = 'r'""",
                rs -> {
                    sizes.put(rs.getString(1), rs.getLong(2));
                });
        return sizes;
    }

    /** The same, by owner: Leadflow's tables, the engine's runtime, history and the rest. */
    static Map<String, Long> parts(Map<String, Long> sizes) {
        Map<String, Long> parts = new TreeMap<>();
        sizes.forEach((table, bytes) -> parts.merge(table.startsWith("act_ru") ? "engine runtime"
                : table.startsWith("act_hi") ? "engine history" : table.startsWith("act_") ? "engine other"
                        : "Leadflow", bytes, Long::sum));
        return parts;
    }

    static long total(Map<String, Long> sizes) {
        return sizes.values().stream().mapToLong(Long::longValue).sum();
    }

    /** What grew between the two, per part, biggest first (parts that grew less than 100 bytes a journey left out). */
    private static String breakdown(Map<String, Long> before, Map<String, Long> after, int n) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (double) (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / n))
                .filter(e -> e.getValue() >= 100).sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + kb(e.getValue())).collect(java.util.stream.Collectors.joining(", "));
    }

    private static String kb(double bytes) {
        return String.format(Locale.ROOT, "%.1f KB", bytes / 1024);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.0f MB", bytes / 1024.0 / 1024);
    }
}
