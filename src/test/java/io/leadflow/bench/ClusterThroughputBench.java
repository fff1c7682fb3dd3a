package io.leadflow.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.camunda.bpm.engine.management.Metrics;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import com.icegreen.greenmail.util.GreenMail;

import io.leadflow.support.NodeProcess;

/**
 * M6: lead journeys (capture over the API → confirmation email sent → the link confirmed → scored → in nurture →
 * welcome email sent) on one node, then on two nodes sharing one database, driven over loopback HTTP by the same
 * client threads. The ratio is two-node throughput ÷ one-node throughput.
 *
 * <p>Each node is a JVM of its own ({@link NodeProcess}) with a database of its own in the bench's PostgreSQL, so the
 * bench's in-process node takes none of their work. On a machine with few cores, two nodes beside PostgreSQL, the
 * SMTP server and the client would only share the same cores, and the ratio would measure the machine: so each node
 * is held to {@code --node-cpus} cores' worth of CPU time ({@link CpuLimit}; half a core by default), as it would be
 * held by a host of its own, while PostgreSQL, the SMTP server and the client keep the rest. Without the kernel's
 * CPU controller the nodes run unlimited and the bench says so.
 *
 * <p>Beside it: duplicate emails of the measured leads (M6D, must be 0), how often optimistic locking struck while two
 * nodes shared the jobs (M6L: job executions that failed on it, beside acquisitions that lost a job to the other
 * node), and the CPU each lead cost the nodes and PostgreSQL, one node and two (for sizing).
 */
final class ClusterThroughputBench {

    private static final String PASSWORD = "demo";
    private static final Duration STAGE_LIMIT = Duration.ofMinutes(3);

    private ClusterThroughputBench() {
    }

    /**
     * @param app      the bench's in-process node: its PostgreSQL and SMTP server are the cluster's
     * @param nodeArgs the arguments that node was started with; each cluster node gets them, with a database, port and
     *                 host name of its own
     */
    static List<Metric> run(BenchApp app, String[] nodeArgs, int n, double nodeCpus) throws Exception {
        System.out.printf(Locale.ROOT, "bench: M6 two nodes on one database (%d lead journeys each side, nodes held to"
                + " %.2f cores each)…%n", n, nodeCpus);
        String database = "m6_" + app.run().replace('-', '_');
        app.jdbc().execute("create database " + database);
        String url = arg(nodeArgs, "spring.datasource.url").replaceFirst("/postgres\\?", "/" + database + "?");
        JdbcTemplate db = new JdbcTemplate(new DriverManagerDataSource(url, "postgres", ""));
        Journeys journeys = new Journeys(app, db);
        // JIT compilation in a fresh JVM costs CPU for a while: node B gets as many journeys before the measured
        // phase as node A had (its warm-up and the one-node phase), so neither phase pays for a colder node.
        int warm = Math.max(100, n / 2);
        try (NodeProcess a = NodeProcess.start("m6-node-a", BenchNode.class, NodeProcess.freePort(),
                Path.of("target", "bench", "m6-node-a.log"), nodeArgs(nodeArgs, url, "bench-node-a"));
                var limitA = CpuLimit.create("leadflow-bench-node-a", nodeCpus).orElse(null);
                var limitB = limitA == null ? null : CpuLimit.create("leadflow-bench-node-b", nodeCpus).orElse(null)) {
            journeys.run("m6w1", warm, List.of(a));
            db.execute("analyze");
            // both nodes limited, or neither: one limited node beside an unlimited one would measure nothing
            boolean limited = limitA != null && limitB != null;
            if (limited) {
                limitA.add(a.pid());
            }
            Phase one = journeys.run("m6one", n, List.of(a));
            try (NodeProcess b = NodeProcess.start("m6-node-b", BenchNode.class, NodeProcess.freePort(),
                    Path.of("target", "bench", "m6-node-b.log"), nodeArgs(nodeArgs, url, "bench-node-b"))) {
                journeys.run("m6w2", warm + n, List.of(b));
                db.execute("analyze");
                if (limited) {
                    limitB.add(b.pid());
                }
                Phase two = journeys.run("m6two", n, List.of(a, b));
                // the nodes write their engine metrics every second: wait for the last of the measured phase
                TimeUnit.MILLISECONDS.sleep(1500);
                long duplicates = duplicateEmails(app.smtp(), "m6one-" + app.run(), "m6two-" + app.run());
                Locking locking = locking(db, two.started, two.ended);
                double ratio = two.perSecond / one.perSecond;
                System.out.printf(Locale.ROOT, "bench: M6 one node %s; two nodes %s (%.2f×)%n", one, two, ratio);
                System.out.printf(Locale.ROOT, "bench: M6 duplicate emails %d; optimistic-locking failures %d of %d job"
                        + " executions (%.2f %%); jobs lost to the other node at acquisition %d of %d (%.2f %%); %s%n",
                        duplicates, locking.failedJobs, locking.executions, locking.failureRate(),
                        locking.acquisitionsLost, locking.acquisitions, locking.acquisitionLossRate(),
                        !limited ? "no CPU limits: the nodes shared the machine's "
                                + Runtime.getRuntime().availableProcessors() + " cores with PostgreSQL, the SMTP"
                                + " server and the client, so the ratio is bounded by them"
                                : "CPU limits held each node to " + nodeCpus + " cores (periods throttled: node a "
                                        + limitA.throttledPeriods() + ", node b " + limitB.throttledPeriods() + ")");
                return List.of(
                        new Metric("M6", two.perSecond, "journeys/s", one.perSecond, ratio,
                                "ratio>=1.8 and 0 duplicates", ratio >= 1.8 && duplicates == 0),
                        new Metric("M6D", duplicates, "emails", 0, Double.NaN, "=0", duplicates == 0),
                        new Metric("M6L", locking.failureRate(), "%", locking.acquisitionLossRate(), Double.NaN,
                                "printed (jobs failed by optimistic locking; baseline: acquisitions lost)", true));
            }
        }
    }

