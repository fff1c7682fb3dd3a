package io.leadflow.bench;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.util.ClockUtil;

/**
 * M4: SLA timers falling due all at once. Leadflow's {@code mql-handoff} instances wait in "Follow up lead" with the
 * non-interrupting "SLA due" timer; the raw baseline is {@code raw-handoff}, the same shape with an expression where
 * Leadflow marks the handoff breached. Each side gets its own burst, created cheaply (instances started at the user
 * task, handoff rows inserted in one batch) with the due date an hour ahead; then the engine's clock is moved to that
 * hour (ClockUtil offset, ticking) and the drain timed from the engine's own history.
 *
 * <p>Two things the drain measures: how long until every breach is recorded (drain time) and how late each one was
 * (p99 lateness: breach recorded minus due date). The job executor's acquisition, idle before the jump, is woken
 * at the jump on both sides ({@code jobWasAdded}): otherwise the first acquisition comes after whatever idle wait it
 * has backed off to (up to {@code max-wait}, 60 s by default), which no timer count would change.
 */
final class TimerDrainBench {

    record Drain(int timers, int done, double seconds, double p50Seconds, double p99Seconds) {
    }

    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(3);

    private TimerDrainBench() {
    }

    /**
     * @param rawFull also drain {@code timers} raw-handoff timers in this JVM (M4I, the former baseline; about a
     *                minute and a half): {@code --m4-raw}
     */
    static List<Metric> run(BenchApp app, int timers, int latencyTimers, StockBaselines.Figures stock,
            boolean rawFull) throws Exception {
        System.out.printf("bench: M4 SLA timers due at once (%d, then %d, each side)…%n", timers, latencyTimers);
        Drain leadflow = drain(app, "lf", timers, true);
        Drain raw = rawFull ? drain(app, "raw", timers, false) : null;
        Drain leadflowSmall = drain(app, "lf-small", latencyTimers, true);
        Drain rawSmall = drain(app, "raw-small", latencyTimers, false);
        boolean complete = leadflow.done() == timers && (raw == null || raw.done() == timers);
        // The goal is against a stock engine draining plain timers in a JVM of its own (StockBaselines); the
        // in-process raw engine's raw-handoff, on Leadflow's engine configuration, stays beside it.
        double stockRatio = stock.timersDrainSeconds() / leadflow.seconds();
        Metric drain = new Metric("M4", leadflow.seconds(), "s", stock.timersDrainSeconds(), stockRatio,
                "ratio>=0.7 (stock Camunda's drain time of " + stock.timers() + " plain timers / Leadflow's of "
                        + timers + " SLA timers; p99 lateness " + Metric.fmt(leadflow.p99Seconds()) + " s, stock "
                        + Metric.fmt(stock.timersP99Seconds()) + " s)",
                complete && stockRatio >= 0.7);
        Metric inProcess = raw == null ? null : new Metric("M4I", leadflow.seconds(), "s", raw.seconds(),
                raw.seconds() / leadflow.seconds(), "printed (the in-process raw engine's raw-handoff drain /"
                        + " Leadflow's; p99 lateness raw " + Metric.fmt(raw.p99Seconds()) + " s; the former goal"
                        + " ratio>=0.7)", complete);
        // The p99 ≤ 5 s goal is for a burst of 1,000 (ENGINEERING.md): 10,000 at the raw engine's ~250 jobs/s cannot
        // be drained in 5 s by any engine settings we keep.
        Metric lateness = new Metric("M4L", leadflowSmall.p99Seconds(), "s", rawSmall.p99Seconds(),
                rawSmall.p99Seconds() / leadflowSmall.p99Seconds(),
                "p99_lateness<=5s for " + latencyTimers + " timers due at once (ratio raw p99 / Leadflow p99)",
                leadflowSmall.done() == latencyTimers && leadflowSmall.p99Seconds() <= 5);
        return inProcess == null ? List.of(drain, lateness) : List.of(drain, inProcess, lateness);
    }

