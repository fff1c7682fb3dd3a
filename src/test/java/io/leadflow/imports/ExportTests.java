package io.leadflow.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/** Data out: the CSV export (safe in a spreadsheet, filtered, importable again) and one person's portability file. */
class ExportTests extends ServiceTestBase {

    @Test
    void exportsLeadsAsSpreadsheetSafeCsvThatImportsBackWithoutChangingAnything() throws Exception {
        String email = "export." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Eve", "company", "=HYPERLINK(\"http://x\")"),
                MediaType.APPLICATION_JSON);
        String today = LocalDate.now(ZoneOffset.UTC).toString();

        ResponseEntity<String> csv = get("/api/leads/export?consent=PENDING&from=" + today + "&to=" + today, "demo");

        assertThat(csv.getHeaders().getContentType().toString()).startsWith("text/csv");
        assertThat(csv.getBody().lines().findFirst().orElseThrow()).startsWith("id,email,first_name,last_name,company");
        String row = csv.getBody().lines().filter(l -> l.contains(email)).findFirst().orElseThrow();
        assertThat(row).contains("\"'=HYPERLINK(\"\"http://x\"\")\"").contains(",PENDING,");
        assertThat(get("/api/leads/export?consent=CONFIRMED&from=" + today, "demo").getBody()).doesNotContain(email);
        ResponseEntity<String> badStage = get("/api/leads/export?stage=WON", "demo");
        assertThat(badStage.getStatusCode().value()).isEqualTo(400);
        assertThat(badStage.getBody()).contains("stage");

        HttpHeaders headers = basic("demo");
        headers.setContentType(new MediaType("text", "csv"));
        ResponseEntity<String> started = rest.exchange(url("/api/imports?legalBasis=NONE"), HttpMethod.POST,
                new HttpEntity<>(csv.getBody().getBytes(StandardCharsets.UTF_8), headers), String.class);
        String id = read(started).path("id").asText();
        JsonNode done = await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/imports/" + id, "demo")),
                v -> !v.path("status").asText().equals("RUNNING"));
        assertThat(done.path("status").asText()).isEqualTo("DONE");
        assertThat(done.path("created").asInt()).as("every exported lead exists").isZero();
        assertThat(done.path("merged").asInt()).as("and nothing in the file is new").isZero();
    }

    @Test
    void answersAPortabilityRequestWithEverythingWeHoldOnThePerson() {
        String email = "mine." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Pia"), MediaType.APPLICATION_JSON);
        awaitMail(email, "Please confirm your subscription");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();

        JsonNode mine = read(get("/api/leads/" + leadId + "/export", "demo"));

        assertThat(mine.path("lead").toString()).contains(email).contains("Pia");
        assertThat(mine.path("lead").path("firstName").asText()).isEqualTo("Pia");
        assertThat(mine.path("consentLedger").findValuesAsText("event")).contains("SUBMITTED");
        assertThat(mine.path("emails").toString()).contains("doi-confirmation");
        assertThat(mine.has("events") && mine.has("handoffs") && mine.has("preferences")).isTrue();
        assertThat(get("/api/leads/" + UUID.randomUUID() + "/export", "demo").getStatusCode().value()).isEqualTo(404);
        assertThat(get("/api/leads/" + leadId + "/export", "alice").getStatusCode().value()).isEqualTo(403);
    }
}
