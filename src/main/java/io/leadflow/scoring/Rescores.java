package io.leadflow.scoring;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ConflictException;
import io.leadflow.platform.ConflictRetry;
import io.leadflow.platform.Errors;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.Texts;

/**
 * The bulk rescore: what a marketer runs once a changed table is deployed, so that everyone it affects is scored
 * under it now rather than at their next event. It is the one-lead rescore ({@link ScoringService#rescore(String)})
 * applied to every confirmed lead, in chunks of {@value #CHUNK}, each chunk one transaction with the run's counts, so
 * that the counts always say what was committed and a failure loses at most the chunk it happened in. A lead rescored
 * twice is unchanged the second time, so a run that stopped is simply started again.
 * <p>
 * Runs are rows of {@code scoring_rescores}: their result outlives a restart and any node answers for them. One runs
 * at a time in the whole cluster (a unique index holds it); a run whose node died stops committing chunks and is
 * ended after {@link #ABANDONED_AFTER}, by any node.
 */
@Service
class Rescores {

    private static final Logger log = LoggerFactory.getLogger(Rescores.class);
    static final int CHUNK = 100;
    /** Far longer than a chunk of a hundred leads takes, even on a busy database. */
    static final Duration ABANDONED_AFTER = Duration.ofMinutes(5);
    private static final int LISTED = 10;
    /** Distinct fit inputs and event types remembered during one run (a few MB at most). */
    private static final int MEMO_LIMIT = 50_000;

    enum Status { RUNNING, DONE, FAILED }

    /** @param decisionKey the table whose change the run applies, to say so in the list of runs; optional */
    record Request(String decisionKey) {
    }

    /**
     * @param total    confirmed leads when the run started (or the leads processed, when more were confirmed since)
     * @param changed  leads whose fit, event points, grade or stage the run changed (not the mere decay of engagement)
     * @param versions the deployed version of each scoring table the run used
     */
    record Run(String id, Status status, long total, long processed, long changed, long becameMql, long gradeChanges,
            Instant startedAt, Instant finishedAt, String error, String decisionKey, Map<String, Integer> versions,
            String startedBy) {
    }

    /** The run was ended meanwhile (found abandoned by another node): this chunk rolls back and the run stops. */
    private static final class RunEnded extends RuntimeException {
        RunEnded() {
            super(null, null, false, false);
        }
    }

    private final ScoringService scoring;
    private final DecisionEvaluator decisions;
    private final Leads leads;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final ScoringSettings settings;
    private final Clock clock;
    private final ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
    private volatile boolean stopping;

    Rescores(ScoringService scoring, DecisionEvaluator decisions, Leads leads, JdbcClient jdbc, TransactionTemplate tx,
            ScoringSettings settings, Clock clock) {
        this.scoring = scoring;
        this.decisions = decisions;
        this.leads = leads;
        this.jdbc = jdbc;
        this.tx = tx;
        this.settings = settings;
        this.clock = clock;
        executor.setThreadNamePrefix("rescore-");
        executor.setCorePoolSize(1);
        executor.setMaxPoolSize(1);
        // one run at a time in the cluster; the one slot covers a run of this node still ending its last chunk
        executor.setQueueCapacity(1);
        // a stopping node lets the chunk being written commit, then ends the run (see run())
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(30);
        executor.initialize();
    }

    @PreDestroy
    void stop() {
        stopping = true;
        executor.shutdown();
    }

