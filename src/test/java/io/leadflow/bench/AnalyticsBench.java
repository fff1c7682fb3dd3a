package io.leadflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * M9: a marketer opening {@code /analytics} for the last 90 days over {@code n} leads and {@code 20 × n} events: the
 * page and the five JSON reports it fetches (funnel, sources, tracks, doi, emails), requested at once as a browser
 * does, warm, median of {@value #RUNS} loads. Baseline: counting the rows those reports read, with the same filters,
 * one plain {@code select count(*)} after the other over JDBC (no grouping, no distinct, nothing sent back).
 */
final class AnalyticsBench {

    private static final int RUNS = 5;
    private static final List<String> REPORTS = List.of("funnel", "sources", "tracks", "doi", "emails");

    private AnalyticsBench() {
    }

    static Metric run(BenchApp app, int leads) throws Exception {
        System.out.printf("bench: M9 analytics over %,d leads and %,d events…%n", leads, 20L * leads);
        Instant now = Instant.now();
        BenchData.analyticsHistory(app.jdbc(), leads, now);
        // what autovacuum does to a table this size soon after: statistics, and the visibility map index-only scans need
        app.jdbc().execute("vacuum analyze");
        LocalDate to = LocalDate.now(ZoneOffset.UTC);
        LocalDate from = to.minusDays(89);
        String range = "?from=" + from + "&to=" + to;
        String base = "http://127.0.0.1:" + app.ctx().getEnvironment().getProperty("local.server.port");
        HttpClient http = HttpClient.newHttpClient();
        String auth = "Basic " + Base64.getEncoder().encodeToString("demo:demo".getBytes(StandardCharsets.UTF_8));

        // warm: JIT, connection pool, PostgreSQL's buffers; the first report also builds the email report's rollup
        System.out.printf("bench: M9 first page load (builds the email rollup) %.0f ms%n",
                pageLoad(http, base, range, auth));
        List<Double> loads = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            loads.add(pageLoad(http, base, range, auth));
        }
        for (String report : REPORTS) {
            List<Double> alone = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long started = System.nanoTime();
                fetch(http, base + "/api/analytics/" + report + range, auth).join();
                alone.add((System.nanoTime() - started) / 1e6);
            }
            System.out.printf("bench: M9 %s alone %.0f ms%n", report, BenchApp.percentile(alone, 50));
        }
        Timestamp start = Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant());
        Timestamp end = Timestamp.from(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        countRows(app, start, end);
        List<Double> counts = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long started = System.nanoTime();
            countRows(app, start, end);
            counts.add((System.nanoTime() - started) / 1e6);
        }
        double pageMillis = BenchApp.percentile(loads, 50);
        double countMillis = BenchApp.percentile(counts, 50);
        System.out.printf("bench: M9 page load median %.0f ms (runs %s), plain counts %.0f ms%n", pageMillis, loads,
                countMillis);
        return new Metric("M9", pageMillis / 1000, "s", countMillis / 1000, countMillis / pageMillis,
                "<1s for " + (leads / 1000) + "k leads 90 days", pageMillis < 1000);
    }

    /** Milliseconds until the page and every report it reads have arrived, all requested at once. */
    private static double pageLoad(HttpClient http, String base, String range, String auth) {
        long started = System.nanoTime();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        all.add(fetch(http, base + "/analytics" + range, auth));
        REPORTS.forEach(r -> all.add(fetch(http, base + "/api/analytics/" + r + range, auth)));
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        return (System.nanoTime() - started) / 1e6;
    }

    private static CompletableFuture<Void> fetch(HttpClient http, String url, String auth) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth).build(),
                HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
                    }
                });
    }

    /** The rows the reports read, counted with their filters. */
    private static void countRows(BenchApp app, Timestamp start, Timestamp end) {
        String cohort = " l.created_at >= ? and l.created_at < ?";
        app.count("select count(*) from leads l where" + cohort, start, end);
        app.count("select count(*) from stage_history where stage = 'MQL' and entered_at >= ? and entered_at < ?",
                start, end);
        app.count("select count(*) from nurture_status n join leads l on l.id = n.lead_id where" + cohort, start, end);
        app.count("select count(*) from email_report_days where created_on >= ? and created_on < ?",
                start.toInstant().atZone(ZoneOffset.UTC).toLocalDate(), end.toInstant().atZone(ZoneOffset.UTC).toLocalDate());
        app.count("""
                select count(*) from engagement_events where type in ('EMAIL_CLICKED', 'EMAIL_OPENED')
                   and occurred_at >= ? and occurred_at < ?""", start, end);
        app.count("select count(*) from consent_ledger where event = 'UNSUBSCRIBED' and occurred_at >= ? and occurred_at < ?",
                start, end);
        app.count("select count(*) from leads where suppressed_at >= ? and suppressed_at < ?", start, end);
        app.count("select count(*) from nurture_status where sunset_at >= ? and sunset_at < ?", start, end);
    }
}
