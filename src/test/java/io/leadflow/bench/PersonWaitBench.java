package io.leadflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * M12, the person's wait: at a steady rate of captures (open loop: each request leaves at its planned instant
 * whatever the others do, and its wait counts from that instant, so a stall is not hidden by clients that wait), the
 * time from the form's POST to the SMTP server accepting her confirmation email ({@code sent_at}, written when the
 * server answered). Baseline at the same rate: the raw engine's start of a start → async task → message wait instance
 * to its wait ({@code act_ru_event_subscr.created_}), the shape the double opt-in has up to its email.
 */
final class PersonWaitBench {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private PersonWaitBench() {
    }

    /** The waits (ms, sorted) of Leadflow's captures and of the raw engine's starts at one rate. */
    private record Waits(int rate, double[] leadflow, double[] raw) {

        double p(int percentile) {
            return percentile(leadflow, percentile);
        }

        double rawP(int percentile) {
            return percentile(raw, percentile);
        }
    }

    /**
     * At the goal's rate, and at half of it: a rate past what the node carries makes a queue that only grows, so the
     * half rate says what the wait is below saturation.
     */
    static Metric run(BenchApp app, int rate, int seconds) throws Exception {
        System.out.printf(Locale.ROOT, "bench: M12 the person's wait at %d captures/s for %d s, and at %d for %d s"
                + " (open loop)…%n", rate, seconds, Math.max(1, rate / 2), Math.max(1, seconds / 2));
        String base = "http://127.0.0.1:" + app.ctx().getEnvironment().getProperty("local.server.port");
        String run = "m12-" + app.run();
        // warm: the paths compiled, the tables analysed
        openLoop(Math.max(1, rate / 2), rate * 5, i -> capture(base, run + "w" + i));
        // the raw side has little to compile: a second of it is warm
        openLoop(Math.max(1, rate / 2), Math.max(1, rate / 2), i -> app.engine().getRuntimeService()
                .startProcessInstanceByKey("raw-start-to-wait", run + "-rawwarm-" + i));
        app.jdbc().execute("analyze");
        // half the rate for half the time: the figure the goal reads is the full rate's
        Waits half = measure(app, base, run + "h", Math.max(1, rate / 2), Math.max(1, seconds / 2));
        Waits full = measure(app, base, run + "f", rate, seconds);
        for (Waits w : List.of(half, full)) {
            System.out.printf(Locale.ROOT, "bench: M12 at %d/s: form POST → SMTP accepted p50 %.0f ms, p99 %.0f ms,"
                    + " max %.0f ms; raw start → wait p50 %.0f ms, p99 %.0f ms%n", w.rate(), w.p(50), w.p(99),
                    w.leadflow()[w.leadflow().length - 1], w.rawP(50), w.rawP(99));
        }
        return new Metric("M12", full.p(99), "ms", full.rawP(99), full.rawP(99) / full.p(99),
                "p99<=1000ms at " + rate + "/s", full.p(99) <= 1000);
    }

    private static Waits measure(BenchApp app, String base, String run, int rate, int seconds) throws Exception {
        int n = rate * seconds;
        Map<Integer, Long> planned = openLoop(rate, n, i -> capture(base, run + "-" + i));
        double[] waits = awaitAndMeasure(app, n, planned, """
                select l.email, o.sent_at from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.purpose = 'doi-confirmation' and o.status = 'SENT'""",
                run + "-%@bench-corp.io", email -> Integer.parseInt(email.substring(run.length() + 1,
                        email.indexOf('@'))));
        Map<Integer, Long> rawPlanned = openLoop(rate, n, i -> app.engine().getRuntimeService()
                .startProcessInstanceByKey("raw-start-to-wait", run + "-raw-" + i));
        double[] rawWaits = awaitAndMeasure(app, n, rawPlanned, """
                select e.business_key_, s.created_ from act_ru_event_subscr s
                  join act_ru_execution e on e.id_ = s.proc_inst_id_
                 where e.business_key_ like ? and s.event_name_ = 'RawConfirmed'""", run + "-raw-%",
                key -> Integer.parseInt(key.substring((run + "-raw-").length())));
        return new Waits(rate, waits, rawWaits);
    }

    private static void capture(String base, String local) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/forms/newsletter"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"email":"%s@bench-corp.io","firstName":"Jane","company":"Bench Corp","jobTitle":"VP Marketing",\
                        "country":"FR","companySize":"1200"}""".formatted(local))).build();
        try {
            HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 202) {
                throw new IllegalStateException("capture answered " + answer.statusCode() + ": " + answer.body());
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fires {@code n} operations at {@code rate} a second, each at its planned instant; answers those instants. */
    static Map<Integer, Long> openLoop(int rate, int n, java.util.function.IntConsumer operation)
            throws Exception {
        Map<Integer, Long> planned = new ConcurrentHashMap<>();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        // enough workers that a slow answer never holds back the next request
        ExecutorService workers = Executors.newFixedThreadPool(64);
        AtomicInteger failed = new AtomicInteger();
        long start = System.currentTimeMillis() + 200;
        long intervalMicros = 1_000_000L / rate;
        try {
            for (int i = 0; i < n; i++) {
                int index = i;
                long at = start + i * intervalMicros / 1000;
                clock.schedule(() -> workers.execute(() -> {
                    planned.put(index, at);
                    try {
                        operation.accept(index);
                    } catch (RuntimeException e) {
                        if (failed.incrementAndGet() == 1) {
                            System.out.println("bench: M12 a request failed: " + e.getMessage());
                        }
                    }
                }), at - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
            }
            clock.shutdown();
            clock.awaitTermination(n / rate + 60L, TimeUnit.SECONDS);
            workers.shutdown();
            workers.awaitTermination(120, TimeUnit.SECONDS);
        } finally {
            clock.shutdownNow();
            workers.shutdownNow();
        }
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + n + " requests failed");
        }
        return planned;
    }

    /** Waits until every planned operation reached its end, and answers the waits in ms, sorted. */
    private static double[] awaitAndMeasure(BenchApp app, int n, Map<Integer, Long> planned, String sql,
            String like, java.util.function.Function<String, Integer> indexOf) throws InterruptedException {
        Map<Integer, Double> waits = awaitEnds(app.jdbc(), n, planned, sql, like, indexOf);
        if (waits.size() < n) {
            throw new IllegalStateException("only " + waits.size() + " of " + n + " reached their end in 3 minutes");
        }
        return sorted(waits.values().stream());
    }

    /**
     * Polls {@code sql} (rows of a key and an end instant) until {@code n} operations reached their end, three minutes
     * at most; answers the wait in ms of each that did, by its index.
     */
    static Map<Integer, Double> awaitEnds(org.springframework.jdbc.core.JdbcTemplate jdbc, int n,
            Map<Integer, Long> planned, String sql, String like, java.util.function.Function<String, Integer> indexOf)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Map<Integer, Double> waits = new java.util.HashMap<>();
        while (System.nanoTime() < deadline) {
            waits.clear();
            jdbc.query(sql, rs -> {
                int index = indexOf.apply(rs.getString(1));
                waits.put(index, (double) (rs.getTimestamp(2).getTime() - planned.get(index)));
            }, like);
            if (waits.size() >= n) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        return waits;
    }

    static double[] sorted(java.util.stream.Stream<Double> waits) {
        return waits.mapToDouble(Double::doubleValue).sorted().toArray();
    }

    static double percentile(double[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
