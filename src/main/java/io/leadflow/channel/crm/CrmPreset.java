package io.leadflow.channel.crm;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.http.HttpMethod;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.lead.Lead;

/**
 * The CRM's API, chosen with {@code leadflow.crm.preset}: where a lead goes, in which envelope, and how the answer
 * names the CRM's record. Field names come from {@link CrmMapping}; each preset has defaults.
 */
public enum CrmPreset {

    /** {@code POST {base-url}{leads-path}} with the mapped fields as a flat JSON object; the id in {@code id-field}. */
    generic {
        @Override
        Map<String, String> defaultMapping() {
            Map<String, String> m = new LinkedHashMap<>();
            for (String field : List.of("leadId", "email", "firstName", "lastName", "company", "jobTitle", "industry",
                    "companySize", "country", "phone", "source", "grade", "fitScore", "engagementScore", "team",
                    "owner")) {
                m.put(field, field);
            }
            // what the qualification desk recorded, when it saw the lead (absent otherwise)
            for (String field : List.of("budget", "budgetRange", "authority", "need", "timeline")) {
                m.put(field, "bant." + field);
            }
            m.put("deskNote", "deskNote");
            return m;
        }

        @Override
        Request request(Lead lead, Map<String, Object> fields, CrmSettings settings) {
            return new Request(HttpMethod.POST, join(settings.baseUrl(), settings.leadsPath()), fields);
        }
    },

    /**
     * Salesforce REST API, upsert by External ID: {@code PATCH /services/data/<api-version>/sobjects/Lead/
     * <external-id-field>/<leadId>}. 201 (created) or 200 (updated) answer {@code {"id", "success", "created"}};
     * older API versions answer an update with 204 and no body. 300 (the external ID matches several records) is a
     * business rejection.
     */
    salesforce {
        @Override
        Map<String, String> defaultMapping() {
            return Map.of("email", "Email", "firstName", "FirstName", "lastName", "LastName | default:[not provided]",
                    "company", "Company | default:[not provided]", "jobTitle", "Title | truncate:128", "industry",
                    "Industry", "companySize", "NumberOfEmployees", "country", "Country", "phone", "Phone");
        }

        @Override
        Request request(Lead lead, Map<String, Object> fields, CrmSettings settings) {
            CrmSettings.Salesforce sf = settings.salesforce();
            return new Request(HttpMethod.PATCH, join(settings.baseUrl(), "/services/data/" + sf.apiVersion()
                    + "/sobjects/" + sf.object() + "/" + sf.externalIdField() + "/" + lead.id()), fields);
        }

        @Override
        Set<Integer> rejections() {
            return Set.of(300, 400, 409, 422);
        }

        @Override
        String idOf(JsonNode answer, CrmSettings settings) {
            return text(answer == null ? null : answer.get("id"));
        }
    },

    /**
     * HubSpot CRM v3, contact upsert by email: {@code POST /crm/v3/objects/contacts/batch/upsert} with
     * {@code {"inputs": [{"idProperty": "email", "id": <email>, "properties": {…}}]}}; the contact's id is
     * {@code results[0].id}. A 207 whose only input failed is a rejection, and a 409 "Contact already exists.
     * Existing ID: <id>" names the record, so it counts as success.
     */
    hubspot {
        private static final Pattern EXISTING_ID = Pattern.compile("Existing ID: *(\\w+)");

        @Override
        Map<String, String> defaultMapping() {
            return Map.of("email", "email", "firstName", "firstname", "lastName", "lastname", "company", "company",
                    "jobTitle", "jobtitle", "country", "country", "phone", "phone");
        }

        @Override
        Request request(Lead lead, Map<String, Object> fields, CrmSettings settings) {
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("idProperty", "email");
            input.put("id", lead.email());
            input.put("properties", fields);
            return new Request(HttpMethod.POST, join(settings.baseUrl(), "/crm/v3/objects/contacts/batch/upsert"),
                    Map.of("inputs", List.of(input)));
        }

        @Override
        String idOf(JsonNode answer, CrmSettings settings) {
            return answer == null ? null : text(answer.at("/results/0/id"));
        }

        @Override
        String rejectionIn2xx(JsonNode answer) {
            JsonNode results = answer == null ? null : answer.get("results");
            JsonNode errors = answer == null ? null : answer.get("errors");
            boolean nothingDone = results == null || !results.isArray() || results.isEmpty();
            return nothingDone && errors != null && errors.isArray() && !errors.isEmpty() ? errors.toString() : null;
        }

        @Override
        String duplicateId(JsonNode answer, String body, CrmSettings settings) {
            Matcher m = EXISTING_ID.matcher(body);
            return m.find() ? m.group(1) : null;
        }
    };

    /** What to send: method, address and the JSON body (before serialisation). */
    record Request(HttpMethod method, URI uri, Object body) {
    }

    abstract Map<String, String> defaultMapping();

    abstract Request request(Lead lead, Map<String, Object> fields, CrmSettings settings);

    /** Statuses that refuse the lead itself: no retry, a BPMN error. */
    Set<Integer> rejections() {
        return Set.of(400, 409, 422);
    }

    /** The CRM's id for the lead in a 2xx answer; {@code id-field} may be a JSON pointer ({@code /data/id}). */
    String idOf(JsonNode answer, CrmSettings settings) {
        if (answer == null) {
            return null;
        }
        String field = settings.idField();
        return text(field.startsWith("/") ? answer.at(field) : answer.get(field));
    }

    /** A 2xx that nevertheless refused the lead (the CRM's errors), or null. */
    String rejectionIn2xx(JsonNode answer) {
        return null;
    }

    /** The existing record's id when a refusal says "duplicate" and names it; then the push succeeded. */
    String duplicateId(JsonNode answer, String body, CrmSettings settings) {
        if (answer == null || !answer.isObject()) {
            return null;
        }
        JsonNode duplicate = answer.get("duplicate");
        boolean saysDuplicate = (duplicate != null && duplicate.asBoolean())
                || answer.toString().toLowerCase(Locale.ROOT).contains("duplicate");
        return saysDuplicate ? idOf(answer, settings) : null;
    }

    static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() || node.asText().isBlank() ? null : node.asText();
    }

    static URI join(URI base, String path) {
        String b = base.toString();
        return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    }
}
