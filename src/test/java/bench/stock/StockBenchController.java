package bench.stock;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.support.Parallel;

/**
 * The raw baselines of M1 and M4 as a user would meet them: measured inside a stock Camunda node, a JVM of its own with
 * the starter's defaults, on a database of its own. The bench calls these over HTTP once the node is healthy and reads
 * the figures from the answer.
 */
@RestController
class StockBenchController {

    private final ProcessEngine engine;
    private final JdbcTemplate jdbc;
    private long clockOffset;

    StockBenchController(ProcessEngine engine, JdbcTemplate jdbc) {
        this.engine = engine;
        this.jdbc = jdbc;
    }

    /** Instances of a plain start → message wait a second, started on {@code threads} threads (after a fifth to warm). */
    @PostMapping("/bench/start-wait")
    Map<String, Object> startWait(@RequestParam int n, @RequestParam int threads) throws Exception {
        AtomicInteger key = new AtomicInteger();
        IntConsumer start = i -> engine.getRuntimeService().startProcessInstanceByKey("raw-plain-start-to-wait",
                "stock-" + threads + "-" + key.incrementAndGet());
        Parallel.run(Math.max(100, n / 5), threads, start);
        long t0 = System.nanoTime();
        Parallel.run(n, threads, start);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return Map.of("perSecond", n / seconds, "threads", threads);
    }

    /**
     * {@code n} plain timers due at one instant: the instances are started, their jobs given one due date, then the
     * engine's clock is moved to it and the job executor woken, as M4 does in Leadflow. Answers the drain (the last
     * timer's lateness, from the engine's history) and the p50 and p99 lateness in seconds.
     */
    @PostMapping("/bench/timers")
    synchronized Map<String, Object> timers(@RequestParam int n, @RequestParam String label) throws Exception {
        String prefix = "stock-timer-" + label + "-";
        AtomicInteger key = new AtomicInteger();
        Parallel.run(n, 8, i -> engine.getRuntimeService().startProcessInstanceByKey("raw-timer",
                prefix + key.incrementAndGet()));
        Date due = new Date(ClockUtil.now().getTime() + Duration.ofMinutes(30).toMillis());
        jdbc.update("""
                update act_ru_job set duedate_ = ? where process_instance_id_ in
                  (select id_ from act_ru_execution where business_key_ like ? and parent_id_ is null)""",
                new Timestamp(due.getTime()), prefix + "%");
        jdbc.execute("analyze");
        clockOffset += due.getTime() - ClockUtil.now().getTime();
        ClockUtil.offset(clockOffset);
        ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration()).getJobExecutor().jobWasAdded();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String fired = """
                select a.start_time_ from act_hi_actinst a join act_hi_procinst p on p.id_ = a.proc_inst_id_
                 where a.act_id_ = 'Fired' and p.business_key_ like ?""";
        while (count("select count(*) from (" + fired + ") f", prefix + "%") < n && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        List<Double> late = new ArrayList<>(jdbc.queryForList(fired, Timestamp.class, prefix + "%").stream()
                .map(t -> (t.getTime() - due.getTime()) / 1000.0).toList());
        late.sort(null);
        if (late.isEmpty()) {
            return Map.of("fired", 0);
        }
        return Map.of("fired", late.size(), "drainSeconds", late.get(late.size() - 1),
                "p50Seconds", late.get((int) Math.ceil(0.5 * late.size()) - 1),
                "p99Seconds", late.get((int) Math.ceil(0.99 * late.size()) - 1));
    }

    private long count(String sql, Object... args) {
        Long n = jdbc.queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }
}
