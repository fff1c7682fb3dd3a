package io.leadflow.journey;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;

import org.camunda.bpm.engine.IdentityService;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;
import io.leadflow.support.WebappSession;

/**
 * One lead through the whole journey over HTTP, on the real engine and the real models: form → confirmation email
 * (read from the SMTP server) → confirm → welcome → engagement events → MQL → CRM push (WireMock) → "Follow up
 * lead" task → sales actions.
 */
class JourneyTests extends ServiceTestBase {

    @Autowired
    IdentityService identity;


    @Test
    void carriesALeadFromTheFormToASalesQualifiedLead() throws Exception {
        String email = "jane." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = submitAndConfirm(email);

        MimeMessage welcome = awaitMail(email, "Welcome aboard");
        assertThat(welcome.getHeader("List-Unsubscribe", null)).startsWith("<http://localhost:8080/optin/unsubscribe?token=");
        assertThat(welcome.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(welcome.getHeader("X-Leadflow-Lead", null)).as("matches complaints that redact the address")
                .isEqualTo(leadId);
        await().atMost(Duration.ofSeconds(10)).until(() -> lead(leadId).path("stage").asText().equals("NURTURE"));

        for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
            ResponseEntity<String> event = postJson("/api/events", "demo",
                    Map.of("leadId", leadId, "type", type, "url", "https://acme.example/pricing"));
            assertThat(event.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            assertThat(read(event).path("scored").asBoolean()).isTrue();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> openHandoff(leadId) != null);
        JsonNode lead = lead(leadId);
        assertThat(lead.path("stage").asText()).isEqualTo("MQL");
        assertThat(lead.path("grade").asText()).isEqualTo("A");
        assertThat(lead.path("team").asText()).isEqualTo("enterprise");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> ExternalServers.CRM.verify(postRequestedFor(urlEqualTo("/crm/leads"))
                .withHeader("Idempotency-Key", equalTo(leadId + ":mql-handoff"))
                .withHeader("Authorization", equalTo("Bearer test-crm-token"))
                .withRequestBody(matchingJsonPath("$.email", equalTo(email)))));

        JsonNode handoff = openHandoff(leadId);
        assertThat(handoff.path("dueAt").asText()).isNotEmpty();
        assertThat(handoff.path("remainingSeconds").asLong()).isPositive();
        JsonNode tasks = read(get("/engine-rest/task?processInstanceBusinessKey=" + leadId, "demo"));
        assertThat(tasks).hasSize(1);
        assertThat(tasks.get(0).path("name").asText()).isEqualTo("Follow up lead");
        assertThat(tasks.get(0).path("due").asText()).isNotEmpty();

        String id = handoff.path("id").asText();
        assertThat(handoff.path("ladder").path("escalateAt").asText()).as("the SLA ladder").isNotEmpty();
        ResponseEntity<String> page = rest.exchange(url("/sla"), org.springframework.http.HttpMethod.GET,
                new org.springframework.http.HttpEntity<>(basic("demo")), String.class);
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(page.getBody()).contains("Team enterprise").contains(leadId.substring(0, 8)).contains("Last 30 days");

        ResponseEntity<String> accepted = postJson("/api/handoffs/" + id + "/accept", "demo", "{}");
        assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(read(accepted).path("status").asText()).isEqualTo("ACCEPTED");
        assertThat(lead(leadId).path("stage").asText()).isEqualTo("SAL");
        assertThat(postJson("/api/handoffs/" + id + "/accept", "demo", "{}").getStatusCode()).isEqualTo(HttpStatus.OK);

        int qualifiedBefore = enterpriseReportRow().path("qualified").asInt();
        ResponseEntity<String> qualified = postJson("/api/handoffs/" + id + "/qualify", "demo",
                Map.of("opportunityId", "OPP-42"));
        assertThat(read(qualified).path("status").asText()).isEqualTo("QUALIFIED");
        assertThat(read(qualified).path("opportunityId").asText()).isEqualTo("OPP-42");
        assertThat(lead(leadId).path("stage").asText()).isEqualTo("SQL");
        assertThat(postJson("/api/handoffs/" + id + "/reject", "demo", Map.of("reason", "TIMING")).getStatusCode())
                .isEqualTo(HttpStatus.CONFLICT);

        assertThat(enterpriseReportRow().path("qualified").asInt()).isEqualTo(qualifiedBefore + 1);
        assertThat(get("/api/handoffs/report", "alice").getStatusCode()).as("reports are for managers")
                .isEqualTo(HttpStatus.FORBIDDEN);
    }

