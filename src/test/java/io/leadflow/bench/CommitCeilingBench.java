package io.leadflow.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

/**
 * MC, where the ceiling is: PostgreSQL's own commit rate on the bench's durable settings (a one-row insert and its
 * commit per transaction, on one connection and on two), beside what one lead costs from capture to "confirmation
 * sent" in commits and WAL bytes (everything the database did meanwhile, the node's pollers and sealer included,
 * divided by the leads), and what the raw engine's start-to-wait instance costs. The ceiling a node's leads meet
 * from commits alone is the two-connection rate divided by a lead's commits: M1 and M12 can be read against it.
 */
final class CommitCeilingBench {

    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofSeconds(5);

    private CommitCeilingBench() {
    }

    static Metric run(BenchApp app, int leads) throws Exception {
        System.out.printf(Locale.ROOT, "bench: MC PostgreSQL's commit ceiling, and a lead's commits and WAL (%d leads)…%n",
                leads);
        DataSource pool = app.bean(DataSource.class);
        app.jdbc().execute("create table if not exists bench_commits (id bigserial primary key, v integer)");
        double one = commitsPerSecond(pool, 1);
        double two = commitsPerSecond(pool, 2);
        app.jdbc().execute("drop table bench_commits");

        String run = "mc-" + UUID.randomUUID().toString().substring(0, 6);
        BenchApp.require("quiet before", app::quiet, Duration.ofMinutes(2));
        // PostgreSQL counts a backend's commits and WAL flushes when it reports them (PostgreSQL 14, the bench's: at
        // most every half second, its collector later still under load; 15 and later: up to a second, and more under
        // contention): the ceiling's tens of thousands of commits went on arriving for seconds, and the leads below
        // carried them (MC read 7.6 to 19.9 commits a lead before this pause, 4.7 after it)
        long settling = commits(app);
        Thread.sleep(SETTLE.toMillis());
        System.out.printf(Locale.ROOT, "bench: MC %d commits of the ceiling counted late, in the %d s before the"
                + " leads%n", commits(app) - settling, SETTLE.toSeconds());
        Cost lead = cost(app, leads, () -> {
            for (int i = 0; i < leads; i++) {
                app.capture(run + "-" + i + "@bench-corp.io");
            }
            BenchApp.require("confirmations sent", () -> app.count("""
                    select count(*) from email_outbox o join leads l on l.id = o.lead_id
                     where l.email like ? and o.purpose = 'doi-confirmation' and o.status = 'SENT'""",
                    run + "-%") == leads, Duration.ofMinutes(2));
        });
        Cost raw = cost(app, leads, () -> {
            for (int i = 0; i < leads; i++) {
                app.engine().getRuntimeService().startProcessInstanceByKey("raw-start-to-wait", run + "-raw-" + i);
            }
        });
        System.out.printf(Locale.ROOT, "bench: MC PostgreSQL commits %.0f/s on one connection, %.0f/s on two (a one-row"
                + " insert each)%n", one, two);
        System.out.printf(Locale.ROOT, "bench: MC a lead to \"confirmation sent\": %.1f commits (%.1f WAL flushes to"
                + " disk), %.1f KB of WAL; the raw engine's start to its wait: %.1f commits (%.1f flushes), %.1f KB; so"
                + " the disk's flushes alone cap a node at about %.0f leads/s (raw %.0f PI/s)%n", lead.commits,
                lead.walSyncs, lead.walBytes / 1024, raw.commits, raw.walSyncs, raw.walBytes / 1024,
                two / Math.max(lead.walSyncs, 0.01), two / Math.max(raw.walSyncs, 0.01));
        return new Metric("MC", lead.commits, "commits/lead", raw.commits, lead.commits / raw.commits,
                "printed (ceiling " + Math.round(two) + " commits/s on two connections; "
                        + Metric.fmt(lead.walSyncs) + " WAL flushes a lead, raw " + Metric.fmt(raw.walSyncs) + ")",
                true);
    }

    /**
     * @param commits every transaction committed, read-only ones included (a poller finding nothing commits too)
     * @param walSyncs the times WAL was flushed to disk ({@code pg_stat_wal.wal_sync}): what the disk pays for
     */
    private record Cost(double commits, double walBytes, double walSyncs) {
    }

    interface Work {
        void run() throws Exception;
    }

    /** Commits and WAL of the whole database during the work (until quiet again), per unit. */
    private static Cost cost(BenchApp app, int n, Work work) throws Exception {
        var jdbc = app.jdbc();
        BenchApp.require("quiet before", app::quiet, Duration.ofMinutes(2));
        long commits = commits(app);
        long syncs = walSyncs(app);
        String lsn = jdbc.queryForObject("select pg_current_wal_lsn()::text", String.class);
        work.run();
        BenchApp.require("quiet after", app::quiet, Duration.ofMinutes(2));
        // pg_stat_database is updated when a backend reports: give the pool's connections that moment
        Thread.sleep(600);
        double dCommits = commits(app) - commits;
        double dSyncs = walSyncs(app) - syncs;
        Long wal = jdbc.queryForObject("select pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn)::bigint", Long.class,
                lsn);
        return new Cost(dCommits / n, (wal == null ? 0 : wal) / (double) n, dSyncs / n);
    }

    /** The cluster's WAL flushes so far (the bench's database is the only one written). */
    private static long walSyncs(BenchApp app) {
        Long n = app.jdbc().queryForObject("select wal_sync from pg_stat_wal", Long.class);
        return n == null ? 0 : n;
    }

    private static long commits(BenchApp app) throws InterruptedException {
        app.jdbc().execute("select pg_stat_clear_snapshot()");
        Long n = app.jdbc().queryForObject(
                "select xact_commit from pg_stat_database where datname = current_database()", Long.class);
        return n == null ? 0 : n;
    }

    /** One-row inserts, each its own transaction, on {@code connections} connections for a few seconds. */
    private static double commitsPerSecond(DataSource pool, int connections) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(connections);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            List<Future<Long>> counts = new java.util.ArrayList<>();
            long t0 = System.nanoTime();
            for (int c = 0; c < connections; c++) {
                counts.add(threads.submit(() -> {
                    long done = 0;
                    try (Connection connection = pool.getConnection();
                            PreparedStatement insert = connection.prepareStatement(
                                    "insert into bench_commits (v) values (1)")) {
                        connection.setAutoCommit(true);
                        while (!stop.get()) {
                            insert.executeUpdate();
                            done++;
                        }
                    }
                    return done;
                }));
            }
            Thread.sleep(WINDOW.toMillis());
            stop.set(true);
            long total = 0;
            for (Future<Long> count : counts) {
                total += count.get();
            }
            return total / ((System.nanoTime() - t0) / 1e9);
        } finally {
            threads.shutdownNow();
        }
    }
}
