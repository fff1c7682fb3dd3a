package io.leadflow.portability;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

import io.leadflow.consent.ConsentLedger;
import io.leadflow.lead.LeadService;
import io.leadflow.platform.Csv;
import io.leadflow.workspace.LeadFilter;

/**
 * Data out (ADMIN): {@code GET /api/leads/export} streams leads as CSV, filtered by stage, consent and creation
 * date; {@code GET /api/leads/{id}/export} answers a person's data-portability request with everything we hold
 * on them, read from each of our tables.
 */
@RestController
class LeadExportController {

    private static final String COLUMNS = "id, email, first_name, last_name, company, job_title, industry, company_size, "
            + "country, phone, language, source, utm_source, utm_medium, utm_campaign, consent, stage, fit_score, "
            + "engagement_score, grade, team, owner, crm_id, suppressed_reason, created_at, confirmed_at, updated_at";

    /** Our tables that hold rows about a lead, by lead id, in the order the export lists them. */
    private static final Map<String, String> PER_LEAD = new LinkedHashMap<>();

    static {
        PER_LEAD.put("preferences", "select topics, frequency, updated_at from lead_preferences where lead_id = ?");
        PER_LEAD.put("nurture", "select track, track_chosen_at, sunset_at, returned_at from nurture_status where lead_id = ?");
        PER_LEAD.put("events", "select type, url, occurred_at, points, scored from engagement_events where lead_id = ? "
                + "order by occurred_at");
        PER_LEAD.put("scoreChanges", "select changed_at, cause, fit, engagement, grade, mql, reason from score_changes "
                + "where lead_id = ? order by changed_at");
        PER_LEAD.put("emails", "select purpose, template, status, created_at, sent_at from email_outbox "
                + "where lead_id = ? and to_address is null order by created_at");
        PER_LEAD.put("bounces", "select kind, status_code, received_at from email_bounces where lead_id = ? "
                + "order by received_at");
        PER_LEAD.put("handoffs", "select team, owner, status, created_at, due_at, accepted_at, closed_at, reject_reason, "
                + "opportunity_id from handoffs where lead_id = ? order by created_at");
    }

    private final JdbcTemplate jdbc;
    private final LeadService leads;
    private final ConsentLedger ledger;

    LeadExportController(JdbcTemplate jdbc, LeadService leads, ConsentLedger ledger) {
        this.jdbc = jdbc;
        this.leads = leads;
        this.ledger = ledger;
    }

    /** The leads of a filter of {@code /leads} (the same parameters), as CSV. */
    @GetMapping(value = "/api/leads/export", produces = "text/csv")
    ResponseEntity<StreamingResponseBody> export(@RequestParam(required = false) String q,
            @RequestParam(required = false) String stage, @RequestParam(required = false) String consent,
            @RequestParam(required = false) String grade, @RequestParam(required = false) String track,
            @RequestParam(required = false) String team, @RequestParam(required = false) String owner,
            @RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        List<Object> args = new ArrayList<>();
        String where = LeadFilter.of(q, stage, consent, grade, track, team, owner, from, to).where(args);
        String sql = "select " + COLUMNS + " from leads l left join nurture_status n on n.lead_id = l.id" + where
                + " order by l.created_at, l.id";
        StreamingResponseBody body = out -> {
            Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            writer.write(header() + "\r\n");
            jdbc.query(con -> {
                var statement = con.prepareStatement(sql);
                statement.setFetchSize(1000);
                for (int i = 0; i < args.size(); i++) {
                    statement.setObject(i + 1, args.get(i));
                }
                return statement;
            }, (RowCallbackHandler) rs -> writeRow(writer, rs));
            writer.flush();
        };
        return ResponseEntity.ok().contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header("Content-Disposition", "attachment; filename=\"leads.csv\"").body(body);
    }

    @GetMapping(value = "/api/leads/{id}/export", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> person(@PathVariable String id) {
        leads.view(id);
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("lead", camel(jdbc.queryForMap("select " + COLUMNS + " from leads where id = ?", id)));
        all.put("consentLedger", ledger.entries(id));
        PER_LEAD.forEach((name, sql) -> all.put(name, jdbc.queryForList(sql, id).stream().map(LeadExportController::camel)
                .toList()));
        return all;
    }

    /** Column names as JSON names ({@code first_name} → {@code firstName}), whatever case the database answers in. */
    private static Map<String, Object> camel(Map<String, Object> row) {
        Map<String, Object> out = new LinkedHashMap<>();
        row.forEach((column, value) -> {
            String[] parts = column.toLowerCase(Locale.ROOT).split("_");
            StringBuilder name = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                name.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
            }
            out.put(name.toString(), value instanceof Timestamp t ? t.toInstant() : value);
        });
        return out;
    }

    private static String header() {
        List<String> names = new ArrayList<>();
        for (String column : COLUMNS.split(",\\s*")) {
            names.add(column.trim());
        }
        return String.join(",", names);
    }

    private static void writeRow(Writer writer, ResultSet rs) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        StringBuilder line = new StringBuilder();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            Object value = rs.getObject(i);
            if (value instanceof Timestamp t) {
                value = t.toInstant();
            }
            if (i > 1) {
                line.append(',');
            }
            line.append(Csv.cell(value == null ? "" : value.toString()));
        }
        try {
            writer.write(line.append("\r\n").toString());
        } catch (IOException e) {
            throw new UncheckedIOException("the client stopped reading the export", e);
        }
    }
}
