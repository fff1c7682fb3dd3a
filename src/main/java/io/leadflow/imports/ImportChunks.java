package io.leadflow.imports;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.leadflow.consent.ConsentLedger;
import io.leadflow.imports.ImportRunner.Counts;
import io.leadflow.imports.ImportRunner.Job;
import io.leadflow.imports.ImportRunner.Row;
import io.leadflow.imports.ImportService.LegalBasis;
import io.leadflow.imports.ImportService.Options;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadImporter;
import io.leadflow.platform.Csv;
import io.leadflow.platform.Texts;

/**
 * What one chunk of an import writes, all in the caller's transaction so that a chunk is imported whole or not at all:
 * the rows cleaned one by one (a row is imported whole or rejected whole with its reason), the leads through
 * {@link LeadImporter}, then in batches the rejections, the merges, the re-permission queue and the consent proofs,
 * and last the import's progress. That last update is fenced by the claim: it finds the import only while this node
 * still holds it and no chunk was committed since this one was read, else the chunk rolls back ({@link ClaimLost}),
 * so no row is imported twice.
 */
@Component
class ImportChunks {

    private static final Logger log = LoggerFactory.getLogger(ImportChunks.class);

    private final JdbcClient jdbc;
    private final JdbcTemplate batch;
    private final LeadImporter importer;
    private final ConsentLedger ledger;
    private final ImportSettings settings;
    private final Clock clock;

    private final io.leadflow.account.Accounts accounts;

    ImportChunks(JdbcClient jdbc, JdbcTemplate batch, LeadImporter importer, ConsentLedger ledger,
            ImportSettings settings, Clock clock, io.leadflow.account.Accounts accounts) {
        this.accounts = accounts;
        this.jdbc = jdbc;
        this.batch = batch;
        this.importer = importer;
        this.ledger = ledger;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * The chunk's commit found the claim gone (cancelled, or taken over), or the import moved on without this run
     * (taken over and given back meanwhile: the node name alone would match again): the chunk rolls back.
     */
    static final class ClaimLost extends RuntimeException {
        ClaimLost() {
            super(null, null, false, false);
        }
    }

    /**
     * One chunk of {@code job}, which {@code node} holds, in the caller's transaction: cleaning row by row, writing in
     * batches; the chunk's counts.
     *
     * @throws ClaimLost when the import is no longer this run's to go on with
     */
    Counts importChunk(String node, Job job, List<Row> chunk, IntSupplier progress) {
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
        List<io.leadflow.account.Accounts.Candidate> newLeads = new ArrayList<>();
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
                newLeads.add(new io.leadflow.account.Accounts.Candidate(outcome.leadId(), outcome.email(),
                        requests.get(i).company()));
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
        accounts.place(newLeads);
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
        String raw = String.join(",", row.cells().stream().map(Csv::cell).toList());
        String kept = Texts.truncate(raw, 8000);
        return new Object[] {id, row.line(), Texts.truncate(reason, 400), kept, RejectedRows.addressHashes(kept)};
    }

    private static String cell(Row row, Map<String, Integer> columns, String field) {
        Integer index = columns.get(field);
        if (index == null || index >= row.cells().size()) {
            return null;
        }
        String value = row.cells().get(index).strip();
        return value.isEmpty() ? null : value;
    }
}
