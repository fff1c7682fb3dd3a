package io.leadflow.imports;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.consent.ConsentLedger;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadImporter;
import io.leadflow.lead.LeadRepository;
import io.leadflow.platform.Errors;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.PayloadTooLargeException;
import io.leadflow.platform.TableStatistics;

/**
 * Contact imports: the file is streamed to disk (with its SHA-256, so the same file uploaded again changes nothing),
 * kept in the database until its import ends, then read row by row in chunks of {@value #CHUNK}, each chunk one
 * transaction. A row is imported whole or rejected whole with its reason. Consent follows the import's legal basis:
 * with proof of opt-in a lead is confirmed; without, it stays PENDING and gets no marketing email, or enters a
 * throttled re-permission campaign.
 * <p>
 * Any node can finish any import. The node running one holds a claim on it, renewed every
 * {@code leadflow.imports.check-every} and fenced in every chunk's commit: a chunk commits only while its node still
 * holds the claim. A node that stops gives its imports back between two chunks; a node that dies leaves claims that
 * run out after {@code leadflow.imports.claim-time}. Either way another node, or the same one restarted, takes the
 * import over and goes on after the last chunk committed, so no row is imported twice or left out.
 */
@Service
public class ImportService {

    private static final Logger log = LoggerFactory.getLogger(ImportService.class);
    static final int CHUNK = 500;

    public enum Status { RUNNING, DONE, FAILED, CANCELLED }

    public enum LegalBasis { CONSENT_PROOF, NONE }

    public record Options(LegalBasis legalBasis, boolean repermission, LeadImporter.Conflict conflict,
            Map<String, String> mapping, String fileName) {
    }

    /** {@code resumed}: how many times the import was taken over after the node running it stopped. */
    public record ImportView(String id, Status status, String fileName, LegalBasis legalBasis, boolean repermission,
            LeadImporter.Conflict conflict, int percent, int rowsRead, int created, int merged, int unchanged, int rejected,
            Instant createdAt, Instant finishedAt, String mapping, String error, boolean sameFileAsBefore, int resumed) {
    }

    /** The stored file is compressed (gzip) and kept in parts of this size. */
    static final int PART = 256 * 1024;