    @Test
    void sendsARejectedLeadBackToNurtureWhenSalesRejectsItInTasklist() throws Exception {
        String email = "sam." + UUID.randomUUID().toString().substring(0, 8) + "@bigco-industries.com";
        String leadId = submitAndConfirm(email);
        awaitMail(email, "Welcome aboard");
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "DEMO_REQUESTED"));
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "WEBINAR_ATTENDED"));
        await().atMost(Duration.ofSeconds(20)).until(() -> openHandoff(leadId) != null);
        JsonNode task = await().atMost(Duration.ofSeconds(10)).until(
                () -> read(get("/engine-rest/task?processInstanceBusinessKey=" + leadId, "demo")), t -> t.size() == 1)
                .get(0);

        ResponseEntity<String> completed = postJson("/engine-rest/task/" + task.path("id").asText() + "/submit-form",
                "demo", Map.of("variables", Map.of("outcome", Map.of("value", "reject"),
                        "reason", Map.of("value", "TIMING"))));
        assertThat(completed.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);

        assertThat(lead(leadId).path("stage").asText()).isEqualTo("RECYCLED");
        JsonNode closed = read(get("/api/handoffs?status=closed", "demo"));
        assertThat(closed.findValues("leadId").stream().map(JsonNode::asText)).contains(leadId);
        awaitMail(email, "Still on your radar?");
    }

    /**
     * Tasklist shows a team's follow-ups to the whole team (the candidate group), but only the rep it is assigned to
     * or a manager may close it: a teammate can neither complete it nor take it over.
     */
    @Test
    void letsOnlyTheOwnerOrAManagerCompleteAFollowUpInTasklist() throws Exception {
        String email = "owned." + UUID.randomUUID().toString().substring(0, 8) + "@bigco-industries.com";
        String leadId = submitAndConfirm(email);
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "DEMO_REQUESTED"));
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "WEBINAR_ATTENDED"));
        JsonNode task = await().atMost(Duration.ofSeconds(20)).until(
                () -> read(get("/engine-rest/task?processInstanceBusinessKey=" + leadId, "demo")), t -> t.size() == 1)
                .get(0);
        String owner = task.path("assignee").asText();
        String team = read(get("/engine-rest/task/" + task.path("id").asText() + "/identity-links", "demo"))
                .findValues("groupId").get(0).asText();
        if (identity.createUserQuery().userId("carol").count() == 0) {
            var carol = identity.newUser("carol");
            carol.setPassword("demo");
            identity.saveUser(carol);
        }
        for (String group : new String[] {"SALES", team}) {
            if (identity.createUserQuery().userId("carol").memberOfGroup(group).count() == 0) {
                identity.createMembership("carol", group);
            }
        }
        String reject = "{\"variables\": {\"outcome\": {\"value\": \"reject\"}, \"reason\": {\"value\": \"TIMING\"}}}";
        String taskApi = "/camunda/api/engine/engine/default/task/" + task.path("id").asText();
        WebappSession teammate = WebappSession.signIn(url(""), "carol");

        var completed = teammate.post(taskApi + "/submit-form", "application/json", reject);
        var takenOver = teammate.post(taskApi + "/assignee", "application/json", "{\"userId\": \"carol\"}");
        // Tasklist's own way to save a task: the assignee is set first, then the save is checked
        var savedAsHers = teammate.put(taskApi, "application/json", "{\"name\": \"Follow up lead\", \"assignee\":"
                + " \"carol\", \"priority\": 50}");
        var variablesChanged = teammate.post(taskApi + "/variables", "application/json",
                "{\"modifications\": {\"outcome\": {\"value\": \"reject\"}}}");

        assertThat(savedAsHers.statusCode()).as(savedAsHers.body()).isEqualTo(403);
        assertThat(variablesChanged.statusCode()).as(variablesChanged.body()).isEqualTo(403);
        assertThat(completed.statusCode()).as(completed.body()).isEqualTo(403);
        assertThat(completed.body()).contains("assigned to " + owner).contains("only they or a sales manager");
        assertThat(takenOver.statusCode()).as(takenOver.body()).isEqualTo(403);
        assertThat(read(get("/engine-rest/task/" + task.path("id").asText(), "demo")).path("assignee").asText())
                .isEqualTo(owner);

        var byOwner = WebappSession.signIn(url(""), owner).post(taskApi + "/submit-form", "application/json", reject);
        assertThat(byOwner.statusCode()).as(byOwner.body()).isEqualTo(204);
        assertThat(lead(leadId).path("stage").asText()).isEqualTo("RECYCLED");
    }

    @Test
    void doesNotConfirmWhenALinkScannerOnlyOpensTheLink() throws Exception {
        String email = "scan." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
        String link = links(awaitMail(email, "Please confirm your subscription")).get(0);

        ResponseEntity<String> page = rest.getForEntity(link.replace("http://localhost:8080", url("")), String.class);

        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(page.getBody()).contains("Confirm");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        assertThat(lead(leadId).path("consent").asText()).isEqualTo("PENDING");
    }

    private String submitAndConfirm(String email) throws Exception {
        ResponseEntity<String> page = postForm("/forms/newsletter", Map.of("email", email, "firstName", "Jane",
                "jobTitle", "VP Marketing", "company", "Acme", "companySize", "1200", "country", "FR",
                "industry", "software"), MediaType.TEXT_HTML);
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(page.getBody()).contains("check your inbox");
        JsonNode found = read(get("/api/leads?email=" + email, "demo"));
        assertThat(found).hasSize(1);
        String leadId = found.get(0).path("id").asText();
        assertThat(found.get(0).path("consent").asText()).isEqualTo("PENDING");

        String token = confirmationToken(email);
        ResponseEntity<String> confirmed = postForm("/optin/confirm", Map.of("token", token), MediaType.TEXT_HTML);
        assertThat(confirmed.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(confirmed.getBody()).contains("you are confirmed");
        assertThat(lead(leadId).path("consent").asText()).isEqualTo("CONFIRMED");
        ResponseEntity<String> again = postForm("/optin/confirm", Map.of("token", token), MediaType.TEXT_HTML);
        assertThat(again.getBody()).contains("already confirmed");
        return leadId;
    }

    private JsonNode lead(String id) {
        return read(get("/api/leads/" + id, "demo"));
    }

    private JsonNode openHandoff(String leadId) {
        for (JsonNode h : read(get("/api/handoffs?status=open", "demo"))) {
            if (h.path("leadId").asText().equals(leadId)) {
                return h;
            }
        }
        return null;
    }

    /** The enterprise team's row of the handoff report (all its reps together). */
    private JsonNode enterpriseReportRow() {
        JsonNode report = read(get("/api/handoffs/report", "demo"));
        return java.util.stream.StreamSupport.stream(report.path("rows").spliterator(), false)
                .filter(r -> r.path("team").asText().equals("enterprise") && r.path("owner").asText(null) == null)
                .findFirst().orElseGet(() -> json.createObjectNode());
    }
}