    private static Drain drain(BenchApp app, String label, int count, boolean leadflow) throws Exception {
        RuntimeService runtime = app.engine().getRuntimeService();
        String prefix = "m4-" + app.run() + "-" + label + "-";
        Date due = new Date(ClockUtil.now().getTime() + Duration.ofHours(1).toMillis());
        long created = System.nanoTime();
        if (leadflow) {
            Timestamp now = new Timestamp(ClockUtil.now().getTime());
            List<Object[]> rows = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                rows.add(new Object[] {prefix + i, prefix + i, now, new Timestamp(due.getTime())});
            }
            app.jdbc().batchUpdate("""
                    insert into handoffs (id, lead_id, team, owner, grade, status, created_at, due_at)
                    values (?, ?, 'enterprise', 'alice', 'A', 'OPEN', ?, ?)""", rows);
        }
        String process = leadflow ? "mql-handoff" : "raw-handoff";
        String task = leadflow ? "Task_FollowUp" : "FollowUp";
        BenchApp.parallel(count, i -> {
            Map<String, Object> vars = new HashMap<>();
            vars.put("leadId", prefix + i);
            vars.put("grade", "A");
            vars.put("handoffId", prefix + i);
            vars.put("team", "enterprise");
            vars.put("owner", "alice");
            vars.put("slaDueAt", due);
            if (leadflow) {
                // the ladder's other steps are not due in this measure: only the breach timers fire, as in raw
                Date later = new Date(due.getTime() + Duration.ofDays(3650).toMillis());
                vars.put("slaRemindAt", later);
                vars.put("slaEscalateAt", later);
                vars.put("slaReassignAt", later);
            } else {
                vars.put("assigned", Boolean.TRUE);
            }
            runtime.createProcessInstanceByKey(process).businessKey(prefix + i).startBeforeActivity(task)
                    .setVariables(vars).execute();
        });
        System.out.printf("bench: M4 %s: %d timers created in %.1f s%n", label, count,
                (System.nanoTime() - created) / 1e9);
        app.jdbc().execute("analyze");

        String end = leadflow ? "EndEvent_BreachRecorded" : "BreachRecorded";
        BenchApp.moveEngineClockTo(app, due);
        long start = System.nanoTime();
        // Drained when no job of the definition is due any more (a timer that fired leaves its breach step's
        // asynchronous continuation, so there is always one until the breach is recorded).
        BenchApp.await(() -> app.count("""
                select count(*) from act_ru_job where process_def_key_ = ? and retries_ > 0
                   and (duedate_ is null or duedate_ <= ?)""", process, new Timestamp(ClockUtil.now().getTime())) == 0,
                Duration.ofMillis(200), DRAIN_LIMIT);
        double wall = (System.nanoTime() - start) / 1e9;
        List<Long> lateMillis = app.jdbc().queryForList("""
                select a.start_time_ from act_hi_actinst a join act_hi_procinst p on p.id_ = a.proc_inst_id_
                 where a.proc_def_key_ = ? and a.act_id_ = ? and p.business_key_ like ?""", Timestamp.class, process,
                end, prefix + "%").stream().map(t -> t.getTime() - due.getTime()).toList();
        List<Double> lateSeconds = lateMillis.stream().map(ms -> ms / 1000.0).toList();
        int done = lateSeconds.size();
        // The last breach's lateness is the drain time, to the millisecond of the engine's clock; the wall-clock
        // figure only bounds it (polled every 200 ms) and stands in when the drain did not finish.
        double seconds = done == count ? BenchApp.percentile(lateSeconds, 100) : wall;
        if (done < count) {
            System.out.printf("bench: M4 %s: only %d of %d breaches recorded within %s%n", label, done, count,
                    DRAIN_LIMIT);
        }
        Drain d = new Drain(count, done, seconds, BenchApp.percentile(lateSeconds, 50),
                BenchApp.percentile(lateSeconds, 99));
        System.out.printf("bench: M4 %s: drained %d in %.1f s (%.0f timers/s), lateness p50 %.1f s, p99 %.1f s%n",
                label, done, seconds, done / seconds, d.p50Seconds(), d.p99Seconds());
        return d;
    }
}
