package io.leadflow.lead;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.Csv;
import io.leadflow.platform.InvalidInputException;

/**
 * The suppression list ({@link Suppressions}): {@code POST /api/suppressions} adds a list from another tool, as CSV
 * with a header row ({@code email,reason}, or {@code sha256,reason}) or as JSON; {@code GET /api/suppressions}
 * exports the whole list (CSV, or JSON when asked), addresses while known and hashes always.
 */
@RestController
class SuppressionController {

    private final Suppressions suppressions;
    private final ObjectMapper json;

    SuppressionController(Suppressions suppressions, ObjectMapper json) {
        this.suppressions = suppressions;
        this.json = json;
    }

    @PostMapping(value = "/api/suppressions", consumes = {"text/csv", "text/plain"},
            produces = MediaType.APPLICATION_JSON_VALUE)
    Suppressions.ImportResult importCsv(@RequestBody(required = false) byte[] body,
            @RequestParam(required = false) String reason, Principal user) {
        return suppressions.importList(csv(body == null ? "" : new String(body, StandardCharsets.UTF_8), reason),
                checkedFallback(reason), user.getName());
    }

    @PostMapping(value = "/api/suppressions", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    Suppressions.ImportResult importJson(@RequestBody JsonNode body, @RequestParam(required = false) String reason,
            Principal user) {
        JsonNode list = body.isObject() && body.has("suppressions") ? body.get("suppressions") : body;
        if (!list.isArray()) {
            throw InvalidInputException.of("body", "must be a JSON array of {\"email\" or \"sha256\", \"reason\"}");
        }
        List<Suppressions.Incoming> entries = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            entries.add(new Suppressions.Incoming(i + 1, text(e, "email"), text(e, "sha256"), text(e, "reason")));
        }
        return suppressions.importList(entries, checkedFallback(reason), user.getName());
    }

    private static String text(JsonNode e, String field) {
        return e.hasNonNull(field) ? e.get(field).asText() : null;
    }

    private static String checkedFallback(String reason) {
        if (reason != null && Suppressions.reason(reason) == null) {
            throw InvalidInputException.of("reason", "must be unsubscribed, bounced, complained or do-not-contact");
        }
        return reason;
    }

    /** The entries of a CSV list with a header row naming its columns (comma or semicolon separated). */
    static List<Suppressions.Incoming> csv(String text, String fallbackReason) {
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n");
        if (lines.length == 0 || lines[0].isBlank()) {
            throw InvalidInputException.of("body", "is empty: send a CSV list whose first row names its columns,"
                    + " e.g. email,reason");
        }
        String header = lines[0].startsWith("\uFEFF") ? lines[0].substring(1) : lines[0];
        char separator = header.indexOf(';') >= 0 && header.indexOf(',') < 0 ? ';' : ',';
        List<String> columns = cells(header, separator).stream().map(c -> c.trim().toLowerCase(Locale.ROOT)).toList();
        int email = index(columns, "email", "email_address", "address", "e-mail");
        int hash = index(columns, "sha256", "hash", "email_sha256", "sha256_email");
        int reason = index(columns, "reason", "status", "type");
        if (email < 0 && hash < 0) {
            throw InvalidInputException.of("body", "the header row " + columns + " names no 'email' or 'sha256'"
                    + " column");
        }
        if (reason < 0 && fallbackReason == null) {
            throw InvalidInputException.of("reason", "the list has no 'reason' column: add one, or give the reason of"
                    + " every entry as ?reason=unsubscribed|bounced|complained|do-not-contact");
        }
        List<Suppressions.Incoming> entries = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            List<String> cells = cells(lines[i], separator);
            entries.add(new Suppressions.Incoming(i + 1, cell(cells, email), cell(cells, hash), cell(cells, reason)));
        }
        return entries;
    }

    private static int index(List<String> columns, String... names) {
        for (String name : names) {
            int i = columns.indexOf(name);
            if (i >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String cell(List<String> cells, int index) {
        return index < 0 || index >= cells.size() ? null : cells.get(index).trim();
    }

    /** The cells of one line; a cell in double quotes may hold the separator and doubled quotes. */
    private static List<String> cells(String line, char separator) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == separator) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells;
    }

    /** The whole list as CSV: {@code email,sha256,reason,source,suppressed_at}. */
    @GetMapping(value = "/api/suppressions", produces = "text/csv")
    void exportCsv(HttpServletResponse response) throws IOException {
        response.setContentType("text/csv;charset=UTF-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"suppressions.csv\"");
        Writer out = response.getWriter();
        out.write("email,sha256,reason,source,suppressed_at\r\n");
        suppressions.export(e -> {
            try {
                out.write(Csv.cell(e.email()) + "," + e.sha256() + "," + e.reason() + "," + Csv.cell(e.source()) + ","
                        + e.since() + "\r\n");
            } catch (IOException failed) {
                throw new java.io.UncheckedIOException(failed);
            }
        });
        out.flush();
    }

    @GetMapping(value = "/api/suppressions", produces = MediaType.APPLICATION_JSON_VALUE)
    void exportJson(HttpServletResponse response) throws IOException {
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        var generator = json.getFactory().createGenerator(response.getOutputStream());
        generator.writeStartArray();
        suppressions.export(e -> {
            try {
                json.writeValue(generator, e);
            } catch (IOException failed) {
                throw new java.io.UncheckedIOException(failed);
            }
        });
        generator.writeEndArray();
        generator.flush();
    }
}
