package io.leadflow.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.camunda.bpm.engine.ProcessEngine;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.leadflow.LeadflowApplication;
import io.leadflow.consent.ConsentService;
import io.leadflow.handoff.HandoffService;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.platform.ConflictException;
import io.leadflow.process.EndedJourneyHistory;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.NodeProcess;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * M11, a year of history: a year of journeys through a moved clock, with the shipped history level, each model's
 * {@code historyTimeToLive} and the engine's nightly history cleanup window, and the database's size week by week.
 * <p>
 * At each step (a week by default, a day with {@code --year-step-days 1}) the step's leads are captured at its start
 * (three in four confirm by their link), earlier leads engage once their journeys have started (clicks, a webinar,
 * some ask for a demo and become MQLs), sales accept, qualify or reject the handoffs; then the engine's clock moves on
 * to the next step's 03:00, inside the cleanup window, and the bench waits until every due timer, email and the
 * night's cleanup are done. It runs in a JVM and a PostgreSQL of its own (the bench's durable settings), since it moves
 * the clock a year on and measures the whole database and PostgreSQL's time in the cleanup's statements.
 */
final class YearOfHistoryBench {

    private static final Duration DAY_LIMIT = Duration.ofMinutes(2);
    private static final Pattern METRIC = Pattern.compile(
            "^METRIC (\\S+) value=(\\S+) unit=(\\S+) baseline=(\\S+) ratio=(\\S+) goal=(\\S+) ok=(true|false)$");
    private static final String[][] PERSONAS = {
            {"VP Marketing", "software", "1200"},
            {"Lead Developer", "software", "300"},
            {"Marketing Manager", "manufacturing", "80"},
            {"Student", "education", "1"}};

    private YearOfHistoryBench() {
    }

    /** The year in a JVM of its own; its log is target/bench/m11.log, its METRIC lines are the answer. */
    /** The default year: {@code --year-days}, {@code --year-leads-per-day}, {@code --year-step-days}. */
    static final int DAYS = 365;
    static final int LEADS_PER_DAY = 1;
    static final int STEP_DAYS = 7;

