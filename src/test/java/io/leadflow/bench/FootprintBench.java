package io.leadflow.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.leadflow.LeadflowApplication;
import bench.stock.StockCamundaNode;
import io.leadflow.support.NodeProcess;

/**
 * M13, what one node costs the machine: the time from {@code java} to a healthy node, its resident memory idle, and
 * its peak resident memory under load (captures over HTTP as fast as eight clients go, the confirmation emails
 * accepted by SMTP), each beside the same figure of a stock Camunda 7.24 Spring Boot node (its REST API and webapps,
 * none of Leadflow) on the same class path, JVM settings and PostgreSQL, loaded with process starts through
 * {@code /engine-rest}. Each node is a JVM of its own on a database of its own; it is started twice: on an empty
 * database (schema created, models deployed) and again on the same database, the start an operator meets.
 */
final class FootprintBench {

    /** The JVM settings Leadflow recommends for a node (docs/operations.md, "Sizing"); {@code --m13-jvm} tries others. */
    static final String RECOMMENDED_JVM = "-Xms256m -Xmx384m -XX:MaxMetaspaceSize=256m -XX:ReservedCodeCacheSize=96m"
            + " -XX:+UseSerialGC";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private FootprintBench() {
    }

    /** What one kind of node cost. */
    record Footprint(double freshStartSeconds, double restartSeconds, double idleMb, double loadPeakMb,
            double perSecond) {
    }

    static List<Metric> run(BenchApp app, String[] nodeArgs, int load, String jvm) throws Exception {
        List<String> options = Arrays.asList(jvm.trim().split("\\s+"));
        System.out.printf(Locale.ROOT, "bench: M13 footprint of one node (JVM %s; %d requests of load)…%n", jvm, load);
        Footprint stock = measure(app, "stock", StockCamundaNode.class, options, nodeArgs, load);
        Footprint leadflow = measure(app, "leadflow", LeadflowApplication.class, options, nodeArgs, load);
        System.out.printf(Locale.ROOT, "bench: M13 stock Camunda: start %.1f s on an empty database, %.1f s again; idle"
                + " %.0f MB; under load %.0f MB peak (%.0f process starts/s)%n", stock.freshStartSeconds,
                stock.restartSeconds, stock.idleMb, stock.loadPeakMb, stock.perSecond);
        System.out.printf(Locale.ROOT, "bench: M13 Leadflow: start %.1f s on an empty database, %.1f s again; idle"
                + " %.0f MB; under load %.0f MB peak (%.0f captures/s)%n", leadflow.freshStartSeconds,
                leadflow.restartSeconds, leadflow.idleMb, leadflow.loadPeakMb, leadflow.perSecond);
        return List.of(
                new Metric("M13H", leadflow.restartSeconds, "s", stock.restartSeconds,
                        stock.restartSeconds / leadflow.restartSeconds, "<=15s (restart on its database)",
                        leadflow.restartSeconds <= 15),
                new Metric("M13I", leadflow.idleMb, "MB", stock.idleMb, leadflow.idleMb / stock.idleMb,
                        "printed (resident memory idle)", true),
                new Metric("M13R", leadflow.loadPeakMb, "MB", stock.loadPeakMb, leadflow.loadPeakMb / stock.loadPeakMb,
                        "<=512MB (peak resident under load)", leadflow.loadPeakMb <= 512));
    }

    private static Footprint measure(BenchApp app, String side, Class<?> main, List<String> jvm, String[] nodeArgs,
            int load) throws Exception {
        String database = "m13_" + side + "_" + app.run().replace('-', '_');
        app.jdbc().execute("create database " + database);
        List<String> args = args(nodeArgs, database, side);
        Path log = Path.of("target", "bench", "m13-" + side + ".log");
        long t0 = System.nanoTime();
        double fresh;
        double idle;
        double peak;
        double perSecond;
        try (NodeProcess node = NodeProcess.start("m13-" + side, main, NodeProcess.freePort(), log, jvm, args)) {
            fresh = (System.nanoTime() - t0) / 1e9;
            idle = settled(node, side);
            perSecond = load(node, side, app.run(), load);
            peak = node.residentMegabytes()[1];
        }
        t0 = System.nanoTime();
        double again;
        try (NodeProcess node = NodeProcess.start("m13-" + side, main, NodeProcess.freePort(),
                Path.of("target", "bench", "m13-" + side + "-restart.log"), jvm, args)) {
            again = (System.nanoTime() - t0) / 1e9;
        }
        return new Footprint(fresh, again, idle, peak, perSecond);
    }

    /**
     * The node's resident memory once it has settled (start-up's garbage collected, the schedulers in their rhythm):
     * read each second from 3 s on, until three readings in a row lie within 2 % of each other, or 15 s have passed.
     * It used to sleep 15 s, twice a run; most nodes settle in 5 to 8.
     */
    static double settled(NodeProcess node, String side) throws InterruptedException {
        long t0 = System.nanoTime();
        TimeUnit.SECONDS.sleep(3);
        List<Double> readings = new ArrayList<>();
        while (true) {
            readings.add(node.residentMegabytes()[0]);
            int n = readings.size();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (n >= 3) {
                List<Double> last = readings.subList(n - 3, n);
                double low = last.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
                double high = last.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
                if (high <= low * 1.02 || seconds >= 15) {
                    System.out.printf(Locale.ROOT, "bench: M13 %s settled at %.0f MB after %.1f s%s%n", side,
                            readings.get(n - 1), seconds, high <= low * 1.02 ? "" : " (still moving: read at 15 s)");
                    return readings.get(n - 1);
                }
            }
            TimeUnit.SECONDS.sleep(1);
        }
    }

    static List<String> args(String[] base, String database, String side) {
        List<String> args = new ArrayList<>(Arrays.asList(base));
        String url = args.stream().filter(a -> a.startsWith("--spring.datasource.url=")).findFirst().orElseThrow()
                .replaceFirst("/postgres\\?", "/" + database + "?");
        args.removeIf(a -> a.startsWith("--spring.datasource.url="));
        args.add(url);
        if (side.equals("stock")) {
            // Camunda's own defaults, not Leadflow's application.yml; only the database and the logging are the bench's
            args.removeIf(a -> a.startsWith("--leadflow.") || a.startsWith("--spring.mail."));
            args.add("--spring.config.location=classpath:/bench/stock.yml");
        }
        return args;
    }

    /** {@code n} requests on eight client threads; answers how many a second went through. */
    private static double load(NodeProcess node, String side, String run, int n) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        HttpRequest request = side.equals("stock")
                                ? post(node.uri("/engine-rest/process-definition/key/raw-start-to-wait/start"), "{}")
                                : post(node.uri("/forms/newsletter"), """
                                        {"email":"m13-%d-%s@acme-corp.io","firstName":"Jane","company":"Acme",\
                                        "jobTitle":"VP Marketing","country":"FR","companySize":"1200"}""".formatted(i, run));
                        HttpResponse<String> answer = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                        if (answer.statusCode() / 100 != 2) {
                            throw new IllegalStateException(side + " answered " + answer.statusCode() + ": "
                                    + answer.body());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            clients.shutdownNow();
        }
        return n / ((System.nanoTime() - t0) / 1e9);
    }

    private static HttpRequest post(URI uri, String json) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }
}
