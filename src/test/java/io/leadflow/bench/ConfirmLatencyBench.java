package io.leadflow.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.camunda.bpm.engine.RuntimeService;

import io.leadflow.consent.ConsentService.ConfirmOutcome;
import io.leadflow.consent.ConsentService;

/**
 * M2: latency from a person confirming their address to the lead being scored and its stage updated, against the raw
 * engine correlating the same message and evaluating the same decision tables (raw-lead-journey.bpmn).
 *
 * <p>One confirmation at a time, Leadflow and raw alternating so that both see the same machine; after each the
 * benchmark waits until the journey's follow-on work (nurture's track, welcome email, three-day timer) is done, so
 * that one side's leftovers never land in the other's measurement.
 */
final class ConfirmLatencyBench {

    private static final Duration POLL = Duration.ofMillis(1);
    private static final Duration STEP_LIMIT = Duration.ofSeconds(30);

    private ConfirmLatencyBench() {
    }

    static Metric run(BenchApp app, int n, Map<String, Object> rawVariables) throws Exception {
        int warm = Math.max(5, n / 10);
        int total = warm + n;
        System.out.printf("bench: M2 confirm → scored latency (%d confirmations each side, %d warm-up)…%n", n, warm);
        String prefix = "m2-" + app.run() + "-";

        // Leadflow: leads whose confirmation email went out, so double-opt-in waits for ConsentConfirmed.
        List<String> emails = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            emails.add(prefix + i + "@bench-corp.io");
        }
        String[] leadIds = new String[total];
        BenchApp.parallel(total, i -> leadIds[i] = app.capture(emails.get(i)));
        BenchApp.require("confirmation emails of the M2 leads sent", () -> app.count("""
                select count(*) from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.purpose = 'doi-confirmation' and o.status = 'SENT'""", prefix + "%")
                >= total, Duration.ofMinutes(2));
        Map<String, String> tokens = app.confirmTokens(emails);

        // Raw: the same number of raw-opt-in instances waiting for RawConsentConfirmed.
        RuntimeService runtime = app.engine().getRuntimeService();
        String rawPrefix = "raw-" + prefix;
        BenchApp.parallel(total, i -> runtime.startProcessInstanceByKey("raw-opt-in", rawPrefix + i,
                new HashMap<>(rawVariables)));
        BenchApp.require("raw-opt-in instances waiting for confirmation", () -> app.count("""
                select count(*) from act_ru_event_subscr s join act_ru_execution e on e.id_ = s.proc_inst_id_
                 where s.event_name_ = 'RawConsentConfirmed' and e.business_key_ like ?""", rawPrefix + "%") >= total,
                Duration.ofMinutes(2));
        app.jdbc().execute("analyze");

        ConsentService consent = app.bean(ConsentService.class);
        List<Double> leadflowMs = new ArrayList<>();
        List<Double> rawMs = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            String leadId = leadIds[i];
            String token = tokens.get(emails.get(i));
            double lf = timed(() -> {
                if (consent.confirm(token, "127.0.0.1", "bench") != ConfirmOutcome.CONFIRMED) {
                    throw new IllegalStateException("Lead " + leadId + " was not confirmed by its link");
                }
            }, () -> app.count("select count(*) from leads where id = ? and fit_score is not null and stage <> 'NEW'",
                    leadId) == 1, "lead " + leadId + " scored");
            settle(app, "lead " + leadId + " in nurture", () -> app.count("""
                    select count(*) from email_outbox where lead_id = ? and purpose = 'welcome' and status = 'SENT'""",
                    leadId) == 1 && nurtureTimerSet(app, leadId));
            String key = rawPrefix + i;
            double raw = timed(() -> runtime.createMessageCorrelation("RawConsentConfirmed")
                    .processInstanceBusinessKey(key).correlateAllWithResult(),
                    () -> app.count("""
                            select count(*) from act_ru_execution e join act_re_procdef d on d.id_ = e.proc_def_id_
                             where e.business_key_ = ? and e.parent_id_ is null and d.key_ = 'raw-nurture'""", key) == 1,
                    "raw " + key + " scored");
            settle(app, "raw " + key + " in nurture", () -> nurtureTimerSet(app, key));
            if (i >= warm) {
                leadflowMs.add(lf);
                rawMs.add(raw);
            }
        }
        double mean = BenchApp.mean(leadflowMs);
        double p95 = BenchApp.percentile(leadflowMs, 95);
        double rawMean = BenchApp.mean(rawMs);
        double rawP95 = BenchApp.percentile(rawMs, 95);
        System.out.printf("bench: M2 Leadflow mean %.1f ms, p50 %.1f, p95 %.1f, max %.1f; raw mean %.1f ms, p50 %.1f,"
                + " p95 %.1f, max %.1f%n", mean, BenchApp.percentile(leadflowMs, 50), p95,
                BenchApp.percentile(leadflowMs, 100), rawMean, BenchApp.percentile(rawMs, 50), rawP95,
                BenchApp.percentile(rawMs, 100));
        // A latency ÷ the raw latency would pass any slowness against a "≥" goal: the ratio is raw ÷ Leadflow (the
        // share of the raw engine's speed Leadflow keeps), like M1's throughput ratio.
        double ratio = rawMean / mean;
        return new Metric("M2", mean, "ms", rawMean, ratio,
                "ratio>=0.6 (raw mean / Leadflow mean) and p95<=100ms (p95 " + Metric.fmt(p95) + " ms, raw p95 "
                        + Metric.fmt(rawP95) + " ms)", ratio >= 0.6 && p95 <= 100);
    }

    private static boolean nurtureTimerSet(BenchApp app, String businessKey) {
        return app.count("""
                select count(*) from act_ru_job j join act_ru_execution e on e.id_ = j.process_instance_id_
                 where e.business_key_ = ? and j.type_ = 'timer' and j.handler_type_ = 'timer-intermediate-transition'""",
                businessKey) >= 1;
    }

    /** Milliseconds from the start of {@code action} until {@code reached} holds (polled every millisecond). */
    private static double timed(Runnable action, BooleanSupplier reached, String what) {
        long start = System.nanoTime();
        action.run();
        if (!BenchApp.await(reached, POLL, STEP_LIMIT)) {
            throw new IllegalStateException("Not within " + STEP_LIMIT + ": " + what);
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static void settle(BenchApp app, String what, BooleanSupplier done) {
        if (!BenchApp.await(done, Duration.ofMillis(5), STEP_LIMIT)) {
            throw new IllegalStateException("Not within " + STEP_LIMIT + ": " + what);
        }
    }
}
