package io.leadflow.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.RuntimeService;

import io.leadflow.consent.ConsentService;
import io.leadflow.scoring.ScoringService;

/**
 * M5: bytes of WAL PostgreSQL writes per lead journey, against the raw engine doing the same shape
 * (raw-lead-journey.bpmn). The journey: captured, confirmation email sent, confirmed, scored (not yet an MQL:
 * nurture starts, welcome email sent), a demo request makes it an MQL, handed to sales (assigned, pushed to the
 * CRM) and waiting in "Follow up lead".
 *
 * <p>WAL is counted between two {@code pg_current_wal_lsn()} readings, each window starting right after a
 * CHECKPOINT (so both sides pay the same full-page images), with autovacuum off and the checkpoint interval long
 * enough that no checkpoint falls inside a window; the settings are restored afterwards. Everything a journey
 * causes is inside its window: the window closes only when no job is due and no email is waiting.
 */
final class WalBench {

    private static final Duration STEP_LIMIT = Duration.ofMinutes(2);

    private WalBench() {
    }

    static Metric run(BenchApp app, int n, Map<String, Object> rawVariables) throws Exception {
        System.out.printf("bench: M5 WAL bytes per lead journey (%d journeys each side)…%n", n);
        var jdbc = app.jdbc();
        jdbc.execute("alter system set autovacuum = off");
        jdbc.execute("alter system set checkpoint_timeout = '1h'");
        jdbc.execute("alter system set max_wal_size = '16GB'");
        jdbc.execute("select pg_reload_conf()");
        try {
            // Warm both paths once (first use of a table or code path is not what a journey costs).
            leadflowJourneys(app, Math.max(5, n / 10), "warm");
            rawJourneys(app, Math.max(5, n / 10), "warm", rawVariables);
            jdbc.execute("analyze");
            double raw = walPerJourney(app, n, () -> rawJourneys(app, n, "m", rawVariables));
            double leadflow = walPerJourney(app, n, () -> leadflowJourneys(app, n, "m"));
            double ratio = leadflow / raw;
            return new Metric("M5", leadflow, "bytes/journey", raw, ratio,
                    "ratio<=1.3 (Leadflow WAL / raw WAL per journey)", ratio <= 1.3);
        } finally {
            jdbc.execute("alter system reset autovacuum");
            jdbc.execute("alter system reset checkpoint_timeout");
            jdbc.execute("alter system reset max_wal_size");
            jdbc.execute("select pg_reload_conf()");
        }
    }

    interface Journeys {
        void run() throws Exception;
    }

    private static double walPerJourney(BenchApp app, int n, Journeys journeys) throws Exception {
        var jdbc = app.jdbc();
        BenchApp.require("quiet before measuring WAL", app::quiet, STEP_LIMIT);
        jdbc.execute("checkpoint");
        String start = jdbc.queryForObject("select pg_current_wal_lsn()::text", String.class);
        journeys.run();
        BenchApp.require("quiet after the journeys", app::quiet, STEP_LIMIT);
        // The consent ledger is sealed within half a second of an append: let the sealer run inside the window.
        Thread.sleep(1500);
        Long bytes = jdbc.queryForObject("select pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn)::bigint",
                Long.class, start);
        long checkpoints = jdbc.queryForObject("select checkpoints_req + checkpoints_timed from pg_stat_bgwriter",
                Long.class);
        System.out.printf("bench: M5 %d journeys wrote %d WAL bytes (%.0f per journey; checkpoints so far %d)%n", n,
                bytes, bytes / (double) n, checkpoints);
        return bytes / (double) n;
    }

    private static void leadflowJourneys(BenchApp app, int n, String label) throws Exception {
        String prefix = "m5-" + app.run() + "-" + label + "-";
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            emails.add(prefix + i + "@bench-corp.io");
        }
        String[] ids = new String[n];
        BenchApp.parallel(n, i -> ids[i] = app.capture(emails.get(i)));
        String like = prefix + "%";
        BenchApp.require("confirmation emails sent", () -> app.count("""
                select count(*) from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.purpose = 'doi-confirmation' and o.status = 'SENT'""", like) >= n,
                STEP_LIMIT);
        Map<String, String> tokens = app.confirmTokens(emails);
        ConsentService consent = app.bean(ConsentService.class);
        BenchApp.parallel(n, i -> consent.confirm(tokens.get(emails.get(i)), "127.0.0.1", "bench"));
        BenchApp.require("leads scored and welcomed", () -> app.count("""
                select count(*) from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.purpose = 'welcome' and o.status = 'SENT' and l.fit_score is not null""",
                like) >= n, STEP_LIMIT);
        ScoringService scoring = app.bean(ScoringService.class);
        BenchApp.parallel(n, i -> scoring.record(new ScoringService.EventRequest(ids[i], null, "DEMO_REQUESTED",
                "https://bench.example/demo", null)));
        BenchApp.require("leads handed to sales and pushed to the CRM", () -> app.count("""
                select count(*) from act_ru_task t join act_ru_execution e on e.id_ = t.proc_inst_id_
                 join leads l on l.id = e.business_key_
                 where l.email like ? and t.task_def_key_ = 'Task_FollowUp'""", like) >= n, STEP_LIMIT);
    }

    private static void rawJourneys(BenchApp app, int n, String label, Map<String, Object> variables)
            throws Exception {
        RuntimeService runtime = app.engine().getRuntimeService();
        String prefix = "raw-m5-" + app.run() + "-" + label + "-";
        Map<String, Object> vars = new HashMap<>(variables);
        vars.put("slaDueAt", java.util.Date.from(Instant.now().plus(Duration.ofDays(2))));
        BenchApp.parallel(n, i -> runtime.startProcessInstanceByKey("raw-opt-in", prefix + i, vars));
        String like = prefix + "%";
        BenchApp.require("raw instances waiting for confirmation", () -> app.count("""
                select count(*) from act_ru_event_subscr s join act_ru_execution e on e.id_ = s.proc_inst_id_
                 where s.event_name_ = 'RawConsentConfirmed' and e.business_key_ like ?""", like) >= n, STEP_LIMIT);
        BenchApp.parallel(n, i -> runtime.createMessageCorrelation("RawConsentConfirmed")
                .processInstanceBusinessKey(prefix + i).correlateAllWithResult());
        BenchApp.require("raw instances in nurture", () -> app.count("""
                select count(*) from act_ru_job j join act_ru_execution e on e.id_ = j.process_instance_id_
                 where e.business_key_ like ? and j.type_ = 'timer'""", like) >= n, STEP_LIMIT);
        BenchApp.parallel(n, i -> runtime.createMessageCorrelation("RawLeadQualified")
                .processInstanceBusinessKey(prefix + i).correlateAllWithResult());
        BenchApp.require("raw instances handed over", () -> app.count("""
                select count(*) from act_ru_task t join act_ru_execution e on e.id_ = t.proc_inst_id_
                 where e.business_key_ like ? and t.task_def_key_ = 'FollowUp'""", like) >= n, STEP_LIMIT);
    }
}
