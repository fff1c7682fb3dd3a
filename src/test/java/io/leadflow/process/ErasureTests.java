package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.HistoryService;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.support.ServiceTestBase;

/** DELETE /api/leads/{id} leaves no trace of the person anywhere we hold data, engine history included. */
class ErasureTests extends ServiceTestBase {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    EngineHistoryPurge purge;

    @Autowired
    HistoryService history;

    @Test
    void erasesThePersonFromEveryTableAndKeepsTheLedgerVerifiable() {
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String email = "zelda." + marker + "@quartzco-" + marker + ".com";
        String firstName = "Zelda" + marker;
        String lastName = "Quartz" + marker;
        postForm("/forms/newsletter", Map.of("email", email, "firstName", firstName, "lastName", lastName,
                "company", "Quartzco " + marker, "phone", "+33 6 12 34 " + marker.substring(0, 2)),
                MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        awaitMail(email, "Welcome aboard");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "PAGE_VIEW",
                "url", "https://acme.example/blog?who=" + marker));

        assertThat(tablesContaining(marker)).as("the sweep sees the person before erasure")
                .contains("LEADS.EMAIL", "LEADS.FIRST_NAME", "ENGAGEMENT_EVENTS.URL", "LEADS.LAST_NAME");

        assertThat(rest.exchange(url("/api/leads/" + leadId), org.springframework.http.HttpMethod.DELETE,
                new org.springframework.http.HttpEntity<>(basic("demo")), String.class).getStatusCode())
                .isEqualTo(HttpStatus.NO_CONTENT);
        await().atMost(Duration.ofSeconds(10)).until(() -> purge.purge(leadId));

        assertThat(get("/api/leads/" + leadId, "demo").getStatusCode()).isEqualTo(HttpStatus.GONE);
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
        assertThat(tablesContaining(marker)).as("tables still holding the person's data").isEmpty();
        var ledger = read(get("/api/consent/verify", "demo"));
        assertThat(ledger.path("valid").asBoolean()).isTrue();
        assertThat(read(get("/api/leads/" + leadId + "/consent", "demo")).findValuesAsText("event")).contains("ERASED");
    }

    /** Searches every text column of every table, ours and the engine's, for the marker. */
    private List<String> tablesContaining(String marker) {
        List<String> hits = new ArrayList<>();
        var columns = jdbc.queryForList("""
                select table_name, column_name from information_schema.columns
                 where table_schema = 'PUBLIC' and data_type in ('CHARACTER VARYING', 'CHARACTER', 'CHARACTER LARGE OBJECT')""");
        for (var c : columns) {
            String table = (String) c.get("TABLE_NAME");
            String column = (String) c.get("COLUMN_NAME");
            Long found = jdbc.queryForObject("select count(*) from \"" + table + "\" where lower(cast(\"" + column
                    + "\" as varchar)) like ?", Long.class, "%" + marker.toLowerCase(Locale.ROOT) + "%");
            if (found != null && found > 0) {
                hits.add(table + "." + column);
            }
        }
        return hits;
    }
}
