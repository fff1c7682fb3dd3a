package io.leadflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import bench.stock.StockCamundaNode;
import io.leadflow.support.NodeProcess;

/**
 * The baselines a user would pick instead of Leadflow: a stock Camunda 7.24 Spring Boot node, a JVM of its own with the
 * starter's defaults (history {@code full}, its default job executor), on a database of its own in the bench's
 * PostgreSQL (same settings), measured before the benchmarks that compare with it. M1 compares with its plain start →
 * message wait (the best of one, two and eight client threads), M4 with its drain of plain timers due at once; the
 * in-process raw figures stay beside them (M1I, M4I).
 */
final class StockBaselines {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String JVM = "-Xms256m -Xmx1g";

    /** What the stock node measured; NaN where a figure was not asked for. */
    record Figures(double startWaitPerSecond, int bestThreads, double timersDrainSeconds, double timersP99Seconds,
            int timers) {
    }

    private StockBaselines() {
    }

    static Figures measure(BenchApp app, String[] nodeArgs, int starts, int timers) throws Exception {
        String database = "stock_" + app.run().replace('-', '_');
        app.jdbc().execute("create database " + database);
        List<String> args = FootprintBench.args(nodeArgs, database, "stock");
        System.out.printf(Locale.ROOT, "bench: the stock Camunda node (a JVM of its own, %s): %s…%n", JVM,
                starts > 0 && timers > 0 ? "plain starts to a wait, then plain timers" : starts > 0
                        ? "plain starts to a wait" : "plain timers");
        try (NodeProcess node = NodeProcess.start("stock", StockCamundaNode.class, NodeProcess.freePort(),
                Path.of("target", "bench", "stock-baselines.log"), List.of(JVM.split(" ")), args)) {
            double best = Double.NaN;
            int bestThreads = 0;
            if (starts > 0) {
                for (int threads : new int[] {1, 2, 8}) {
                    double perSecond = call(node.uri("/bench/start-wait?n=" + starts + "&threads=" + threads))
                            .get("perSecond").asDouble();
                    System.out.printf(Locale.ROOT, "bench:   stock start → wait, %d client thread(s): %.0f PI/s%n",
                            threads, perSecond);
                    if (!(perSecond <= best)) {
                        best = perSecond;
                        bestThreads = threads;
                    }
                }
            }
            double drain = Double.NaN;
            double p99 = Double.NaN;
            if (timers > 0) {
                // the first drain of a fresh node is its cold one (classes, plans, caches): warmed on a tenth
                call(node.uri("/bench/timers?label=warm&n=" + Math.max(100, timers / 10)));
                JsonNode answer = call(node.uri("/bench/timers?label=measured&n=" + timers));
                if (answer.get("fired").asInt() < timers) {
                    throw new IllegalStateException("The stock node fired " + answer.get("fired").asInt() + " of "
                            + timers + " timers within 5 minutes: see target/bench/stock-baselines.log");
                }
                drain = answer.get("drainSeconds").asDouble();
                p99 = answer.get("p99Seconds").asDouble();
                System.out.printf(Locale.ROOT, "bench:   stock %d plain timers due at once: drained in %.1f s (%.0f"
                        + " timers/s), lateness p50 %.1f s, p99 %.1f s%n", timers, drain, timers / drain,
                        answer.get("p50Seconds").asDouble(), p99);
            }
            return new Figures(best, bestThreads, drain, p99, timers);
        }
    }

    private static JsonNode call(URI uri) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("The stock node answered " + answer.statusCode() + " to " + uri + ": "
                    + answer.body());
        }
        return JSON.readTree(answer.body());
    }
}
