package io.leadflow.imports;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.imports.ImportChunks.ClaimLost;
import io.leadflow.imports.ImportService.LegalBasis;
import io.leadflow.imports.ImportService.Options;
import io.leadflow.imports.ImportService.Status;
import io.leadflow.lead.LeadImporter;
import io.leadflow.platform.Errors;
import io.leadflow.platform.TableStatistics;
import io.leadflow.platform.NodeNames;
import io.leadflow.platform.Texts;

/**
 * Runs imports on this node, one at a time on a thread of its own, and holds the claims that say which node runs
 * which import. The claim is what lets any node finish any import: it is renewed every
 * {@code leadflow.imports.check-every} and fenced in every chunk's commit ({@link ImportChunks}), so a chunk commits
 * only while its node still holds the claim. A node that stops gives its imports back between two chunks; a node that
 * dies leaves claims that run out after {@code leadflow.imports.claim-time}. Either way another node, or the same one
 * restarted, takes the import over and goes on after the last chunk committed, so no row is imported twice or left
 * out.
 * <p>
 * A run reads the stored file ({@link ImportFiles}) in chunks of {@value ImportService#CHUNK} rows, each one
 * transaction, and ends the import: done, failed, cancelled, or paused while the database is away.
 */
@Component
class ImportRunner {

    private static final Logger log = LoggerFactory.getLogger(ImportRunner.class);
    /** An import refreshes the statistics of {@code leads} after this many new leads, then each time it doubled. */
    private static final int STATISTICS_EVERY = 10_000;

    private final JdbcClient jdbc;
    private final TableStatistics statistics;
    private final ImportFiles files;
    private final ImportChunks chunks;
    private final TransactionTemplate tx;
    private final ImportSettings settings;
    private final Clock clock;
    private final ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
    /** This node, as its claims name it. */
    private final String node = NodeNames.unique();
    /** Imports this node holds a claim on: queued or running here, and renewed by {@link #checkClaims()}. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    ImportRunner(JdbcClient jdbc, TableStatistics statistics, ImportFiles files, ImportChunks chunks,
            TransactionTemplate tx, ImportSettings settings, Clock clock) {
        this.jdbc = jdbc;
        this.statistics = statistics;
        this.files = files;
        this.chunks = chunks;
        this.tx = tx;
        this.settings = settings;
        this.clock = clock;
        executor.setThreadNamePrefix("import-");
        executor.setCorePoolSize(1);
        executor.setMaxPoolSize(1);
        executor.setQueueCapacity(20);
        // a stopping node lets the chunk being written commit (see stop())
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(30);
        executor.initialize();
    }

    /** This node, as its claims name it. */
    String node() {
        return node;
    }

    /** Nothing running or queued here: the node can start an import now. */
    boolean idle() {
        return executor.getActiveCount() == 0 && executor.getQueueSize() == 0;
    }

    /** Runs an import this node claimed as it stored it. */
    void runClaimed(String id) {
        held.add(id);
        submit(id);
    }

    private void submit(String id) {
        try {
            executor.execute(() -> run(id));
        } catch (TaskRejectedException full) {
            log.warn("Import {} waits: this node already has {} imports queued; the first node free starts it",
                    id, executor.getQueueSize());
            release(id);
        }
    }

    /**
     * A stopping node gives its imports back between two chunks (the chunk being written commits first), so that
     * another node, or this one once restarted, goes on with them; imports queued behind them are given back before
     * their first chunk.
     */
    @PreDestroy
    void stop() {
        stopping = true;
        executor.shutdown();
        if (!held.isEmpty()) {
            // still running after the shutdown's wait: given back anyway, its chunk's commit is fenced by the claim
            held.forEach(this::release);
        }
    }

    /** What a node needs to run an import, from its row. */
    record Job(String id, Options options, Map<String, Integer> columns, long fileSize, Counts total,
            boolean cancelRequested) {
    }

    /** A record of the file and the line where it starts. */
    record Row(int line, List<String> cells) {
    }

    static final class Counts {
        int read, created, merged, unchanged, rejected;
        /** The file's last line in the chunks committed so far, as the import row has it. */
        int committedLine;
        /** Leads created at which the statistics of {@code leads} are refreshed next. */
        int nextAnalysisAt = STATISTICS_EVERY;
    }

    private Optional<Job> claimedJob(String id) {
        return jdbc.sql("select * from imports where id = ? and status = 'RUNNING' and claimed_by = ?").params(id, node)
                .query((rs, n) -> {
                    Counts total = new Counts();
                    total.read = rs.getInt("rows_read");
                    total.created = rs.getInt("created");
                    total.merged = rs.getInt("merged");
                    total.unchanged = rs.getInt("unchanged");
                    total.rejected = rs.getInt("rejected");
                    total.nextAnalysisAt = Math.max(STATISTICS_EVERY, 2 * total.created);
                    total.committedLine = rs.getInt("resume_line");
                    Options options = new Options(LegalBasis.valueOf(rs.getString("legal_basis")),
                            rs.getBoolean("repermission"), LeadImporter.Conflict.valueOf(rs.getString("conflict")),
                            Map.of(), rs.getString("file_name"));
                    return new Job(id, options, ColumnMapping.decode(rs.getString("column_map")),
                            rs.getLong("file_size"), total, rs.getBoolean("cancel_requested"));
                })
                .optional();
    }

