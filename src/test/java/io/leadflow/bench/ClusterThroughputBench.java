package io.leadflow.bench;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntConsumer;

import javax.sql.DataSource;

import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.management.Metrics;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.leadflow.LeadflowApplication;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.LeadService;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * M6: the M1 workload (capture → "confirmation sent") on one node, then on two nodes sharing the database (same
 * settings, the second node started from the same arguments), each driven by the same client threads. The ratio is
 * two-node throughput ÷ one-node throughput. Beside it: duplicate emails of the measured leads (M6D, must be 0) and
 * how often the engine's optimistic locking struck while two nodes shared the jobs (M6L: job executions that ended
 * in an {@code OptimisticLockingException}, and acquisitions that lost a job to the other node).
 */
final class ClusterThroughputBench {

    private ClusterThroughputBench() {
    }

    /**
     * @param app      the running node, which is node A
     * @param nodeArgs the command-line arguments node A was started with; node B gets them too, with a port, engine
     *                 name and host name of its own
     */
    static List<Metric> run(BenchApp app, String[] nodeArgs, int n) throws Exception {
        System.out.println("bench: M6 two nodes on one database (" + n + " leads each side)…");
        LeadService nodeA = app.bean(LeadService.class);
        String run = UUID.randomUUID().toString().substring(0, 6);
        int warm = Math.max(20, n / 5);

        drive(app, i -> capture(nodeA, "m6w1-" + run + "-" + i), warm);
        app.jdbc().execute("analyze");
        Phase one = drive(app, i -> capture(nodeA, "m6one-" + run + "-" + i), n);

        ConfigurableApplicationContext second = startSecondNode(nodeArgs);
        try {
            LeadService nodeB = second.getBean(LeadService.class);
            drive(app, i -> capture(i % 2 == 0 ? nodeA : nodeB, "m6w2-" + run + "-" + i), warm);
            app.jdbc().execute("analyze");
            List<ProcessEngine> engines = List.of(app.engine(), second.getBean(ProcessEngine.class));
            // the engines' metrics so far (one node, warm-ups) are written now, stamped before the measured phase
            flushMetrics(engines);
            Phase two = drive(app, i -> capture(i % 2 == 0 ? nodeA : nodeB, "m6two-" + run + "-" + i), n);

            long duplicates = duplicateEmails(app.smtp(), "m6one-" + run, "m6two-" + run);
            Locking locking = locking(app.jdbc(), engines, two.started);
            double ratio = two.perSecond / one.perSecond;
            System.out.printf(Locale.ROOT, "bench: M6 one node %.1f leads/s, two nodes %.1f leads/s (%.2f×);"
                    + " duplicate emails %d; optimistic-locking failures %d of %d job executions (%.2f %%), jobs"
                    + " lost to the other node at acquisition %d of %d (%.2f %%); %d cores%n", one.perSecond,
                    two.perSecond, ratio, duplicates, locking.failedJobs, locking.executions,
                    locking.failureRate(), locking.acquisitionsLost, locking.acquisitions,
                    locking.acquisitionLossRate(), Runtime.getRuntime().availableProcessors());
            return List.of(
                    new Metric("M6", two.perSecond, "leads/s", one.perSecond, ratio, "ratio>=1.6 and 0 duplicates",
                            ratio >= 1.6 && duplicates == 0),
                    new Metric("M6D", duplicates, "emails", 0, Double.NaN, "=0", duplicates == 0),
                    new Metric("M6L", locking.failureRate(), "%", locking.acquisitionLossRate(), Double.NaN,
                            "printed (jobs failed by optimistic locking; baseline: acquisitions lost)", true));
        } finally {
            second.close();
        }
    }

    private static void capture(LeadService node, String local) {
        node.capture(BenchApp.request(local + "@bench-corp.io"), new CaptureContext("bench", "127.0.0.1", "bench"));
    }

    private record Phase(double perSecond, Instant started) {
    }

    /** n captures on the client threads, timed until each of their confirmation emails is sent. */
    private static Phase drive(BenchApp app, IntConsumer op, int n) throws Exception {
        long before = sent(app);
        Instant started = Instant.now();
        long start = System.nanoTime();
        BenchApp.parallel(n, op);
        BenchApp.require(n + " confirmation emails sent", () -> sent(app) >= before + n, Duration.ofMinutes(3));
        return new Phase(n / ((System.nanoTime() - start) / 1e9), started);
    }

