package io.leadflow.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.RepositoryService;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.consent.ConsentService;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ModelsFolder;
import io.leadflow.support.OwnContext;

/**
 * Scoring on a known data set, in a database of its own: the explanation with rules and versions, decay at its
 * boundaries, backtests of candidate tables, and a table edited in the models folder taking effect for the next
 * evaluation without moving anyone's stage until a marketer rescores.
 * <p>
 * Three leads with the same excellent fit: {@code engaged} asked for a demo (30 points, MQL), {@code warm} looked at
 * pricing now, 30 and 60 days ago (10 + 5 + 2.5 = 17.5 points after decay, not MQL), {@code pending} never confirmed
 * (not scored, not counted).
 */
@Tag(OwnContext.TAG)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "camunda.bpm.job-execution.enabled=false", "camunda.bpm.generate-unique-process-engine-name=true",
        "leadflow.models.watch=true" })
@ActiveProfiles("test")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScoringModelTests {

    static Path models;

    @DynamicPropertySource
    static void modelsFolder(DynamicPropertyRegistry registry) throws IOException {
        ExternalServers.register(registry);
        models = ModelsFolder.copyOf("bpmn", "dmn");
        registry.add("leadflow.models.dir", models::toString);
    }

    /** The demo user holds every role. */
    private static final String USER = "demo";

    @Autowired
    TestRestTemplate rest;
    @Autowired
    ObjectMapper json;
    @Autowired
    LeadService leadService;
    @Autowired
    Leads leads;
    @Autowired
    ConsentService consent;
    @Autowired
    RepositoryService repository;
    @Autowired
    JdbcClient jdbc;

    static String engaged;
    static String warm;
    static String pending;

    private void dataSet() throws Exception {
        if (engaged != null) {
            return;
        }
        engaged = confirmedLead("engaged");
        warm = confirmedLead("warm");
        pending = capture("pending");
        event(engaged, "DEMO_REQUESTED", null, null);
        event(warm, "PRICING_PAGE_VIEW", null, null);
        event(warm, "PRICING_PAGE_VIEW", null, Instant.now().minus(Duration.ofDays(30)));
        event(warm, "PRICING_PAGE_VIEW", null, Instant.now().minus(Duration.ofDays(60)));
        event(warm, "PODCAST_LISTENED", "https://acme-corp.io/podcast/7", null);
        event(pending, "DEMO_REQUESTED", null, null);
    }

    @Test
    @Order(1)
    void explainsEachPartOfTheScoreWithItsRulesAndVersions() throws Exception {
        dataSet();

        JsonNode score = read(get("/api/leads/" + warm + "/score"));

        assertThat(score.path("fit").asInt()).as("precondition: an excellent fit").isGreaterThanOrEqualTo(60);
        assertThat(score.path("engagement").asDouble()).isEqualTo(17.5);
        assertThat(score.path("mql").asBoolean()).isFalse();
        assertThat(score.path("grade").asText()).isEqualTo("A");
        JsonNode decisions = score.path("decisions");
        assertThat(decisions.findValuesAsText("decisionKey")).containsExactly("lead-fit-score", "mql-decision");
        assertThat(decisions.findValues("version")).allSatisfy(v -> assertThat(v.asInt()).isEqualTo(1));
        assertThat(decisions.get(1).path("matchedRules").get(0).path("ruleId").asText()).isEqualTo("Rule_MqlDecision_02");
        assertThat(decisions.get(1).path("matchedRules").get(0).path("annotation").asText()).contains("Grade A");
        assertThat(decisions.get(0).path("matchedRules")).as("the fit rules that matched").isNotEmpty();

        Map<String, JsonNode> events = new LinkedHashMap<>();
        score.path("events").forEach(e -> events.put(e.path("decayedPoints").asText() + " " + e.path("type").asText(), e));
        assertThat(events).containsOnlyKeys("2.5 PRICING_PAGE_VIEW", "5.0 PRICING_PAGE_VIEW", "10.0 PRICING_PAGE_VIEW",
                "0.0 PODCAST_LISTENED");
        JsonNode pricing = events.get("10.0 PRICING_PAGE_VIEW");
        assertThat(pricing.path("points").asInt()).isEqualTo(10);
        assertThat(pricing.path("table").asText()).isEqualTo("engagement-points");
        assertThat(pricing.path("version").asInt()).isEqualTo(1);
        assertThat(pricing.path("ruleId").asText()).isEqualTo("Rule_EngagementPoints_05");
        assertThat(pricing.path("annotation").asText()).isEqualTo("Looked at pricing.");
        JsonNode unknown = events.get("0.0 PODCAST_LISTENED");
        assertThat(unknown.path("points").asInt()).as("an unknown type is kept with 0 points").isZero();
        assertThat(unknown.path("ruleId").asText()).isEqualTo("Rule_EngagementPoints_12");
    }

    @Test
    @Order(2)
    void refusesEventsFromTheFutureOrTooOldNamingTheField() throws Exception {
        dataSet();
        for (Instant at : List.of(Instant.now().plus(Duration.ofMinutes(6)),
                Instant.now().minus(Duration.ofDays(366)))) {
            ResponseEntity<String> refused = postJson("/api/events",
                    Map.of("leadId", warm, "type", "PAGE_VIEW", "occurredAt", at.toString()));
            assertThat(refused.getStatusCode().value()).isEqualTo(400);
            assertThat(refused.getBody()).contains("occurredAt");
        }
        ResponseEntity<String> noType = postJson("/api/events", Map.of("leadId", warm));
        assertThat(noType.getStatusCode().value()).isEqualTo(400);
        assertThat(noType.getBody()).contains("\"type\"");
        assertThat(postJson("/api/events", Map.of("leadId", UUID.randomUUID().toString(), "type", "PAGE_VIEW"))
                .getStatusCode().value()).isEqualTo(404);
    }

    @Test
    @Order(3)
    void backtestsACandidateTableOverTheConfirmedLeads() throws Exception {
        dataSet();

        ResponseEntity<String> response = postJson("/api/scoring/backtest", Map.of("decision", lowerThreshold(
                Files.readString(Path.of("dmn/mql-decision.dmn")))));

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode run = read(response);
        assertThat(run.path("status").asText()).isEqualTo("DONE");
        assertThat(run.path("processed").asLong()).isEqualTo(2);
        JsonNode result = run.path("result");
        assertThat(result.path("table").asText()).isEqualTo("mql-decision");
        assertThat(result.path("currentVersion").asInt()).isEqualTo(1);
        assertThat(result.path("candidateVersion").asText(null)).as("not deployed").isNull();
        assertThat(result.path("leads").asLong()).as("the unconfirmed lead is not scored").isEqualTo(2);
        assertThat(result.path("mqlNow").asLong()).isEqualTo(1);
        assertThat(result.path("mqlCandidate").asLong()).isEqualTo(2);
        assertThat(result.path("becomeMql").asLong()).isEqualTo(1);
        assertThat(result.path("stopBeingMql").asLong()).isZero();
        assertThat(result.path("examples")).hasSize(1);
        JsonNode move = result.path("examples").get(0);
        assertThat(move.path("leadId").asText()).isEqualTo(warm);
        assertThat(move.path("mqlNow").asBoolean()).isFalse();
        assertThat(move.path("mqlCandidate").asBoolean()).isTrue();
        assertThat(move.path("scoreCandidate").asDouble()).isEqualTo(move.path("scoreNow").asDouble());
        assertThat(leads.get(warm).stage().name()).as("a backtest changes nothing").isNotEqualTo("MQL");
    }

    @Test
    @Order(4)
    void refusesACandidateThatIsNoUsableTableNamingTheProblem() throws Exception {
        String table = Files.readString(Path.of("dmn/mql-decision.dmn"));
        Map<String, String> broken = Map.of(
                "<definitions><oops", "not valid DMN",
                table.replace("id=\"mql-decision\"", "id=\"some-other-table\""), "has no decision with one of the ids",
                table.replace("<text>&gt;= 60</text>", "<text>&gt;= sixty(</text>"), "decision");
        for (var candidate : broken.entrySet()) {
            ResponseEntity<String> refused = postJson("/api/scoring/backtest", Map.of("decision", candidate.getKey()));
            assertThat(refused.getStatusCode().value()).as(candidate.getValue()).isEqualTo(400);
            assertThat(refused.getHeaders().getContentType().toString()).startsWith("application/problem+json");
            JsonNode problem = read(refused);
            assertThat(problem.toString()).contains("\"decision\"").contains(candidate.getValue());
        }
        ResponseEntity<String> both = postJson("/api/scoring/backtest",
                Map.of("decision", table, "decisionKey", "mql-decision", "version", 1));
        assertThat(both.getStatusCode().value()).isEqualTo(400);
        ResponseEntity<String> unknownVersion = postJson("/api/scoring/backtest",
                Map.of("decisionKey", "mql-decision", "version", 99));
        assertThat(unknownVersion.getStatusCode().value()).isEqualTo(404);
        ResponseEntity<String> notScoring = postJson("/api/scoring/backtest",
                Map.of("decisionKey", "sales-sla", "version", 1));
        assertThat(notScoring.getStatusCode().value()).isEqualTo(400);
        assertThat(notScoring.getBody()).contains("decisionKey");
    }

    @Test
    @Order(5)
    void takesATableSavedInTheModelsFolderForTheNextEvaluationButMovesNoStageUntilARescore() throws Exception {
        dataSet();
        Path table = models.resolve("dmn/mql-decision.dmn");
        Files.writeString(table, lowerThreshold(Files.readString(table)));

        await().atMost(Duration.ofSeconds(20)).until(() -> repository.createDecisionDefinitionQuery()
                .decisionDefinitionKey("mql-decision").latestVersion().singleResult().getVersion() == 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> read(get("/api/leads/" + warm + "/score"))
                .path("decisions").get(1).path("version").asInt() == 2);

        JsonNode score = read(get("/api/leads/" + warm + "/score"));
        assertThat(score.path("mql").asBoolean()).isTrue();
        assertThat(leads.get(warm).stage().name()).as("no stage moves silently").isNotEqualTo("MQL");

        JsonNode back = read(postJson("/api/scoring/backtest", Map.of("decisionKey", "mql-decision", "version", 1)))
                .path("result");
        assertThat(back.path("currentVersion").asInt()).isEqualTo(2);
        assertThat(back.path("candidateVersion").asInt()).isEqualTo(1);
        assertThat(back.path("stopBeingMql").asLong()).as("going back to version 1").isEqualTo(1);

        JsonNode rescored = read(postJson("/api/leads/" + warm + "/rescore", Map.of()));
        assertThat(rescored.path("mql").asBoolean()).isTrue();
        assertThat(leads.get(warm).stage().name()).isEqualTo("MQL");
        JsonNode history = read(get("/api/leads/" + warm + "/score/history"));
        assertThat(history.get(0).path("cause").asText()).isEqualTo("RESCORE");
        assertThat(history.get(0).path("mqlVersion").asInt()).isEqualTo(2);
    }

    /** Rule 1 (grade A) asks for 15 engagement points instead of 30. */
    private static String lowerThreshold(String table) {
        String rule = "<rule id=\"Rule_MqlDecision_01\">";
        int at = table.indexOf(rule);
        int threshold = table.indexOf("<text>&gt;= 30</text>", at);
        return table.substring(0, threshold) + "<text>&gt;= 15</text>"
                + table.substring(threshold + "<text>&gt;= 30</text>".length());
    }

    private String confirmedLead(String who) {
        String id = capture(who);
        String url = consent.linksFor(leads.get(id), "doi-confirmation").get("confirmUrl");
        consent.confirm(url.substring(url.indexOf("token=") + 6), "198.51.100.9", "JUnit");
        return id;
    }

    private String capture(String who) {
        String email = who + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        return leadService.capture(new CaptureRequest(email, "Ann", "Lee", "Acme", "Chief Marketing Officer",
                "software", "1200", "FR", null, "test", null, null, null, "Yes, send me news", "en", null),
                new CaptureContext("test", "198.51.100.9", "JUnit")).id();
    }

    private void event(String leadId, String type, String url, Instant at) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("leadId", leadId);
        body.put("type", type);
        if (url != null) {
            body.put("url", url);
        }
        if (at != null) {
            body.put("occurredAt", at.toString());
        }
        assertThat(postJson("/api/events", body).getStatusCode().value()).isEqualTo(202);
    }

    private ResponseEntity<String> get(String path) {
        return rest.withBasicAuth(USER, "demo").getForEntity(path, String.class);
    }

    private ResponseEntity<String> postJson(String path, Object body) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.withBasicAuth(USER, "demo").exchange(path, HttpMethod.POST,
                new HttpEntity<>(json.writeValueAsString(body), headers), String.class);
    }

    private JsonNode read(ResponseEntity<String> response) throws Exception {
        return json.readTree(response.getBody() == null ? "null" : response.getBody());
    }
}
