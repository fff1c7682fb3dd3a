package io.leadflow.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.leadflow.LeadflowApplication;
import io.leadflow.support.NodeProcess;

/**
 * M12S, the person's wait while a node stops: two nodes (JVMs of their own, a database of their own in the bench's
 * PostgreSQL) share the captures of a steady open loop as a load balancer would, alternately; halfway, one node is
 * stopped as an operator stops it (SIGTERM, graceful), or killed ({@code --m12-kill}). Requests it no longer takes go
 * to the other node at once, as a load balancer's retry does; the person's wait still counts from her request's
 * planned instant. Measured: every confirmation email accepted by the SMTP server (none lost, none twice), and the p99
 * of the wait, beside the p99 of the requests planned before the stop.
 */
final class PersonWaitStopBench {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private PersonWaitStopBench() {
    }

    static List<Metric> run(BenchApp app, String[] nodeArgs, int rate, int seconds, boolean kill) throws Exception {
        System.out.printf(Locale.ROOT, "bench: M12S the person's wait at %d captures/s on two nodes, one %s halfway"
                + " through %d s…%n", rate, kill ? "killed" : "stopped", seconds);
        String database = "m12s_" + app.run().replace('-', '_');
        app.jdbc().execute("create database " + database);
        String url = Arrays.stream(nodeArgs).filter(a -> a.startsWith("--spring.datasource.url=")).findFirst()
                .orElseThrow().substring("--spring.datasource.url=".length())
                .replaceFirst("/postgres\\?", "/" + database + "?");
        JdbcTemplate db = new JdbcTemplate(new DriverManagerDataSource(url, "postgres", ""));
        String run = "m12s-" + app.run();
        try (NodeProcess a = NodeProcess.start("m12s-node-a", LeadflowApplication.class, NodeProcess.freePort(),
                Path.of("target", "bench", "m12s-node-a.log"), ClusterThroughputBench.nodeArgs(nodeArgs, url, "bench-m12s-a"));
                NodeProcess b = NodeProcess.start("m12s-node-b", LeadflowApplication.class, NodeProcess.freePort(),
                        Path.of("target", "bench", "m12s-node-b.log"), ClusterThroughputBench.nodeArgs(nodeArgs, url, "bench-m12s-b"))) {
            AtomicBoolean bDown = new AtomicBoolean();
            AtomicInteger retried = new AtomicInteger();
            // warm both nodes (two fresh JVMs: JIT compilation costs CPU for a while), at half the rate then the
            // rate, and let them send every warm-up email before the measured loop
            int warm = rate * 6;
            PersonWaitBench.openLoop(Math.max(1, rate / 2), warm / 2,
                    i -> capture(i % 2 == 0 ? a : b, a, run + "w-" + i, bDown, retried));
            PersonWaitBench.openLoop(rate, warm / 2,
                    i -> capture(i % 2 == 0 ? a : b, a, run + "w-" + (warm / 2 + i), bDown, retried));
            long warmDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (db.queryForObject("""
                    select count(*) from email_outbox o join leads l on l.id = o.lead_id
                     where l.email like ? and o.purpose = 'doi-confirmation' and o.status = 'SENT'""", Long.class,
                    run + "w-%") < warm && System.nanoTime() < warmDeadline) {
                TimeUnit.MILLISECONDS.sleep(250);
            }
            db.execute("analyze");
            int n = rate * seconds;
            int stopAt = n / 2;
            retried.set(0);
            CompletableFuture<Long> stopped = new CompletableFuture<>();
            Map<Integer, Long> planned = PersonWaitBench.openLoop(rate, n, i -> {
                if (i == stopAt) {
                    CompletableFuture.runAsync(() -> {
                        try {
                            stopped.complete(System.currentTimeMillis());
                            if (kill) {
                                b.kill();
                            } else {
                                b.close();
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                capture(i % 2 == 0 ? a : b, a, run + "-" + i, bDown, retried);
            });
            Map<Integer, Double> waits = PersonWaitBench.awaitEnds(db, n, planned, """
                    select l.email, o.sent_at from email_outbox o join leads l on l.id = o.lead_id
                     where l.email like ? and o.purpose = 'doi-confirmation' and o.status = 'SENT'""", run + "-%",
                    email -> Integer.parseInt(email.substring(run.length() + 1, email.indexOf('@'))));
            double[] all = PersonWaitBench.sorted(waits.values().stream());
            double[] before = PersonWaitBench.sorted(waits.entrySet().stream().filter(e -> e.getKey() < stopAt)
                    .map(Map.Entry::getValue));
            double[] after = PersonWaitBench.sorted(waits.entrySet().stream().filter(e -> e.getKey() >= stopAt)
                    .map(Map.Entry::getValue));
            long sent = waits.size();
            long duplicates = ClusterThroughputBench.duplicateEmails(app.smtp(), run + "-");
            long lost = n - sent;
            System.out.printf(Locale.ROOT, "bench: M12S %d captures, node b %s after %d; %d requests went to node a"
                    + " instead; emails accepted %d, lost %d, twice %d; wait p50 %.0f ms, p99 %.0f ms, max %.0f ms"
                    + " (before the stop p99 %.0f ms; after it p99 %.0f ms, max %.0f ms)%n", n,
                    kill ? "killed" : "stopped", stopAt, retried.get(), sent, lost, duplicates,
                    PersonWaitBench.percentile(all, 50), PersonWaitBench.percentile(all, 99), all[all.length - 1],
                    PersonWaitBench.percentile(before, 99), PersonWaitBench.percentile(after, 99),
                    after[after.length - 1]);
            double p99 = PersonWaitBench.percentile(all, 99);
            double p99Before = PersonWaitBench.percentile(before, 99);
            return List.of(new Metric("M12S", p99, "ms", p99Before, p99Before / p99,
                    "p99<=5000ms with a node " + (kill ? "killed" : "stopped") + " halfway at " + rate
                            + "/s, 0 emails lost, 0 twice (baseline: p99 of the requests before the stop)",
                    p99 <= 5000 && lost == 0 && duplicates == 0));
        }
    }

    /** A capture on {@code node}; once node b fails to take one, it and every later one go to node a. */
    private static void capture(NodeProcess node, NodeProcess a, String local, AtomicBoolean bDown,
            AtomicInteger retried) {
        if (node != a && !bDown.get()) {
            try {
                if (post(node, local) == 202) {
                    return;
                }
            } catch (java.io.IOException e) {
                // refused, reset or timed out: the node is going or gone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            bDown.set(true);
            retried.incrementAndGet();
        } else if (node != a) {
            retried.incrementAndGet();
        }
        try {
            int status = post(a, local);
            if (status != 202) {
                throw new IllegalStateException("node a answered " + status + " to a capture");
            }
        } catch (java.io.IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int post(NodeProcess node, String local) throws java.io.IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(node.uri("/forms/newsletter"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"email":"%s@bench-corp.io","firstName":"Jane","company":"Bench Corp","jobTitle":"VP Marketing",\
                        "country":"FR","companySize":"1200"}""".formatted(local))).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