    private void run(String id) {
        try {
            Optional<Job> claimed = claimedJob(id);
            if (claimed.isEmpty()) {
                return; // ended or taken over meanwhile
            }
            Job job = claimed.get();
            if (job.cancelRequested()) {
                finish(id, Status.CANCELLED,
                        "Cancelled after row " + job.total().read + "; rows before it are imported");
                return;
            }
            if (stopping) {
                release(id);
                return;
            }
            read(job);
        } catch (RuntimeException e) {
            if (Errors.isStorageFailure(e)) {
                log.warn("Import {} paused, the database failed: {}. It goes on within {}, here or on another node",
                        id, Errors.rootMessage(e), settings.claimTime().plus(settings.checkEvery()));
            } else {
                log.error("Import {} could not be started: {}", id, Errors.rootMessage(e), e);
                finish(id, Status.FAILED, "Could not be started: " + Errors.rootMessage(e));
            }
        } finally {
            held.remove(id);
            if (!stopping && executor.getQueueSize() == 0) {
                // the next import waiting starts now, on this thread's next task, rather than at the next check
                try {
                    takeOne(clock.instant());
                } catch (RuntimeException e) {
                    log.debug("No import taken after {}: {}", id, e.getMessage());
                }
            }
        }
    }

    private void read(Job job) {
        String id = job.id();
        long started = System.nanoTime();
        Counts total = job.total();
        int skipped = 0;
        // a stored file that does not read back whole (a part missing, a byte changed) fails the import
        try (var counted = new CountingInputStream(files.read(id)); CsvReader csv = new CsvReader(counted)) {
            long size = Math.max(1, job.fileSize());
            IntSupplier progress = () -> (int) Math.min(99, 100 * counted.count / size);
            csv.next();
            List<Row> chunk = new ArrayList<>(ImportService.CHUNK);
            List<String> record;
            while ((record = csv.next()) != null) {
                if (record.size() == 1 && record.get(0).isBlank()) {
                    continue;
                }
                if (csv.recordLine() <= total.committedLine) {
                    skipped++;
                    continue;
                }
                chunk.add(new Row(csv.recordLine(), record));
                if (chunk.size() == ImportService.CHUNK) {
                    if (!flush(job, chunk, progress)) {
                        return;
                    }
                }
            }
            if (!chunk.isEmpty() && !flush(job, chunk, progress)) {
                return;
            }
            finish(id, Status.DONE, null);
            log.info("Import {} done: {} rows, {} created, {} merged, {} unchanged, {} rejected{} in {} ms", id,
                    total.read, total.created, total.merged, total.unchanged, total.rejected,
                    skipped > 0 ? " (" + skipped + " rows imported before it was taken over)" : "",
                    (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException | IOException e) {
            if (Errors.isStorageFailure(e)) {
                // the database went away under a chunk, which rolled back: left whole, for a node to go on
                log.warn("Import {} paused after row {}, the database failed: {}. It goes on within {}, here or on "
                        + "another node", id, total.read, Errors.rootMessage(e),
                        settings.claimTime().plus(settings.checkEvery()));
                notePause(id, total.read, e);
                return;
            }
            log.error("Import {} failed after {} rows: {}", id, total.read, Errors.rootMessage(e), e);
            finish(id, Status.FAILED, "Stopped after row " + total.read + ": " + Errors.rootMessage(e)
                    + ". Rows before it are imported; fix the file and upload it again (rows already in merge).");
        }
    }

    /** Counts the bytes of the file read so far, for the progress. */
    private static final class CountingInputStream extends FilterInputStream {
        volatile long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }
    }

    /**
     * Imports one chunk in one transaction; false when the import goes no further here: it was cancelled, this node
     * is stopping (it gives the import back), or another node took it over.
     */
    private boolean flush(Job job, List<Row> chunk, IntSupplier progress) {
        String id = job.id();
        Counts total = job.total();
        if (stopping) {
            release(id);
            log.info("Import {} given back after row {}: this node is stopping; another node, or this one once "
                    + "restarted, goes on with it", id, total.read);
            return false;
        }
        Counts counts;
        try {
            try {
                counts = tx.execute(s -> chunks.importChunk(node, job, chunk, progress));
            } catch (DuplicateKeyException raced) {
                // a form or another import created one of these addresses since the chunk looked them up: once more,
                // and that address now merges
                log.info("Import {}: an address of the chunk from line {} was created meanwhile; importing it again",
                        id, chunk.get(0).line());
                counts = tx.execute(s -> chunks.importChunk(node, job, chunk, progress));
            }
        } catch (ClaimLost lost) {
            Map<String, Object> now = jdbc.sql("select claimed_by, cancel_requested from imports where id = ?")
                    .param(id).query().singleRow();
            if (Boolean.TRUE.equals(now.get("cancel_requested")) && node.equals(now.get("claimed_by"))) {
                finish(id, Status.CANCELLED, "Cancelled after row " + total.read + "; rows before it are imported");
            } else {
                log.warn("Import {}: {} took it over after row {} (this node's claim had run out: was it paused for "
                        + "longer than leadflow.imports.claim-time?); this node stops reading it", id,
                        now.get("claimed_by"), total.read);
            }
            return false;
        }
        total.committedLine = chunk.get(chunk.size() - 1).line();
        total.read += counts.read;
        total.created += counts.created;
        if (total.created >= total.nextAnalysisAt) {
            // the leads table may have doubled since the planner last looked: each chunk looks its addresses up
            statistics.refresh("leads");
            total.nextAnalysisAt = 2 * total.created;
        }
        total.merged += counts.merged;
        total.unchanged += counts.unchanged;
        total.rejected += counts.rejected;
        chunk.clear();
        return true;
    }

    /** Ends an import this node holds, and drops its stored file; nothing when another node holds it now. */
    private void finish(String id, Status status, String error) {
        tx.executeWithoutResult(s -> {
            int ended = jdbc.sql("""
                    update imports set status = ?, finished_at = ?, error = ?, claimed_by = null, claimed_until = null,
                           percent = case when ? = 'DONE' then 100 else percent end
                     where id = ? and status = 'RUNNING' and claimed_by = ?""")
                    .params(status.name(), Timestamp.from(clock.instant()), Texts.truncate(error, 1000), status.name(), id,
                            node)
                    .update();
            if (ended == 1) {
                files.delete(id);
            }
        });
    }

    /** Says on the import why it is not moving, if the database takes it; the next chunk committed clears it. */
    private void notePause(String id, int read, Exception e) {
        try {
            jdbc.sql("update imports set error = ? where id = ? and claimed_by = ? and status = 'RUNNING'")
                    .params(Texts.truncate("Paused after row " + read + ", the database failed (" + Errors.rootMessage(e)
                            + "): it goes on by itself once the database answers", 1000), id, node)
                    .update();
        } catch (RuntimeException stillDown) {
            log.debug("Import {}: the pause could not be noted either: {}", id, stillDown.getMessage());
        }
    }

    /** Gives an import this node holds back, for any node to go on with at its next check. */
    private void release(String id) {
        jdbc.sql("update imports set claimed_by = null, claimed_until = null where id = ? and claimed_by = ?")
                .params(id, node).update();
        held.remove(id);
    }

    /**
     * Every {@code leadflow.imports.check-every}: renews this node's claims, then, when it runs no import, takes over
     * the oldest one no node holds: uploaded while its node was busy, given back by a stopping node, or whose node
     * died and let its claim run out. A node also takes the next one as soon as it finishes an import.
     */
    @Scheduled(initialDelayString = "${leadflow.imports.check-every:PT15S}",
            fixedDelayString = "${leadflow.imports.check-every:PT15S}")
    public int checkClaims() {
        if (stopping) {
            return 0;
        }
        Instant now = clock.instant();
        Timestamp until = Timestamp.from(now.plus(settings.claimTime()));
        if (!held.isEmpty()) {
            jdbc.sql("update imports set claimed_until = :until where id in (:ids) and claimed_by = :node"
                    + " and status = 'RUNNING'").param("until", until).param("ids", List.copyOf(held))
                    .param("node", node).update();
        }
        // one import at a time: the others stay for the first node free
        return idle() ? takeOne(now) : 0;
    }

    /** Takes over the oldest import no node holds; 1 when it did. */
    private int takeOne(Instant now) {
        Timestamp until = Timestamp.from(now.plus(settings.claimTime()));
        // file_size > 0: the import's file is in the database (a node of an older version kept it on its disk)
        List<Map<String, Object>> orphans = jdbc.sql("""
                select id, claimed_by, rows_read from imports
                 where status = 'RUNNING' and file_size > 0 and (claimed_by is null or claimed_until < ?)
                 order by created_at""")
                .param(Timestamp.from(now)).query().listOfRows();
        for (Map<String, Object> orphan : orphans) {
            String id = (String) orphan.get("id");
            if (stopping || held.contains(id)) {
                continue;
            }
            boolean started = orphan.get("claimed_by") != null || ((Number) orphan.get("rows_read")).intValue() > 0;
            int won = jdbc.sql("""
                    update imports set claimed_by = ?, claimed_until = ?,
                           resumed = resumed + case when claimed_by is not null or rows_read > 0 then 1 else 0 end
                     where id = ? and status = 'RUNNING' and (claimed_by is null or claimed_until < ?)""")
                    .params(node, until, id, Timestamp.from(now)).update();
            if (won == 1) {
                log.info("Import {} {}: this node goes on with it", id, !started ? "was waiting for a node to be free"
                        : "taken over after row " + orphan.get("rows_read") + (orphan.get("claimed_by") == null
                                ? " (given back by a stopping node)"
                                : " (the claim of " + orphan.get("claimed_by") + " ran out)"));
                held.add(id);
                submit(id);
                return 1;
            }
        }
        return 0;
    }
}
