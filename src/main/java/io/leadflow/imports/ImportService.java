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
 * then read row by row in chunks of {@value #CHUNK}, each chunk one transaction. A row is imported whole or
 * rejected whole with its reason. Consent follows the import's legal basis: with proof of opt-in a lead is
 * confirmed; without, it stays PENDING and gets no marketing email, or enters a throttled re-permission campaign.
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

    public record ImportView(String id, Status status, String fileName, LegalBasis legalBasis, boolean repermission,
            LeadImporter.Conflict conflict, int percent, int rowsRead, int created, int merged, int unchanged, int rejected,
            Instant createdAt, Instant finishedAt, String mapping, String error, boolean sameFileAsBefore) {
    }

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
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
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
                    earlier.finishedAt(), earlier.mapping(), earlier.error(), true);
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
        jdbc.sql("""
                insert into imports (id, file_sha256, file_name, status, legal_basis, repermission, conflict, created_by,
                                     created_at, mapping)
                values (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)""")
                .params(id, sha, truncate(options.fileName(), 200), options.legalBasis().name(), options.repermission(),
                        options.conflict().name(), user, Timestamp.from(clock.instant()), truncate(mapping, 2000))
                .update();
        executor.execute(() -> run(id, file, options, columns));
        return get(id);
    }

    /**
     * A stopping node ends its import between two chunks, saying where it stopped, rather than leaving it RUNNING
     * for ever; imports still queued behind it end the same way before their first chunk.
     */
    @jakarta.annotation.PreDestroy
    void stop() {
        stopping = true;
        executor.shutdown();
    }

    public ImportView get(String id) {
        return jdbc.sql("select * from imports where id = ?").param(id)
                .query((rs, n) -> new ImportView(rs.getString("id"), Status.valueOf(rs.getString("status")),
                        rs.getString("file_name"), LegalBasis.valueOf(rs.getString("legal_basis")),
                        rs.getBoolean("repermission"), LeadImporter.Conflict.valueOf(rs.getString("conflict")),
                        rs.getInt("percent"), rs.getInt("rows_read"), rs.getInt("created"), rs.getInt("merged"), rs.getInt("unchanged"),
                        rs.getInt("rejected"), rs.getTimestamp("created_at").toInstant(),
                        rs.getTimestamp("finished_at") == null ? null : rs.getTimestamp("finished_at").toInstant(),
                        rs.getString("mapping"), rs.getString("error"), false))
                .optional().orElseThrow(() -> new NotFoundException("No import " + id));
    }

    /** Stops a running import after its current chunk; rows already committed stay. */
    public ImportView cancel(String id) {
        ImportView view = get(id);
        if (view.status() == Status.RUNNING) {
            cancelled.add(id);
        }
        return view;
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

    private void run(String id, Path file, Options options, Map<String, Integer> columns) {
        long started = System.nanoTime();
        Counts total = new Counts();
        try (var counted = new CountingInputStream(Files.newInputStream(file));
                CsvReader csv = new CsvReader(counted)) {
            long size = Math.max(1, Files.size(file));
            java.util.function.IntSupplier progress = () -> (int) Math.min(99, 100 * counted.count / size);
            csv.next();
            List<Row> chunk = new ArrayList<>(CHUNK);
            List<String> record;
            while ((record = csv.next()) != null) {
                if (record.size() == 1 && record.get(0).isBlank()) {
                    continue;
                }
                chunk.add(new Row(csv.recordLine(), record));
                if (chunk.size() == CHUNK) {
                    if (!flush(id, chunk, options, columns, total, progress)) {
                        return;
                    }
                }
            }
            if (!chunk.isEmpty() && !flush(id, chunk, options, columns, total, progress)) {
                return;
            }
            finish(id, Status.DONE, null);
            log.info("Import {} done: {} rows, {} created, {} merged, {} unchanged, {} rejected in {} ms", id,
                    total.read, total.created, total.merged, total.unchanged, total.rejected,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException | IOException e) {
            log.error("Import {} failed after {} rows: {}", id, total.read, Errors.rootMessage(e), e);
            finish(id, Status.FAILED, "Stopped after row " + total.read + ": " + Errors.rootMessage(e)
                    + ". Rows before it are imported; fix the file and upload it again (rows already in merge).");
        } finally {
            cancelled.remove(id);
            deleteQuietly(file);
        }
    }

    private record Row(int line, List<String> cells) {
    }

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

    private static final class Counts {
        int read, created, merged, unchanged, rejected;
        /** Leads created at which the statistics of {@code leads} are refreshed next. */
        int nextAnalysisAt = STATISTICS_EVERY;
    }

    /** An import refreshes the statistics of {@code leads} after this many new leads, then each time it doubled. */
    private static final int STATISTICS_EVERY = 10_000;

    /** Imports one chunk in one transaction; false when the import was cancelled. */
    private boolean flush(String id, List<Row> chunk, Options options, Map<String, Integer> columns, Counts total,
            java.util.function.IntSupplier progress) {
        if (stopping) {
            finish(id, Status.FAILED, "The service stopped after row " + total.read + "; rows before it are "
                    + "imported. Upload the file again to import the rest: rows already imported merge unchanged.");
            return false;
        }
        if (cancelled.contains(id)) {
            finish(id, Status.CANCELLED, "Cancelled after row " + total.read + "; rows before it are imported");
            return false;
        }
        Counts counts;
        try {
            counts = tx.execute(s -> importChunk(id, chunk, options, columns, progress));
        } catch (DuplicateKeyException raced) {
            // a form or another import created one of these addresses since the chunk looked them up: once more,
            // and that address now merges
            log.info("Import {}: an address of the chunk from line {} was created meanwhile; importing it again", id,
                    chunk.get(0).line());
            counts = tx.execute(s -> importChunk(id, chunk, options, columns, progress));
        }
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

    /** One chunk, in the caller's transaction: cleaning row by row, writing in batches. */
    private Counts importChunk(String id, List<Row> chunk, Options options, Map<String, Integer> columns,
            java.util.function.IntSupplier progress) {
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
        batch.batchUpdate("insert into import_rejections (import_id, line_no, reason, raw) values (?, ?, ?, ?)",
                rejections);
        batch.batchUpdate("insert into import_merges (import_id, line_no, lead_id, changed_fields) values (?, ?, ?, ?)",
                merges);
        batch.batchUpdate("insert into import_repermissions (lead_id, import_id, queued_at) values (?, ?, ?)",
                repermissions);
        ledger.appendAll(proofs);
        jdbc.sql("""
                update imports set rows_read = rows_read + ?, created = created + ?, merged = merged + ?,
                       unchanged = unchanged + ?, rejected = rejected + ?, percent = ? where id = ?""")
                .params(c.read, c.created, c.merged, c.unchanged, c.rejected, progress.getAsInt(), id).update();
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
        return new Object[] {id, row.line(), truncate(reason, 400), truncate(raw, 8000)};
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

    private void finish(String id, Status status, String error) {
        jdbc.sql("update imports set status = ?, finished_at = ?, error = ?, percent = case when ? = 'DONE' then 100 "
                + "else percent end where id = ?")
                .params(status.name(), Timestamp.from(clock.instant()), truncate(error, 1000), status.name(), id).update();
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