    /**
     * Starts a run in the background and answers it as it starts.
     *
     * @throws ConflictException naming the run under way when there is one, on any node
     */
    Run start(String decisionKey, String startedBy) {
        if (decisionKey != null && !Backtests.TABLES.contains(decisionKey)) {
            throw InvalidInputException.of("decisionKey", "must be one of " + Backtests.TABLES + ", or left out");
        }
        Instant now = clock.instant();
        endAbandoned(now);
        DecisionEvaluator.Decision fit = decisions.latest(ScoringService.FIT);
        DecisionEvaluator.Decision engagement = decisions.latest(ScoringService.ENGAGEMENT);
        DecisionEvaluator.Decision mql = decisions.latest(ScoringService.MQL);
        String id = UUID.randomUUID().toString();
        try {
            jdbc.sql("""
                    insert into scoring_rescores (id, status, running, decision_key, fit_version, engagement_version,
                                                  mql_version, started_by, total, started_at, heartbeat_at)
                    values (?, 'RUNNING', 1, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(id, decisionKey, fit.version(), engagement.version(), mql.version(),
                            Texts.truncate(startedBy, 100), leads.count(Lead.Consent.CONFIRMED), Timestamp.from(now),
                            Timestamp.from(now))
                    .update();
        } catch (DuplicateKeyException oneIsRunning) {
            throw new ConflictException(running().map(r -> "A bulk rescore is already running: " + r.id()
                    + " (started " + r.startedAt() + (r.startedBy() == null ? "" : " by " + r.startedBy()) + ", "
                    + r.processed() + " of " + r.total() + " leads so far). Follow it at GET /api/scoring/rescore/"
                    + r.id() + " and start again once it has ended")
                    .orElse("A bulk rescore started at the same moment: follow it in GET /api/scoring/rescore"));
        }
        // the tables as they are now, for the whole run: its result says which versions it applied
        Scorer scorer = new Scorer(fit, engagement, mql, settings.engagementHalfLife(), MEMO_LIMIT, false);
        try {
            executor.execute(() -> run(id, scorer));
        } catch (TaskRejectedException busy) {
            finish(id, Status.FAILED, 0, "This node is still ending its previous run: start again in a minute");
        }
        log.info("Bulk rescore {} started by {} (lead-fit-score v{}, engagement-points v{}, mql-decision v{})", id,
                startedBy, fit.version(), engagement.version(), mql.version());
        return find(id).orElseThrow();
    }

    Optional<Run> find(String id) {
        return jdbc.sql("select * from scoring_rescores where id = ?").param(id).query(Rescores::map).optional();
    }

    /** The last runs, newest first. */
    List<Run> list() {
        return jdbc.sql("select * from scoring_rescores order by started_at desc fetch first " + LISTED + " rows only")
                .query(Rescores::map).list();
    }

    private Optional<Run> running() {
        return jdbc.sql("select * from scoring_rescores where running = 1").query(Rescores::map).optional();
    }

    private void run(String id, Scorer scorer) {
        long started = System.nanoTime();
        long processed = 0;
        String after = "";
        try {
            while (!stopping) {
                List<Lead> page = leads.page(Lead.Consent.CONFIRMED, after, CHUNK);
                if (page.isEmpty()) {
                    finish(id, Status.DONE, processed, null);
                    log.info("Bulk rescore {} done: {} leads in {} ms", id, processed,
                            (System.nanoTime() - started) / 1_000_000);
                    return;
                }
                ConflictRetry.retrying("Rescores.chunk", () -> tx.execute(s -> chunk(id, page, scorer)));
                processed += page.size();
                after = page.get(page.size() - 1).id();
            }
            finish(id, Status.FAILED, processed, "Stopped with its node after " + processed + " leads: start it "
                    + "again (a lead rescored twice is unchanged the second time)");
        } catch (RunEnded ended) {
            log.warn("Bulk rescore {} was ended by another node after {} leads (no chunk committed for {}): this "
                    + "node stops it", id, processed, ABANDONED_AFTER);
        } catch (RuntimeException e) {
            log.error("Bulk rescore {} failed after {} leads: {}", id, processed, Errors.rootMessage(e), e);
            finish(id, Status.FAILED, processed, "Stopped after " + processed + " leads: " + Errors.rootMessage(e)
                    + ". The leads before it are rescored; start it again once the cause is fixed");
        }
    }

    /** Rescores one chunk and counts it on the run, in the caller's transaction. */
    private Void chunk(String id, List<Lead> page, Scorer scorer) {
        long changed = 0;
        long becameMql = 0;
        long gradeChanges = 0;
        for (Lead lead : page) {
            Optional<ScoringService.Rescored> rescored = scoring.rescoreInBulk(lead.id(), scorer);
            if (rescored.isPresent()) {
                changed += rescored.get().changed() ? 1 : 0;
                becameMql += rescored.get().becameMql() ? 1 : 0;
                gradeChanges += rescored.get().gradeChanged() ? 1 : 0;
            }
        }
        int counted = jdbc.sql("""
                update scoring_rescores set processed = processed + ?, changed = changed + ?,
                       became_mql = became_mql + ?, grade_changes = grade_changes + ?, heartbeat_at = ?
                 where id = ? and status = 'RUNNING'""")
                .params(page.size(), changed, becameMql, gradeChanges, Timestamp.from(clock.instant()), id)
                .update();
        if (counted == 0) {
            throw new RunEnded();
        }
        return null;
    }

    private void finish(String id, Status status, long processed, String error) {
        jdbc.sql("""
                update scoring_rescores set status = ?, running = null, finished_at = ?, error = ?,
                       total = case when total < ? then ? else total end
                 where id = ? and status = 'RUNNING'""")
                .params(status.name(), Timestamp.from(clock.instant()), Texts.truncate(error, 1000), processed,
                        processed, id)
                .update();
    }

    /**
     * Ends the runs whose node stopped committing chunks (it died, or lost the database): every minute on every node
     * (idempotent), and before a run starts, so a dead node never keeps the next run from starting for long.
     */
    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT1M")
    public int endAbandoned() {
        return endAbandoned(clock.instant());
    }

    private int endAbandoned(Instant now) {
        int ended = jdbc.sql("""
                update scoring_rescores set status = 'FAILED', running = null, finished_at = ?, error = ?
                 where running = 1 and heartbeat_at < ?""")
                .params(Timestamp.from(now), "Abandoned: no chunk of leads was committed for " + ABANDONED_AFTER
                        + " (its node stopped?). The leads counted as processed are rescored; start it again",
                        Timestamp.from(now.minus(ABANDONED_AFTER)))
                .update();
        if (ended > 0) {
            log.warn("{} bulk rescore(s) ended: no chunk committed for {}", ended, ABANDONED_AFTER);
        }
        return ended;
    }

    private static Run map(ResultSet rs, int n) throws SQLException {
        Map<String, Integer> versions = new LinkedHashMap<>();
        versions.put(ScoringService.FIT, rs.getInt("fit_version"));
        versions.put(ScoringService.ENGAGEMENT, rs.getInt("engagement_version"));
        versions.put(ScoringService.MQL, rs.getInt("mql_version"));
        Timestamp finished = rs.getTimestamp("finished_at");
        return new Run(rs.getString("id"), Status.valueOf(rs.getString("status")), rs.getLong("total"),
                rs.getLong("processed"), rs.getLong("changed"), rs.getLong("became_mql"), rs.getLong("grade_changes"),
                rs.getTimestamp("started_at").toInstant(), finished == null ? null : finished.toInstant(),
                rs.getString("error"), rs.getString("decision_key"), versions, rs.getString("started_by"));
    }
}