    private final JdbcClient jdbc;
    private final JdbcTemplate batch;
    private final TableStatistics statistics;
    private final LeadImporter importer;
    private final LeadRepository leads;
    private final ConsentLedger ledger;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final ImportSettings settings;
    private final Clock clock;
    private final ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
    /** This node, as its claims name it. */
    private final String node = nodeName();
    /** Imports this node holds a claim on: queued or running here, and renewed by {@link #checkClaims()}. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    ImportService(JdbcClient jdbc, JdbcTemplate batch, TableStatistics statistics, LeadImporter importer, LeadRepository leads, ConsentLedger ledger,
            TransactionTemplate tx, ApplicationEventPublisher events, ImportSettings settings, Clock clock) {
        this.jdbc = jdbc;
        this.batch = batch;
        this.statistics = statistics;
        this.importer = importer;
        this.leads = leads;
        this.ledger = ledger;
        this.tx = tx;
        this.events = events;
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

    /** Stores the upload and starts reading it; the same file imported before answers with that import. */
    public ImportView start(InputStream body, Options options, String user) {
        if (options.legalBasis() == null) {
            throw InvalidInputException.of("legalBasis", "is required: CONSENT_PROOF (you hold proof these people "
                    + "opted in) or NONE (they get no marketing email, or a re-permission campaign)");
        }
        Path file;
        String sha;
        try {
            file = Files.createTempFile("leadflow-import-", ".csv");
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            long max = settings.maxSize().toBytes();
            try (InputStream in = body; OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                    if (total > max) {
                        Files.deleteIfExists(file);
                        throw new PayloadTooLargeException("The file is larger than leadflow.imports.max-size ("
                                + settings.maxSize().toMegabytes() + " MB): split it");
                    }
                    out.write(buffer, 0, n);
                }
            }
            sha = HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("The upload could not be stored: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Optional<String> before = jdbc.sql("""
                select id from imports where file_sha256 = ? and status = 'DONE' and legal_basis = ?
                 order by created_at fetch first 1 rows only""")
                .params(sha, options.legalBasis().name()).query(String.class).optional();
        if (before.isPresent()) {
            deleteQuietly(file);
            ImportView earlier = get(before.get());
            log.info("Import of {} is the file of import {}: nothing to do", options.fileName(), earlier.id());
            return new ImportView(earlier.id(), earlier.status(), earlier.fileName(), earlier.legalBasis(),
                    earlier.repermission(), earlier.conflict(), earlier.percent(), earlier.rowsRead(), earlier.created(),
                    earlier.merged(), earlier.unchanged(), earlier.rejected(), earlier.createdAt(),
                    earlier.finishedAt(), earlier.mapping(), earlier.error(), true, earlier.resumed());
        }
        Map<String, Integer> columns;
        List<String> header;
        try (CsvReader csv = new CsvReader(Files.newInputStream(file))) {
            header = csv.next();
            if (header == null) {
                throw InvalidInputException.of("file", "is empty: send a CSV file with a header row");
            }
            columns = ColumnMapping.resolve(header, options.mapping() == null ? Map.of() : options.mapping());
        } catch (IllegalArgumentException e) {
            deleteQuietly(file);
            throw InvalidInputException.of("mapping", e.getMessage());
        } catch (IOException e) {
            deleteQuietly(file);
            throw InvalidInputException.of("file", "cannot be read as CSV: " + e.getMessage());
        }
        String id = UUID.randomUUID().toString();
        String mapping = describe(header, columns);
        // a node busy with another import leaves this one to the first node free, itself included
        boolean mine = idle();
        try {
            long size = Files.size(file);
            tx.executeWithoutResult(s -> {
                jdbc.sql("""
                        insert into imports (id, file_sha256, file_name, status, legal_basis, repermission, conflict,
                                             created_by, created_at, mapping, column_map, file_size, claimed_by,
                                             claimed_until)
                        values (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                        .params(id, sha, truncate(options.fileName(), 200), options.legalBasis().name(),
                                options.repermission(), options.conflict().name(), user, Timestamp.from(clock.instant()),
                                truncate(mapping, 2000), encode(columns), size, mine ? node : null,
                                mine ? Timestamp.from(clock.instant().plus(settings.claimTime())) : null)
                        .update();
                storeFile(id, file);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("The upload could not be stored: " + e.getMessage(), e);
        } finally {
            deleteQuietly(file);
        }
        if (mine) {
            held.add(id);
            submit(id);
        } else {
            log.info("Import {} waits for a node to be free: this one is running another import", id);
        }
        return get(id);
    }

    /**
     * The upload, compressed and cut in parts of {@value #PART} bytes, in the caller's transaction: a CSV of
     * contacts shrinks several times over (7x for a generated 150,000-row file), so a large import writes its file
     * to the database for a fraction of what its rows cost.
     */
    private void storeFile(String id, Path file) {
        try (OutputStream out = new java.util.zip.GZIPOutputStream(new PartWriter(id), 64 * 1024) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_SPEED);
            }
        }) {
            Files.copy(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes what it is given as rows of {@code import_file_parts}, {@value #PART} bytes each but the last. */
    private final class PartWriter extends OutputStream {
        private final String id;
        private final java.io.ByteArrayOutputStream part = new java.io.ByteArrayOutputStream(PART);
        private int next;

        PartWriter(String id) {
            this.id = id;
        }

        @Override
        public void write(int b) {
            part.write(b);
            if (part.size() == PART) {
                store();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            while (len > 0) {
                int n = Math.min(len, PART - part.size());
                part.write(b, off, n);
                off += n;
                len -= n;
                if (part.size() == PART) {
                    store();
                }
            }
        }

        @Override
        public void close() {
            if (part.size() > 0) {
                store();
            }
        }

        private void store() {
            batch.update("insert into import_file_parts (import_id, part_no, data) values (?, ?, ?)", id, next++,
                    part.toByteArray());
            part.reset();
        }
    }

    private void submit(String id) {
        try {
            executor.execute(() -> run(id));
        } catch (org.springframework.core.task.TaskRejectedException full) {
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
    @jakarta.annotation.PreDestroy
    void stop() {
        stopping = true;
        executor.shutdown();
        if (!held.isEmpty()) {
            // still running after the shutdown's wait: given back anyway, its chunk's commit is fenced by the claim
            held.forEach(this::release);
        }
    }

    public ImportView get(String id) {
        return jdbc.sql("select * from imports where id = ?").param(id)
                .query((rs, n) -> new ImportView(rs.getString("id"), Status.valueOf(rs.getString("status")),
                        rs.getString("file_name"), LegalBasis.valueOf(rs.getString("legal_basis")),
                        rs.getBoolean("repermission"), LeadImporter.Conflict.valueOf(rs.getString("conflict")),
                        rs.getInt("percent"), rs.getInt("rows_read"), rs.getInt("created"), rs.getInt("merged"), rs.getInt("unchanged"),
                        rs.getInt("rejected"), rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("finished_at") == null ? null : rs.getTimestamp("finished_at").toInstant(),
                        rs.getString("mapping"), rs.getString("error"), false, rs.getInt("resumed")))
                .optional().orElseThrow(() -> new NotFoundException("No import " + id));
    }

    /**
     * Stops a running import at its current chunk, which rolls back, on whichever node runs it; rows already
     * committed stay. An import no node runs at the moment ends as cancelled when a node next takes it up.
     */
    public ImportView cancel(String id) {
        get(id);
        jdbc.sql("update imports set cancel_requested = true where id = ? and status = 'RUNNING'").param(id).update();
        return get(id);
    }

    public record Rejection(int line, String reason, String raw) {
    }

    public List<Rejection> rejections(String id) {
        get(id);
        return jdbc.sql("select line_no, reason, raw from import_rejections where import_id = ? order by line_no")
                .param(id).query((rs, n) -> new Rejection(rs.getInt(1), rs.getString(2), rs.getString(3))).list();
    }

    public record Merge(int line, String leadId, String changedFields) {
    }

    public List<Merge> merges(String id) {
        get(id);
        return jdbc.sql("select line_no, lead_id, changed_fields from import_merges where import_id = ? order by line_no")
                .param(id).query((rs, n) -> new Merge(rs.getInt(1), rs.getString(2), rs.getString(3))).list();
    }

    /** What a node needs to run an import, from its row. */
    private record Job(String id, Options options, Map<String, Integer> columns, long fileSize, Counts total,
            boolean cancelRequested) {
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
                    return new Job(id, options, decode(rs.getString("column_map")), rs.getLong("file_size"), total,
                            rs.getBoolean("cancel_requested"));
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
                finish(id, Status.CANCELLED, "Cancelled after row " + job.total().read + "; rows before it are imported");
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
        // gzip checks the file read back whole: a missing part or a changed byte fails the import
        try (var counted = new CountingInputStream(new java.util.zip.GZIPInputStream(new StoredFile(id), 64 * 1024));
                CsvReader csv = new CsvReader(counted)) {
            long size = Math.max(1, job.fileSize());
            java.util.function.IntSupplier progress = () -> (int) Math.min(99, 100 * counted.count / size);
            csv.next();
            List<Row> chunk = new ArrayList<>(CHUNK);
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
                if (chunk.size() == CHUNK) {
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

    /** The stored upload as it was stored (compressed), read back a part at a time. */
    private final class StoredFile extends InputStream {
        private final String id;
        private int next;
        private byte[] part = new byte[0];
        private int at;
        private boolean end;

        StoredFile(String id) {
            this.id = id;
        }

        private boolean fill() {
            while (at == part.length && !end) {
                Optional<byte[]> data = jdbc.sql("select data from import_file_parts where import_id = ? and part_no = ?")
                        .params(id, next).query((rs, n) -> rs.getBytes(1)).optional();
                end = data.isEmpty();
                part = data.orElse(new byte[0]);
                at = 0;
                next++;
            }
            return at < part.length;
        }

        @Override
        public int read() {
            return fill() ? part[at++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, part.length - at);
            System.arraycopy(part, at, b, off, n);
            at += n;
            return n;
        }
    }

    /** Counts the bytes of the file read so far, for the progress. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
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

    private record Row(int line, List<String> cells) {
    }

    private static final class Counts {
        int read, created, merged, unchanged, rejected;
        /** The file's last line in the chunks committed so far, as the import row has it. */
        int committedLine;
        /** Leads created at which the statistics of {@code leads} are refreshed next. */
        int nextAnalysisAt = STATISTICS_EVERY;
    }

    /** An import refreshes the statistics of {@code leads} after this many new leads, then each time it doubled. */
    private static final int STATISTICS_EVERY = 10_000;

    /**
     * Imports one chunk in one transaction; false when the import goes no further here: it was cancelled, this node
     * is stopping (it gives the import back), or another node took it over.
     */
    private boolean flush(Job job, List<Row> chunk, java.util.function.IntSupplier progress) {
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
                counts = tx.execute(s -> importChunk(job, chunk, progress));
            } catch (DuplicateKeyException raced) {
                // a form or another import created one of these addresses since the chunk looked them up: once more,
                // and that address now merges
                log.info("Import {}: an address of the chunk from line {} was created meanwhile; importing it again",
                        id, chunk.get(0).line());
                counts = tx.execute(s -> importChunk(job, chunk, progress));
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

    /**
     * The chunk's commit found the claim gone (cancelled, or taken over), or the import moved on without this run
     * (taken over and given back meanwhile: the node name alone would match again): the chunk rolls back.
     */
    private static final class ClaimLost extends RuntimeException {
        ClaimLost() {
            super(null, null, false, false);
        }
    }

    /** One chunk, in the caller's transaction: cleaning row by row, writing in batches. */
    private Counts importChunk(Job job, List<Row> chunk, java.util.function.IntSupplier progress) {
        String id = job.id();
        Options options = job.options();
        Map<String, Integer> columns = job.columns();
        Counts c = new Counts();
        Instant now = clock.instant();
        boolean proof = options.legalBasis() == LegalBasis.CONSENT_PROOF;
        List<Object[]> rejections = new ArrayList<>();
        List<Row> accepted = new ArrayList<>(chunk.size());
        List<CaptureRequest> requests = new ArrayList<>(chunk.size());
        for (Row row : chunk) {
            c.read++;
            String email = cell(row, columns, "email");
            Optional<String> typo = ContactNormaliser.domainTypo(email);
            if (typo.isPresent()) {
                rejections.add(rejection(id, row, "the domain looks like a typo of " + typo.get()
                        + ": correct the address and import it again"));
                continue;
            }
            accepted.add(row);
            requests.add(request(id, row, columns, email));
        }
        List<LeadImporter.Result> results = importer.importAll(requests, options.conflict(), proof, now);
        List<Object[]> merges = new ArrayList<>();
        List<ConsentLedger.Proof> proofs = new ArrayList<>();
        List<Object[]> repermissions = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Row row = accepted.get(i);
            LeadImporter.Result result = results.get(i);
            if (result.rejection() != null) {
                rejections.add(rejection(id, row, result.rejection()));
                continue;
            }
            LeadImporter.Outcome outcome = result.outcome();
            if (outcome.created()) {
                c.created++;
            } else if (outcome.changedFields().isEmpty() && !outcome.confirmedNow()) {
                c.unchanged++;
            } else {
                c.merged++;
                merges.add(new Object[] {id, row.line(), outcome.leadId(), String.join(",", outcome.changedFields())});
            }
            if (outcome.created() || outcome.confirmedNow()) {
                proofs.add(new ConsentLedger.Proof(outcome.leadId(), ConsentLedger.Event.IMPORTED, outcome.email(),
                        null, null, proof ? "imported with proof of opt-in" : "imported without proof of opt-in",
                        "import " + id + " (" + options.legalBasis() + ")"));
                // created without proof: the lead is pending
                if (!proof && options.repermission()) {
                    repermissions.add(new Object[] {outcome.leadId(), id, Timestamp.from(now)});
                }
            }
        }
        c.rejected = rejections.size();
        batch.batchUpdate("insert into import_rejections (import_id, line_no, reason, raw, address_hashes)"
                + " values (?, ?, ?, ?, ?)", rejections);
        batch.batchUpdate("insert into import_merges (import_id, line_no, lead_id, changed_fields) values (?, ?, ?, ?)",
                merges);
        batch.batchUpdate("insert into import_repermissions (lead_id, import_id, queued_at) values (?, ?, ?)",
                repermissions);
        ledger.appendAll(proofs);
        int claimed = jdbc.sql("""
                update imports set rows_read = rows_read + ?, created = created + ?, merged = merged + ?,
                       unchanged = unchanged + ?, rejected = rejected + ?, percent = ?, resume_line = ?,
                       claimed_until = ?, error = null
                 where id = ? and status = 'RUNNING' and claimed_by = ? and cancel_requested = false
                   and resume_line = ?""")
                .params(c.read, c.created, c.merged, c.unchanged, c.rejected, progress.getAsInt(),
                        chunk.get(chunk.size() - 1).line(), Timestamp.from(clock.instant().plus(settings.claimTime())),
                        id, node, job.total().committedLine)
                .update();
        if (claimed == 0) {
            throw new ClaimLost();
        }
        return c;
    }

    private static CaptureRequest request(String id, Row row, Map<String, Integer> columns, String email) {
        String countryCell = cell(row, columns, "country");
        String country = ContactNormaliser.country(countryCell).orElse(countryCell);
        String phoneCell = cell(row, columns, "phone");
        String phone = phoneCell == null ? null
                : ContactNormaliser.phone(phoneCell, country != null && country.length() == 2 ? country : null)
                        .orElse(null);
        if (phoneCell != null && phone == null) {
            log.debug("Import {} line {}: '{}' is no phone number, left out", id, row.line(), phoneCell);
        }
        return new CaptureRequest(email, cell(row, columns, "firstName"), cell(row, columns, "lastName"),
                cell(row, columns, "company"), cell(row, columns, "jobTitle"), cell(row, columns, "industry"),
                cell(row, columns, "companySize"), country, phone,
                Optional.ofNullable(cell(row, columns, "source")).orElse("import"), null, null, null, null,
                cell(row, columns, "language"), null);
    }

    private static Object[] rejection(String id, Row row, String reason) {
        String raw = String.join(",", row.cells().stream().map(io.leadflow.platform.Csv::cell).toList());
        String kept = truncate(raw, 8000);
        return new Object[] {id, row.line(), truncate(reason, 400), kept, RejectedRows.addressHashes(kept)};
    }

    /**
     * Re-permission, throttled: every minute, starts the double opt-in for queued leads up to
     * {@code leadflow.imports.repermission-per-hour} in any hour, on every node alike (the queue rows are claimed).
     */
    @Scheduled(initialDelayString = "PT20S", fixedDelayString = "PT1M")
    public int startRepermissions() {
        Instant now = clock.instant();
        return tx.execute(s -> {
            int startedLastHour = jdbc.sql("select count(*) from import_repermissions where started_at > ?")
                    .param(Timestamp.from(now.minus(Duration.ofHours(1)))).query(Integer.class).single();
            int room = settings.repermissionPerHour() - startedLastHour;
            if (room <= 0) {
                return 0;
            }
            List<String> due = jdbc.sql("""
                    select lead_id from import_repermissions where started_at is null order by queued_at
                     fetch first """ + " " + room + " rows only for update skip locked")
                    .query(String.class).list();
            int started = 0;
            for (String leadId : due) {
                jdbc.sql("update import_repermissions set started_at = ? where lead_id = ?")
                        .params(Timestamp.from(now), leadId).update();
                Lead lead = leads.find(leadId).orElse(null);
                if (lead != null && lead.consent() == Lead.Consent.PENDING && lead.suppressedReason() == null
                        && !lead.erased()) {
                    events.publishEvent(new RepermissionRequested(leadId));
                    started++;
                }
            }
            if (started > 0) {
                log.info("Re-permission: double opt-in started for {} imported lead(s)", started);
            }
            return started;
        });
    }

    /** Ends an import this node holds, and drops its stored file; nothing when another node holds it now. */
    private void finish(String id, Status status, String error) {
        tx.executeWithoutResult(s -> {
            int ended = jdbc.sql("""
                    update imports set status = ?, finished_at = ?, error = ?, claimed_by = null, claimed_until = null,
                           percent = case when ? = 'DONE' then 100 else percent end
                     where id = ? and status = 'RUNNING' and claimed_by = ?""")
                    .params(status.name(), Timestamp.from(clock.instant()), truncate(error, 1000), status.name(), id,
                            node)
                    .update();
            if (ended == 1) {
                jdbc.sql("delete from import_file_parts where import_id = ?").param(id).update();
            }
        });
    }

    /** Says on the import why it is not moving, if the database takes it; the next chunk committed clears it. */
    private void notePause(String id, int read, Exception e) {
        try {
            jdbc.sql("update imports set error = ? where id = ? and claimed_by = ? and status = 'RUNNING'")
                    .params(truncate("Paused after row " + read + ", the database failed (" + Errors.rootMessage(e)
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

    /** Nothing running or queued here: the node can start an import now. */
    private boolean idle() {
        return executor.getActiveCount() == 0 && executor.getQueueSize() == 0;
    }

    private static String nodeName() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "node";
        }
        return truncate(host, 60) + "-" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String encode(Map<String, Integer> columns) {
        StringBuilder out = new StringBuilder();
        columns.forEach((field, index) -> out.append(out.isEmpty() ? "" : ";").append(field).append('=').append(index));
        return out.toString();
    }

    private static Map<String, Integer> decode(String columns) {
        Map<String, Integer> out = new java.util.LinkedHashMap<>();
        if (columns == null || columns.isBlank()) {
            return out;
        }
        for (String pair : columns.split(";")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), Integer.parseInt(pair.substring(eq + 1)));
        }
        return out;
    }

    private static String cell(Row row, Map<String, Integer> columns, String field) {
        Integer index = columns.get(field);
        if (index == null || index >= row.cells().size()) {
            return null;
        }
        String value = row.cells().get(index).strip();
        return value.isEmpty() ? null : value;
    }

    private static String describe(List<String> header, Map<String, Integer> columns) {
        StringBuilder out = new StringBuilder();
        columns.forEach((field, index) -> out.append(header.get(index)).append(" → ").append(field).append("; "));
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            if (!columns.containsValue(i)) {
                ignored.add(header.get(i));
            }
        }
        if (!ignored.isEmpty()) {
            out.append("ignored: ").append(String.join(", ", ignored));
        }
        return out.toString().trim();
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("Temporary import file {} could not be deleted: {}", file, e.getMessage());
        }
    }
}
