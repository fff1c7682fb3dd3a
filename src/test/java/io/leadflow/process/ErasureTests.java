package io.leadflow.process;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.HistoryService;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;

/**
 * DELETE /api/leads/{id} leaves no trace of the person anywhere we hold data: every column of every table, ours and
 * the engine's, whatever its type (text, JSON, binary: the engine's byte arrays hold job exceptions), including the
 * texts faults leave behind (a CRM answer or an SMTP reply that names the person). The same sweep first finds the
 * person in each of those places, so an empty result after erasure means something. {@link ErasurePostgresTests}
 * runs it again on PostgreSQL, whose column types differ.
 */
class ErasureTests extends ServiceTestBase {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    EngineHistoryPurge purge;

    @Autowired
    HistoryService history;

    @Test
    void erasesThePersonFromEveryColumnOfEveryTableFaultTextsAndEngineHistoryIncluded() {
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String email = confirmedDecisionMaker("zelda." + marker, Map.of("firstName", "Zelda" + marker,
                "lastName", "Quartz" + marker, "company", "Quartzco " + marker, "phone", "+33 6 12 34 56 78"));
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        awaitMail(email, "Welcome aboard");
        // a CRM that names the person in its error answer, as many do: the push job fails with that text
        ExternalServers.CRM.stubFor(post("/crm/leads").withRequestBody(containing(marker)).willReturn(aResponse()
                .withStatus(500).withBody("{\"error\":\"cannot store " + email + ": mailbox locked\"}")));
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "PAGE_VIEW",
                "url", "https://acme.example/blog?who=" + marker));
        for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
            postJson("/api/events", "demo", Map.of("leadId", leadId, "type", type));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from crm_failures where lead_id = ?", Long.class, leadId) > 0);
        // an SMTP reply that names the address, as a 550 does, kept with the lead's welcome email
        jdbc.update("update email_outbox set last_error = ? where lead_id = ? and template = 'welcome'",
                "550 5.1.1 <" + email + ">: Recipient address rejected", leadId);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(columnsHolding(marker))
                .as("the sweep finds the person before erasure").contains("LEADS.EMAIL", "LEADS.FIRST_NAME",
                        "LEADS.LAST_NAME", "LEADS.COMPANY", "ENGAGEMENT_EVENTS.URL", "CRM_FAILURES.CRM_ANSWER",
                        "EMAIL_OUTBOX.LAST_ERROR", "ACT_RU_JOB.EXCEPTION_MSG_", "ACT_HI_JOB_LOG.JOB_EXCEPTION_MSG_",
                        "ACT_GE_BYTEARRAY.BYTES_"));

        assertThat(rest.exchange(url("/api/leads/" + leadId), HttpMethod.DELETE,
                new org.springframework.http.HttpEntity<>(basic("demo")), String.class).getStatusCode())
                .isEqualTo(HttpStatus.NO_CONTENT);
        await().atMost(Duration.ofSeconds(10)).until(() -> purge.purge(leadId));

        assertThat(get("/api/leads/" + leadId, "demo").getStatusCode()).isEqualTo(HttpStatus.GONE);
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
        assertThat(columnsHolding(marker)).as("columns still holding the person's data").isEmpty();
        assertThat(read(get("/api/consent/verify", "demo")).path("valid").asBoolean()).isTrue();
        assertThat(read(get("/api/leads/" + leadId + "/consent", "demo")).findValuesAsText("event")).contains("ERASED");
    }

    /**
     * Every column of every table, ours and the engine's, that holds the marker (as {@code TABLE.COLUMN}, upper
     * case): text and JSON compared in SQL, binary columns read and searched as UTF-8 bytes.
     */
    private List<String> columnsHolding(String marker) {
        String needle = marker.toLowerCase(Locale.ROOT);
        byte[] bytes = marker.getBytes(StandardCharsets.UTF_8);
        List<String> hits = new ArrayList<>();
        var columns = jdbc.queryForList("""
                select table_name, column_name, data_type from information_schema.columns
                 where lower(table_schema) = 'public'""");
        for (var c : columns) {
            String table = c.get("table_name").toString();
            String column = c.get("column_name").toString();
            String type = c.get("data_type").toString().toLowerCase(Locale.ROOT);
            String from = " from \"" + table + "\" where \"" + column + "\" is not null";
            boolean found;
            if (type.contains("char") || type.contains("text") || type.contains("clob") || type.contains("json")) {
                found = jdbc.queryForObject("select count(*)" + from + " and lower(cast(\"" + column
                        + "\" as varchar)) like ?", Long.class, "%" + needle + "%") > 0;
            } else if (type.contains("bytea") || type.contains("binary") || type.contains("blob")) {
                found = jdbc.queryForList("select \"" + column + "\"" + from, byte[].class).stream()
                        .anyMatch(value -> indexOf(value, bytes) >= 0);
            } else {
                continue;
            }
            if (found) {
                hits.add((table + "." + column).toUpperCase(Locale.ROOT));
            }
        }
        return hits;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