    private static long sent(BenchApp app) {
        return app.count("select count(*) from email_outbox where purpose = 'doi-confirmation' and status = 'SENT'");
    }

    private static ConfigurableApplicationContext startSecondNode(String[] nodeArgs) throws Exception {
        List<String> args = new ArrayList<>(Arrays.asList(nodeArgs));
        args.removeIf(a -> a.startsWith("--server.port="));
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            args.add("--server.port=" + socket.getLocalPort());
        }
        // Camunda registers engines by name: two in one JVM need two names (no hyphen, or the starter ignores it).
        args.add("--camunda.bpm.process-engine-name=benchnodeb");
        args.add("--camunda.bpm.generic-properties.properties.hostname=bench-node-b");
        return new SpringApplicationBuilder(LeadflowApplication.class).run(args.toArray(String[]::new));
    }

    /** Emails beyond the first per recipient among the measured leads (each gets exactly one confirmation). */
    private static long duplicateEmails(GreenMail smtp, String... prefixes) throws Exception {
        Map<String, Integer> perRecipient = new HashMap<>();
        for (MimeMessage message : smtp.getReceivedMessages()) {
            String to = ((InternetAddress) message.getAllRecipients()[0]).getAddress();
            if (Arrays.stream(prefixes).anyMatch(to::startsWith)) {
                perRecipient.merge(to, 1, Integer::sum);
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
     * From the job log (history level full): executions since {@code since} and those that failed on optimistic
     * locking; from the engines' metrics (flushed now): jobs each node acquired and jobs it lost to the other.
     */
    private static Locking locking(JdbcTemplate jdbc, List<ProcessEngine> engines, Instant since) {
        Timestamp from = Timestamp.from(since);
        Long executions = jdbc.queryForObject(
                "select count(*) from act_hi_job_log where timestamp_ >= ? and job_state_ in (1, 2)", Long.class,
                from);
        Long failed = jdbc.queryForObject("""
                select count(*) from act_hi_job_log where timestamp_ >= ? and job_state_ = 1
                   and (job_exception_msg_ like '%OptimisticLocking%'
                        or job_exception_msg_ like '%updated by another transaction concurrently%')""", Long.class,
                from);
        flushMetrics(engines);
        var metrics = engines.get(0).getManagementService();
        long acquired = metrics.createMetricsQuery().name(Metrics.JOB_ACQUIRED_SUCCESS)
                .startDate(java.util.Date.from(since)).sum();
        long lost = metrics.createMetricsQuery().name(Metrics.JOB_ACQUIRED_FAILURE)
                .startDate(java.util.Date.from(since)).sum();
        return new Locking(failed == null ? 0 : failed, executions == null ? 0 : executions, lost, acquired + lost);
    }

    private static void flushMetrics(List<ProcessEngine> engines) {
        for (ProcessEngine engine : engines) {
            ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration()).getDbMetricsReporter()
                    .reportNow();
        }
    }

    /**
     * M6 on its own, for a quick look: {@code java -cp … io.leadflow.bench.ClusterThroughputBench [--leads N]} starts
     * what {@code bench/run} starts (durable embedded PostgreSQL, an SMTP server, node A) and runs only M6.
     */
    public static void main(String[] args) throws Exception {
        int leads = 300;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--leads")) {
                leads = Integer.parseInt(args[i + 1]);
            }
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on").setServerConfig("max_connections", "100").start()) {
            GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
            smtp.start();
            int port;
            try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            String[] nodeArgs = {"--server.port=" + port, "--leadflow.public-url=http://127.0.0.1:" + port,
                "--spring.datasource.url=" + pg.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres", "--spring.datasource.password=",
                "--leadflow.mail.catcher.enabled=false", "--spring.mail.host=127.0.0.1",
                "--spring.mail.port=" + smtp.getSmtp().getPort(), "--leadflow.models.watch=false",
                "--logging.level.root=WARN", "--logging.level.io.leadflow=WARN",
                "--camunda.bpm.generic-properties.properties.hostname=bench-node-a"};
            ConfigurableApplicationContext ctx = new SpringApplicationBuilder(LeadflowApplication.class).run(nodeArgs);
            try {
                BenchApp app = new BenchApp(ctx, new JdbcTemplate(ctx.getBean(DataSource.class)),
                        ctx.getBean(ProcessEngine.class), smtp, UUID.randomUUID().toString().substring(0, 6));
                run(app, nodeArgs, leads).forEach(m -> System.out.println(m.line()));
            } finally {
                ctx.close();
                smtp.stop();
            }
        }
    }
}