    static List<Metric> run(String[] benchArgs, int days, int leadsPerDay, int step) throws Exception {
        Path log = Path.of("target", "bench", "m11.log");
        List<String> args = new ArrayList<>(List.of("--year-days", String.valueOf(days), "--year-leads-per-day",
                String.valueOf(leadsPerDay), "--year-step-days", String.valueOf(step)));
        java.util.Arrays.stream(benchArgs).filter(a -> a.startsWith("--") && a.contains("=")).forEach(args::add);
        System.out.printf("bench: M11 runs %d days of %d leads a day, %d day(s) a step, in a JVM of its own (%s)%n",
                days, leadsPerDay, step, log);
        Process process = NodeProcess.launch(YearOfHistoryBench.class, List.of("-Xmx1g"), args, log);
        if (!process.waitFor(30, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("M11 did not end within 30 minutes: see " + log);
        }
        List<Metric> metrics = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("m11:")) {
                System.out.println("bench: " + line);
            }
            Matcher m = METRIC.matcher(line);
            if (m.matches()) {
                metrics.add(new Metric(m.group(1), number(m.group(2)), m.group(3), number(m.group(4)),
                        number(m.group(5)), m.group(6).replace('_', ' '), Boolean.parseBoolean(m.group(7))));
            }
        }
        if (process.exitValue() != 0 || metrics.isEmpty()) {
            throw new IllegalStateException("M11 exited with " + process.exitValue() + " and " + metrics.size()
                    + " figures: see " + log);
        }
        return metrics;
    }

    private static double number(String text) {
        return text.equals("null") ? Double.NaN : Double.parseDouble(text);
    }

    /**
     * The year itself: {@code --year-days D --year-leads-per-day K --year-step-days S}, then application settings to
     * try. The clock moves {@code S} days at a time (7 by default, for the bench's budget; 1 to move it daily): each
     * step's leads come at its start, its timers fire at the next step.
     */
    public static void main(String[] args) throws Exception {
        int days = BenchMain.intArg(args, "--year-days", DAYS);
        int leadsPerDay = BenchMain.intArg(args, "--year-leads-per-day", LEADS_PER_DAY);
        int step = BenchMain.intArg(args, "--year-step-days", STEP_DAYS);
        try (EmbeddedPostgres pg = BenchMain.durablePostgres(true).start()) {
            GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
            smtp.start();
            new JdbcTemplate(pg.getPostgresDatabase()).execute("create extension if not exists pg_stat_statements");
            int port = NodeProcess.freePort();
            ConfigurableApplicationContext ctx = new SpringApplicationBuilder(LeadflowApplication.class)
                    .run(BenchMain.nodeArgs(port, pg.getJdbcUrl("postgres", "postgres"), smtp.getSmtp().getPort(),
                            args));
            try {
                BenchApp app = new BenchApp(ctx, new JdbcTemplate(ctx.getBean(DataSource.class)),
                        ctx.getBean(ProcessEngine.class), smtp, UUID.randomUUID().toString().substring(0, 6));
                new Year(app, days, leadsPerDay, step).run().forEach(m -> System.out.println(m.line()));
            } finally {
                ctx.close();
                smtp.stop();
            }
        }
        System.exit(0);
    }

    /** What the year measured on one day: the database's parts in bytes and how many leads it holds. */
    private record Sample(int day, long leads, long running, Map<String, Long> parts) {

        long total() {
            return parts.values().stream().mapToLong(Long::longValue).sum();
        }

        long part(String name) {
            return parts.getOrDefault(name, 0L);
        }
    }

    private static final class Year {

        private final BenchApp app;
        private final int days;
        private final int leadsPerDay;
        private final int step;
        private final boolean sweepEndedJourneys;
        private final ZonedDateTime first;
        private final List<List<String>> confirmedByDay = new ArrayList<>();
        private final List<Sample> samples = new ArrayList<>();
        private long captured;
        private long confirmed;
        private long actions;
        private double waitSeconds;

        Year(BenchApp app, int days, int leadsPerDay, int step) {
            this.app = app;
            this.days = days;
            this.leadsPerDay = leadsPerDay;
            this.step = Math.max(1, step);
            this.sweepEndedJourneys = !"-".equals(app.ctx().getEnvironment()
                    .getProperty("leadflow.engine.ended-journeys-schedule"));
            // a Monday at 03:00 UTC, inside the cleanup window (01:00-05:00): every simulated day starts there
            this.first = ZonedDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).plusDays(1)
                    .with(TemporalAdjusters.nextOrSame(DayOfWeek.MONDAY)).withHour(3);
        }

        List<Metric> run() throws Exception {
            String history = app.engine().getProcessEngineConfiguration().getHistory();
            String strategy = ((org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl) app.engine()
                    .getProcessEngineConfiguration()).getHistoryCleanupStrategy();
            System.out.printf("m11: history %s, cleanup %s in 01:00-05:00%s, %d days of %d leads from %s, the clock"
                    + " moved %d day(s) at a time%n", history, strategy, sweepEndedJourneys
                            ? " after the ended journeys' removal times" : "", days, leadsPerDay, first.toLocalDate(),
                    step);
            resetStatements();
            samples.add(sample(0));
            long started = System.nanoTime();
            BenchApp.moveEngineClockTo(app, Date.from(first.toInstant()));
            for (int day = 0; day < days; day += step) {
                int to = Math.min(days, day + step);
                captureAndConfirm(day, to);
                awaitEngine(day, false); // their journeys start before they engage
                for (int d = day; d < to; d++) {
                    engage(d);
                }
                actOnHandoffs();
                BenchApp.moveEngineClockTo(app, Date.from(first.plusDays(to).toInstant()));
                if (sweepEndedJourneys) {
                    app.bean(EndedJourneyHistory.class).sweep(); // its nightly run, due before the cleanup's window
                }
                awaitEngine(to, true);
                if (to / 7 > day / 7 || to == days) {
                    samples.add(sample(to));
                }
                if (to / 30 > day / 30) {
                    print(samples.get(samples.size() - 1), (System.nanoTime() - started) / 1e9);
                }
            }
            return figures();
        }

        /**
         * Waits until no timer, job or email is due, the night's history cleanup included when asked (it re-arms
         * itself seconds on, so it counts as done once it is not due). The step's timers fall due a moment after
         * 03:00 (their leads came a moment after it): the bench wakes the job executor as they do rather than let it
         * sleep through its idle wait.
         */
        private void awaitEngine(int day, boolean cleanup) {
            long waitStarted = System.nanoTime();
            if (!BenchApp.await(() -> {
                app.wakeJobExecutor();
                return app.quiet() && (!cleanup || app.count("""
                        select count(*) from act_ru_job where handler_type_ = 'history-cleanup' and retries_ > 0
                           and duedate_ <= ?""", new Timestamp(org.camunda.bpm.engine.impl.util.ClockUtil.now()
                        .getTime())) == 0);
            }, Duration.ofMillis(50), DAY_LIMIT)) {
                System.out.printf("m11: day %d still busy after %s, going on%n", day, DAY_LIMIT);
            }
            waitSeconds += (System.nanoTime() - waitStarted) / 1e9;
        }

        /** The leads of days {@code from} to {@code to} (excluded), captured; three in four confirmed by their link. */
        private void captureAndConfirm(int from, int to) throws Exception {
            List<String> emails = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (int day = from; day < to; day++) {
                for (int i = 0; i < leadsPerDay; i++) {
                    String email = "y%d-%d-%s@%s.example".formatted(day, i, app.run(), i % 2 == 0 ? "acme" : "globex");
                    String[] persona = PERSONAS[(day + i) % PERSONAS.length];
                    ids.add(app.bean(LeadService.class).capture(new CaptureRequest(email, "Year", "Lead",
                            "Bench Corp", persona[0], persona[1], persona[2], "FR", null, "bench", null, null, null,
                            "bench consent v1", "en", null), new CaptureContext("bench", "127.0.0.1", "bench")).id());
                    emails.add(email);
                    captured++;
                }
            }
            BenchApp.require("the confirmation emails of days " + from + " to " + to, () -> ids.stream()
                    .allMatch(id -> app.count("""
                            select count(*) from email_outbox where lead_id = ? and purpose = 'doi-confirmation'
                               and status = 'SENT'""", id) == 1), Duration.ofMinutes(1));
            Map<String, String> tokens = app.confirmTokens(emails);
            for (int day = from, n = 0; day < to; day++) {
                List<String> confirmedThatDay = new ArrayList<>();
                for (int i = 0; i < leadsPerDay; i++, n++) {
                    if ((day * leadsPerDay + i) % 4 == 3) {
                        continue; // one lead in four never confirms: the double opt-in reminds, then erases it
                    }
                    if (app.bean(ConsentService.class).confirm(tokens.get(emails.get(n).toLowerCase(Locale.ROOT)),
                            "127.0.0.1", "bench") == ConsentService.ConfirmOutcome.CONFIRMED) {
                        confirmedThatDay.add(ids.get(n));
                        confirmed++;
                    }
                }
                confirmedByDay.add(confirmedThatDay);
            }
            app.smtp().purgeEmailFromAllMailboxes();
        }

        /** Leads confirmed 2, 5 and 12 days before: half click, a third attend a webinar, executives ask for a demo. */
        private void engage(int day) {
            ScoringService scoring = app.bean(ScoringService.class);
            event(scoring, day - 2, 2, "EMAIL_CLICKED", "https://bench.example/?utm_campaign=welcome");
            event(scoring, day - 5, 3, "WEBINAR_ATTENDED", "https://bench.example/webinar");
            event(scoring, day - 12, 1, "DEMO_REQUESTED", "https://bench.example/demo");
        }

        private void event(ScoringService scoring, int day, int every, String type, String url) {
            if (day < 0) {
                return;
            }
            List<String> leads = confirmedByDay.get(day);
            for (int i = 0; i < leads.size(); i += every) {
                if (type.equals("DEMO_REQUESTED") && (day + i) % PERSONAS.length != 0) {
                    continue;
                }
                scoring.record(new ScoringService.EventRequest(leads.get(i), null, type, url, null));
            }
        }

        /**
         * The qualification desk decides what waits since yesterday (a prospect, or back to nurture every third);
         * sales accept what is open since yesterday, then qualify or reject (back to nurture) a week on.
         */
        private void actOnHandoffs() {
            HandoffService handoffs = app.bean(HandoffService.class);
            Instant now = org.camunda.bpm.engine.impl.util.ClockUtil.now().toInstant();
            Timestamp dayAgo = Timestamp.from(now.minus(Duration.ofDays(1)));
            io.leadflow.qualification.Qualifications desk = app.bean(io.leadflow.qualification.Qualifications.class);
            for (String id : app.jdbc().queryForList("select id from qualifications where status = 'OPEN'"
                    + " and created_at <= ?", String.class, dayAgo)) {
                boolean nurture = Math.floorMod(id.hashCode(), 3) == 0;
                try {
                    desk.decideAtDesk(id, new io.leadflow.qualification.Qualifications.Decision(
                            nurture ? "NURTURE" : "PROSPECT", nurture ? "TIMING" : null, null, null, null), "bench");
                    actions++;
                } catch (ConflictException notYet) {
                    // its task is not there yet: tomorrow
                }
            }
            for (String id : app.jdbc().queryForList("select id from handoffs where status = 'OPEN'"
                    + " and created_at <= ?", String.class, dayAgo)) {
                act(handoffs, id, HandoffService.Action.accept, null);
            }
            Timestamp weekAgo = Timestamp.from(now.minus(Duration.ofDays(7)));
            for (String id : app.jdbc().queryForList("select id from handoffs where status = 'ACCEPTED'"
                    + " and accepted_at <= ?", String.class, weekAgo)) {
                boolean qualify = Math.floorMod(id.hashCode(), 2) == 0;
                act(handoffs, id, qualify ? HandoffService.Action.qualify : HandoffService.Action.reject,
                        qualify ? null : "NO_BUDGET");
            }
        }

        private void act(HandoffService handoffs, String id, HandoffService.Action action, String reason) {
            try {
                handoffs.act(id, action, reason, null);
                actions++;
            } catch (ConflictException notYet) {
                // its task is not there yet: tomorrow
            }
        }

        /**
         * The database weighed, after a plain {@code VACUUM}: it stands in for autovacuum, which looks once a minute
         * and would see a year go by in a few minutes, so the dead rows of the year would count as its size.
         */
        private Sample sample(int day) {
            app.jdbc().execute("vacuum");
            return new Sample(day, app.count("select count(*) from leads"),
                    app.count("select count(*) from act_ru_execution where parent_id_ is null"),
                    WaitingJourneysBench.parts(WaitingJourneysBench.sizes(app)));
        }

        private void print(Sample s, double seconds) {
            System.out.printf(Locale.ROOT, "m11: day %d (%.0f s): %d leads, %d journeys running, %s MB: %s%n",
                    s.day(), seconds, s.leads(), s.running(), mb(s.total()), partsText(s));
        }

        private List<Metric> figures() {
            Sample end = samples.get(samples.size() - 1);
            Sample quarter = samples.stream().filter(s -> s.day() >= days * 3 / 4).findFirst().orElse(end);
            Sample start = samples.get(0);
            double leads = Math.max(1, captured);
            double perLead = (end.total() - start.total()) / leads;
            double historyGrowth = (double) end.part("engine history") / quarter.part("engine history");
            double totalGrowth = (double) end.total() / quarter.total();
            double[] cleanup = statementMillis();
            System.out.printf(Locale.ROOT, "m11: %d leads captured, %d confirmed, %d sales actions; %.0f s waiting for"
                    + " the engine%n", captured, confirmed, actions, waitSeconds);
            System.out.println("m11: at the start " + mb(start.total()) + " MB: " + partsText(start));
            System.out.println("m11: at day " + quarter.day() + " " + mb(quarter.total()) + " MB: "
                    + partsText(quarter));
            System.out.println("m11: at day " + end.day() + " " + mb(end.total()) + " MB: " + partsText(end));
            System.out.printf(Locale.ROOT, "m11: per lead captured, at the end: %s%n", perLead(start, end, leads));
            System.out.println("m11: activity instances in the history, by journey: " + app.jdbc().queryForList("""
                    select p.proc_def_key_ || case when p.end_time_ is null then ' running' else ' ended' end as j,
                           count(*) as n
                      from act_hi_actinst a join act_hi_procinst p on p.id_ = a.proc_inst_id_
                     group by 1 order by 2 desc""").stream().map(r -> r.get("j") + " " + r.get("n")).toList());
            System.out.println("m11: where the running journeys wait: " + app.jdbc().queryForList("""
                    select split_part(e.proc_def_id_, ':', 1) || ' at ' || e.act_id_ as w, count(*) as n
                      from act_ru_execution e where e.act_id_ is not null
                     group by 1 order by 2 desc limit 8""").stream().map(r -> r.get("w") + " " + r.get("n"))
                    .toList());
            System.out.printf(Locale.ROOT, "m11: PostgreSQL's time in cleanup statements %.0f ms (removal times set"
                    + " %.0f ms, rows found and deleted %.0f ms) of %.0f ms in all statements%n",
                    cleanup[0] + cleanup[1], cleanup[0], cleanup[1], cleanup[2]);
            return List.of(
                    new Metric("M11Y", perLead / 1024, "KB", Double.NaN, Double.NaN,
                            "printed (KB on disk per lead captured in " + days + " days, at their end: "
                                    + perLead(start, end, leads) + ")", true),
                    new Metric("M11H", end.part("engine history") / 1048576.0, "MB",
                            quarter.part("engine history") / 1048576.0, historyGrowth,
                            "ratio<=1.1 (engine history at the end of the year / at day " + quarter.day() + ")",
                            historyGrowth <= 1.1),
                    new Metric("M11T", end.total() / 1048576.0, "MB", quarter.total() / 1048576.0, totalGrowth,
                            "printed (the whole database at the end / at day " + quarter.day() + "; " + end.leads()
                                    + " leads kept, " + end.running() + " journeys running)", true),
                    new Metric("M11C", (cleanup[0] + cleanup[1]) / days, "ms", cleanup[2] / days,
                            (cleanup[0] + cleanup[1]) / cleanup[2],
                            "printed (PostgreSQL ms per day in history removal and cleanup statements / in all)",
                            true));
        }

        private String perLead(Sample start, Sample end, double leads) {
            return end.parts().keySet().stream().map(part -> part + " " + String.format(Locale.ROOT, "%.1f",
                    (end.part(part) - start.part(part)) / leads / 1024) + " KB")
                    .collect(java.util.stream.Collectors.joining(", "));
        }

        private static String partsText(Sample s) {
            return s.parts().entrySet().stream().map(e -> e.getKey() + " " + mb(e.getValue()))
                    .collect(java.util.stream.Collectors.joining(", "));
        }

        private void resetStatements() {
            app.jdbc().execute("select pg_stat_statements_reset()");
        }

        /**
         * PostgreSQL's milliseconds in statements that set removal times, in those that find and delete history (the
         * cleanup's, and erasure's of unconfirmed leads), and in all of them.
         */
        private double[] statementMillis() {
            return app.jdbc().queryForObject("""
                    select coalesce(sum(total_exec_time) filter (where query ilike 'update act_hi%'
                                    and query ilike '%removal_time_%'), 0),
                           coalesce(sum(total_exec_time) filter (where query ilike 'delete from act_hi%'
                                    or query ilike 'delete from act_ge_bytearray%'
                                    or (query ilike 'select%' and (query ilike '%history_ttl_%'
                                        or query ilike '%removal_time_ <=%'))), 0),
                           coalesce(sum(total_exec_time) filter (where query not ilike 'vacuum%'
                                    and query not ilike '%pg_total_relation_size%'), 0)
                      from pg_stat_statements
                     where dbid = (select oid from pg_database where datname = current_database())
                    """, (rs, i) -> new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3)});
        }

        private static String mb(long bytes) {
            return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
        }
    }
}