    /** The bench node's arguments for a node of its own: its database, and its host name in the engine's job log. */
    static List<String> nodeArgs(String[] base, String url, String hostname) {
        List<String> args = new ArrayList<>(Arrays.asList(base));
        args.removeIf(a -> a.startsWith("--spring.datasource.url="));
        args.add("--spring.datasource.url=" + url);
        args.add("--camunda.bpm.generic-properties.properties.hostname=" + hostname);
        return args;
    }

    private static String arg(String[] args, String key) {
        return Arrays.stream(args).filter(a -> a.startsWith("--" + key + "=")).map(a -> a.substring(key.length() + 3))
                .findFirst().orElseThrow(() -> new IllegalArgumentException("No --" + key + " among the node's arguments"));
    }


    /** One measured phase: journeys per second, its two stages and the CPU its leads cost. */
    private record Phase(double perSecond, double captureSeconds, double confirmSeconds, double nodeCpuMsPerLead,
            double postgresCpuMsPerLead, String cpuPerNode, Instant started, Instant ended) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.1f journeys/s (captures to confirmation sent %.1f s, confirmations to"
                    + " welcome sent %.1f s; CPU per lead: nodes %.1f ms, PostgreSQL %.1f ms; CPU time of %s)", perSecond,
                    captureSeconds, confirmSeconds, nodeCpuMsPerLead, postgresCpuMsPerLead, cpuPerNode);
        }
    }

    /** Drives lead journeys through the nodes over HTTP, the way a site and its visitors do. */
    private static final class Journeys {

        private final BenchApp app;
        private final JdbcTemplate db;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        private final String basic = "Basic " + java.util.Base64.getEncoder()
                .encodeToString(("demo:" + PASSWORD).getBytes(StandardCharsets.UTF_8));

        Journeys(BenchApp app, JdbcTemplate db) {
            this.app = app;
            this.db = db;
        }

        /**
         * n journeys spread over the nodes: all captures, timed until their confirmation emails are sent; then each
         * link confirmed, timed until their welcome emails are sent. Reading the links out of the caught emails
         * in between is the bench's own work and is not timed.
         */
        Phase run(String prefix, int n, List<NodeProcess> nodes) throws Exception {
            List<String> emails = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                emails.add(prefix + "-" + app.run() + "-" + i + "@bench-corp.io");
            }
            long confirmations = sent("doi-confirmation");
            long welcomes = sent("welcome");
            long[] nodeCpu = nodes.stream().mapToLong(NodeProcess::cpuMillis).toArray();
            long postgresCpu = NodeProcess.ProcStat.cpuMillisOf("postgres");
            Instant started = Instant.now();
            long start = System.nanoTime();
            BenchApp.parallel(n, i -> send(nodes.get(i % nodes.size()), "/api/leads", "application/json",
                    capture(emails.get(i)), 202));
            BenchApp.require(n + " confirmation emails sent", () -> sent("doi-confirmation") >= confirmations + n,
                    STAGE_LIMIT);
            double captureSeconds = (System.nanoTime() - start) / 1e9;
            Map<String, String> tokens = app.confirmTokens(emails);
            long confirmStart = System.nanoTime();
            BenchApp.parallel(n, i -> send(nodes.get(i % nodes.size()), "/optin/confirm",
                    "application/x-www-form-urlencoded", "token=" + tokens.get(emails.get(i)), 200));
            BenchApp.require(n + " welcome emails sent", () -> sent("welcome") >= welcomes + n, STAGE_LIMIT);
            double confirmSeconds = (System.nanoTime() - confirmStart) / 1e9;
            Instant ended = Instant.now();
            StringBuilder cpuPerNode = new StringBuilder();
            double nodeMs = 0;
            for (int i = 0; i < nodes.size(); i++) {
                long used = nodes.get(i).cpuMillis() - nodeCpu[i];
                nodeMs += used;
                cpuPerNode.append(i == 0 ? "" : ", ").append(nodes.get(i).name).append(' ')
                        .append(String.format(Locale.ROOT, "%.1f s", used / 1e3));
            }
            double postgresMs = NodeProcess.ProcStat.cpuMillisOf("postgres") - postgresCpu;
            return new Phase(n / (captureSeconds + confirmSeconds), captureSeconds, confirmSeconds, nodeMs / n,
                    postgresMs / n, cpuPerNode.toString(), started, ended);
        }

        private long sent(String purpose) {
            Long count = db.queryForObject("select count(*) from email_outbox where purpose = ? and status = 'SENT'",
                    Long.class, purpose);
            return count == null ? 0 : count;
        }

        private static String capture(String email) {
            return """
                    {"email":"%s","firstName":"Bench","lastName":"Mark","company":"Bench Corp","jobTitle":"VP Marketing",\
                    "industry":"software","companySize":1200,"country":"FR","source":"bench",\
                    "consentText":"bench consent v1","language":"en"}""".formatted(email);
        }

        private void send(NodeProcess node, String path, String type, String body, int expected) {
            HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body));
            if (path.startsWith("/api/")) {
                request.header("Authorization", basic).header("Accept", "application/json");
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != expected) {
                    throw new IllegalStateException("POST " + path + " on node " + node.name + " answered "
                            + response.statusCode() + ": " + response.body());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("POST " + path + " on node " + node.name, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Emails beyond the first per recipient and subject among the measured leads: each gets exactly one confirmation
     * and one welcome email.
     */
    static long duplicateEmails(GreenMail smtp, String... prefixes) throws Exception {
        Map<String, Integer> perRecipient = new HashMap<>();
        for (MimeMessage message : smtp.getReceivedMessages()) {
            String to = ((InternetAddress) message.getAllRecipients()[0]).getAddress();
            if (Arrays.stream(prefixes).anyMatch(to::startsWith)) {
                perRecipient.merge(to + " " + message.getSubject(), 1, Integer::sum);
            }
        }
        return perRecipient.values().stream().mapToLong(c -> c - 1L).sum();
    }

    private record Locking(long failedJobs, long executions, long acquisitionsLost, long acquisitions) {

        double failureRate() {
            return executions == 0 ? 0 : 100.0 * failedJobs / executions;
        }

        double acquisitionLossRate() {
            return acquisitions == 0 ? 0 : 100.0 * acquisitionsLost / acquisitions;
        }
    }

    /**
     * From the job log (history level full): executions between {@code from} and {@code to} and those that failed on
     * optimistic locking; from the engine metrics the nodes wrote meanwhile: jobs acquired, and jobs a node's
     * acquisition lost to the other node.
     */
    private static Locking locking(JdbcTemplate db, Instant from, Instant to) {
        Timestamp since = Timestamp.from(from);
        Timestamp until = Timestamp.from(to.plusSeconds(1));
        Long executions = db.queryForObject("select count(*) from act_hi_job_log where timestamp_ between ? and ?"
                + " and job_state_ in (1, 2)", Long.class, since, until);
        Long failed = db.queryForObject("""
                select count(*) from act_hi_job_log where timestamp_ between ? and ? and job_state_ = 1
                   and (job_exception_msg_ like '%OptimisticLocking%'
                        or job_exception_msg_ like '%updated by another transaction concurrently%')""", Long.class,
                since, until);
        String metric = "select coalesce(sum(value_), 0) from act_ru_meter_log where name_ = ? and timestamp_ between ? and ?";
        Long acquired = db.queryForObject(metric, Long.class, Metrics.JOB_ACQUIRED_SUCCESS, since, until);
        Long lost = db.queryForObject(metric, Long.class, Metrics.JOB_ACQUIRED_FAILURE, since, until);
        return new Locking(failed == null ? 0 : failed, executions == null ? 0 : executions, lost == null ? 0 : lost,
                (acquired == null ? 0 : acquired) + (lost == null ? 0 : lost));
    }
}
