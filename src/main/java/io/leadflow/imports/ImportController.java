package io.leadflow.imports;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.multipart.MultipartFile;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.lead.LeadImporter;
import io.leadflow.platform.Csv;
import io.leadflow.platform.InvalidInputException;

/**
 * {@code POST /api/imports} with a CSV body ({@code text/csv}, options as query parameters) or a form upload
 * ({@code multipart/form-data}: {@code file}, and {@code options} as JSON); {@code 202} with the import to follow at
 * {@code GET /api/imports/{id}}. The {@code /imports} page does the same from a browser.
 */
@Controller
class ImportController {

    private final ImportService imports;
    private final ObjectMapper json;

    ImportController(ImportService imports, ObjectMapper json) {
        this.imports = imports;
        this.json = json;
    }

    record OptionsBody(String legalBasis, Boolean repermission, String conflict, Map<String, String> mapping) {
    }

    @PostMapping(value = "/api/imports", consumes = { "text/csv", "text/plain", "application/octet-stream" })
    @ResponseBody
    ResponseEntity<ImportService.ImportView> uploadCsv(HttpServletRequest request,
            @RequestParam(required = false) String legalBasis, @RequestParam(required = false) Boolean repermission,
            @RequestParam(required = false) String conflict, @RequestParam(required = false) String mapping,
            @RequestParam(required = false) String fileName, Authentication user) throws IOException {
        return started(request.getInputStream(), options(legalBasis, repermission, conflict, parseMapping(mapping),
                fileName), user);
    }

    @PostMapping(value = "/api/imports", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseBody
    ResponseEntity<ImportService.ImportView> uploadForm(@RequestPart("file") MultipartFile file,
            @RequestPart(value = "options", required = false) String options,
            @RequestParam(required = false) String legalBasis, @RequestParam(required = false) Boolean repermission,
            Authentication user) throws IOException {
        OptionsBody body = options == null || options.isBlank() ? new OptionsBody(null, null, null, null)
                : read(options);
        return started(file.getInputStream(), options(body.legalBasis() != null ? body.legalBasis() : legalBasis,
                body.repermission() != null ? body.repermission() : repermission, body.conflict(), body.mapping(),
                file.getOriginalFilename()), user);
    }

    @GetMapping(value = "/api/imports/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    ImportService.ImportView progress(@PathVariable String id) {
        return imports.get(id);
    }

    @PostMapping("/api/imports/{id}/cancel")
    @ResponseBody
    ImportService.ImportView cancel(@PathVariable String id) {
        return imports.cancel(id);
    }

    @GetMapping(value = "/api/imports/{id}/merges", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    List<ImportService.Merge> merges(@PathVariable String id) {
        return imports.merges(id);
    }

    /** The rejected rows as CSV, each with its line and reason, ready to fix and upload again. */
    @GetMapping(value = "/api/imports/{id}/rejected", produces = "text/csv")
    ResponseEntity<byte[]> rejected(@PathVariable String id) {
        StringBuilder csv = new StringBuilder("line,reason,row\r\n");
        for (ImportService.Rejection r : imports.rejections(id)) {
            csv.append(r.line()).append(',').append(Csv.cell(r.reason())).append(',')
                    .append(Csv.cell(r.raw())).append("\r\n");
        }
        return ResponseEntity.ok().contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header("Content-Disposition", "attachment; filename=\"rejected-" + id + ".csv\"")
                .body(csv.toString().getBytes(StandardCharsets.UTF_8));
    }

    @GetMapping("/imports")
    String page() {
        return "imports";
    }

    private ResponseEntity<ImportService.ImportView> started(InputStream body, ImportService.Options options,
            Authentication user) {
        ImportService.ImportView view = imports.start(body, options, user == null ? null : user.getName());
        return ResponseEntity.accepted().location(URI.create("/api/imports/" + view.id())).body(view);
    }

    private ImportService.Options options(String legalBasis, Boolean repermission, String conflict,
            Map<String, String> mapping, String fileName) {
        ImportService.LegalBasis basis;
        try {
            basis = legalBasis == null ? null : ImportService.LegalBasis.valueOf(legalBasis.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.of("legalBasis", "must be CONSENT_PROOF or NONE");
        }
        LeadImporter.Conflict rule;
        try {
            rule = conflict == null || conflict.isBlank() ? LeadImporter.Conflict.KEEP_EXISTING
                    : LeadImporter.Conflict.valueOf(conflict.trim().toUpperCase().replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.of("conflict", "must be KEEP_EXISTING (fill only empty fields) or FILE_WINS");
        }
        return new ImportService.Options(basis, Boolean.TRUE.equals(repermission), rule, mapping, fileName);
    }

    private Map<String, String> parseMapping(String mapping) {
        if (mapping == null || mapping.isBlank()) {
            return Map.of();
        }
        try {
            return json.readValue(mapping, new TypeReference<Map<String, String>>() { });
        } catch (IOException e) {
            throw InvalidInputException.of("mapping", "must be JSON such as {\"Courriel\": \"email\"}");
        }
    }

    private OptionsBody read(String options) {
        try {
            return json.readValue(options, OptionsBody.class);
        } catch (IOException e) {
            throw InvalidInputException.of("options", "must be JSON such as {\"legalBasis\": \"NONE\", "
                    + "\"repermission\": true}");
        }
    }
}
