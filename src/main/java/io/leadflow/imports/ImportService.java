package io.leadflow.imports;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.LeadImporter;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.Texts;

/**
 * Contact imports: the file is streamed to disk (with its SHA-256, so the same file uploaded again changes nothing),
 * kept in the database until its import ends, then read row by row in chunks of {@value #CHUNK}, each chunk one
 * transaction. A row is imported whole or rejected whole with its reason. Consent follows the import's legal basis:
 * with proof of opt-in a lead is confirmed; without, it stays PENDING and gets no marketing email, or enters a
 * throttled re-permission campaign.
 * <p>
 * Any node can finish any import: the one running it holds a claim on it, and another node takes it over when that
 * node stops or dies, after the last chunk committed.
 * <p>
 * This class is what the rest of the application sees of imports: it takes an upload in (checked, stored with its
 * import row, then handed to a node to run) and answers about imports. The parts behind it each own one thing:
 * {@link UploadedFile} the upload on disk, {@link ImportFiles} the file in the database, {@link ImportRunner} the
 * node's runs and claims, {@link ImportChunks} what one chunk writes, {@link Repermissions} the re-permission campaign,
 * {@link ColumnMapping} which column feeds which field.
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
            LeadImporter.Conflict conflict, int percent, int rowsRead, int created, int merged, int unchanged,
            int rejected, Instant createdAt, Instant finishedAt, String mapping, String error, boolean sameFileAsBefore,
            int resumed) {
    }

    private final JdbcClient jdbc;
    private final ImportFiles files;
    private final ImportRunner runner;
    private final TransactionTemplate tx;
    private final ImportSettings settings;
    private final Clock clock;

    ImportService(JdbcClient jdbc, ImportFiles files, ImportRunner runner, TransactionTemplate tx,
            ImportSettings settings, Clock clock) {
        this.jdbc = jdbc;
        this.files = files;
        this.runner = runner;
        this.tx = tx;
        this.settings = settings;
        this.clock = clock;
    }

    /** Stores the upload and starts reading it; the same file imported before answers with that import. */
    public ImportView start(InputStream body, Options options, String user) {
        if (options.legalBasis() == null) {
            throw InvalidInputException.of("legalBasis", "is required: CONSENT_PROOF (you hold proof these people "
                    + "opted in) or NONE (they get no marketing email, or a re-permission campaign)");
        }
        UploadedFile file = UploadedFile.receive(body, settings.maxSize());
        Optional<String> before = jdbc.sql("""
                select id from imports where file_sha256 = ? and status = 'DONE' and legal_basis = ?
                 order by created_at fetch first 1 rows only""")
                .params(file.sha256(), options.legalBasis().name()).query(String.class).optional();
        if (before.isPresent()) {
            file.delete();
            ImportView earlier = get(before.get());
            log.info("Import of {} is the file of import {}: nothing to do", options.fileName(), earlier.id());
            return new ImportView(earlier.id(), earlier.status(), earlier.fileName(), earlier.legalBasis(),
                    earlier.repermission(), earlier.conflict(), earlier.percent(), earlier.rowsRead(),
                    earlier.created(), earlier.merged(), earlier.unchanged(), earlier.rejected(), earlier.createdAt(),
                    earlier.finishedAt(), earlier.mapping(), earlier.error(), true, earlier.resumed());
        }
        Map<String, Integer> columns;
        List<String> header;
        try (CsvReader csv = new CsvReader(Files.newInputStream(file.path()))) {
            header = csv.next();
            if (header == null) {
                throw InvalidInputException.of("file", "is empty: send a CSV file with a header row");
            }
            columns = ColumnMapping.resolve(header, options.mapping() == null ? Map.of() : options.mapping());
        } catch (IllegalArgumentException e) {
            file.delete();
            throw InvalidInputException.of("mapping", e.getMessage());
        } catch (IOException e) {
            file.delete();
            throw InvalidInputException.of("file", "cannot be read as CSV: " + e.getMessage());
        }
        String id = UUID.randomUUID().toString();
        String mapping = ColumnMapping.describe(header, columns);
        // a node busy with another import leaves this one to the first node free, itself included
        boolean mine = runner.idle();
        try {
            long size = Files.size(file.path());
            tx.executeWithoutResult(s -> {
                jdbc.sql("""
                        insert into imports (id, file_sha256, file_name, status, legal_basis, repermission, conflict,
                                             created_by, created_at, mapping, column_map, file_size, claimed_by,
                                             claimed_until)
                        values (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                        .params(id, file.sha256(), Texts.truncate(options.fileName(), 200), options.legalBasis().name(),
                                options.repermission(), options.conflict().name(), user,
                                Timestamp.from(clock.instant()), Texts.truncate(mapping, 2000), ColumnMapping.encode(columns),
                                size, mine ? runner.node() : null,
                                mine ? Timestamp.from(clock.instant().plus(settings.claimTime())) : null)
                        .update();
                files.store(id, file.path());
            });
        } catch (IOException e) {
            throw new UncheckedIOException("The upload could not be stored: " + e.getMessage(), e);
        } finally {
            file.delete();
        }
        if (mine) {
            runner.runClaimed(id);
        } else {
            log.info("Import {} waits for a node to be free: this one is running another import", id);
        }
        return get(id);
    }

    public ImportView get(String id) {
        return jdbc.sql("select * from imports where id = ?").param(id)
                .query((rs, n) -> new ImportView(rs.getString("id"), Status.valueOf(rs.getString("status")),
                        rs.getString("file_name"), LegalBasis.valueOf(rs.getString("legal_basis")),
                        rs.getBoolean("repermission"), LeadImporter.Conflict.valueOf(rs.getString("conflict")),
                        rs.getInt("percent"), rs.getInt("rows_read"), rs.getInt("created"), rs.getInt("merged"),
                        rs.getInt("unchanged"), rs.getInt("rejected"), rs.getTimestamp("created_at").toInstant(),
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
        return jdbc.sql("""
                select line_no, lead_id, changed_fields from import_merges where import_id = ? order by line_no""")
                .param(id).query((rs, n) -> new Merge(rs.getInt(1), rs.getString(2), rs.getString(3))).list();
    }
}
