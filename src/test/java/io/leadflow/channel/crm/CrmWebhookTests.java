package io.leadflow.channel.crm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static io.leadflow.support.WebhookSignatures.hmac;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;


import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.handoff.HandoffService;
import io.leadflow.handoff.Opportunity;
import io.leadflow.lead.Leads;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;
import io.leadflow.support.WebhookSignatures;

/**
 * The CRM tells Leadflow what sales did with a lead: {@code POST /api/crm/events}, signed as docs/api.md §7 says. The
 * signature here is computed independently of Leadflow's code, as an integrator's CRM would.
 */
class CrmWebhookTests extends ServiceTestBase {

    @Value("${leadflow.crm.webhook-secret}")
    String secret;
    @Autowired
    RuntimeService runtime;
    @Autowired
    TaskService tasks;
    @Autowired
    ScoringService scoring;
    @Autowired
    Leads leads;
    @Autowired
    HandoffService handoffs;
    @Autowired
    org.springframework.transaction.support.TransactionTemplate tx;
    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    String leadId;
    private String crmId;
    private String handoffId;

    @BeforeEach
    void aHandoffWaitsForSales() {
        crmId = "CRM-" + UUID.randomUUID().toString().substring(0, 8);
        leadId = handOver(crmId, 0);
        JsonNode handoff = await().atMost(Duration.ofSeconds(20)).until(() -> handoffOf(leadId),
                h -> h != null && h.path("status").asText().equals("OPEN") && crmIdStored());
        handoffId = handoff.path("id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> tasks.createTaskQuery().processInstanceBusinessKey(leadId)
                .taskDefinitionKey("Task_FollowUp").count() == 1);
    }

    /** A new lead handed to sales; the CRM takes its push after the given delay and answers the given id. */
    private String handOver(String crmIdOfLead, int pushDelayMillis) {
        String email = "hook." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        ResponseEntity<String> captured = postJson("/api/leads", "demo", Map.of("email", email, "firstName", "Jane",
                "company", "Acme", "jobTitle", "VP Marketing", "companySize", 1200, "country", "FR"));
        assertThat(captured.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        String lead = read(captured).path("id").asText();
        ExternalServers.CRM.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post("/crm/leads")
                .withRequestBody(containing(lead)).willReturn(aResponse().withFixedDelay(pushDelayMillis)
                        .withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"id\":\"" + crmIdOfLead + "\"}")));
        scoring.rescore(lead);
        // sales receives MQLs only: the lead qualifies as its journey would have it before the handoff starts
        tx.executeWithoutResult(s -> leads.qualify(lead, java.time.Instant.now()));
        runtime.startProcessInstanceByKey("mql-handoff", lead, Map.of("leadId", lead));
        return lead;
    }

    /**
     * The CRM takes the push and sends its event before the push's transaction has committed: the handoff exists
     * but does not wait for sales yet. Most CRMs never deliver a 4xx again, so the event is kept and applied once.
     */
    @Nested
    class BeforeTheHandoffWaitsForSales {

        @Test
        void keepsAnEventThatArrivesDuringThePushAndAppliesItOnceWhenTheHandoffWaits() {
            String early = handOver("CRM-" + UUID.randomUUID().toString().substring(0, 8), 1500);
            JsonNode open = await().atMost(Duration.ofSeconds(20)).until(() -> handoffOf(early),
                    h -> h != null && h.path("status").asText().equals("OPEN"));
            assertThat(tasks.createTaskQuery().processInstanceBusinessKey(early).count()).as("the push is in flight")
                    .isZero();
            String eventId = UUID.randomUUID().toString();

            ResponseEntity<String> kept = send(eventWithId(eventId, "LEAD_ACCEPTED", "leadId", early));
            ResponseEntity<String> redelivered = send(eventWithId(eventId, "LEAD_ACCEPTED", "leadId", early));

            assertThat(kept.getStatusCode()).as(kept.getBody()).isEqualTo(HttpStatus.ACCEPTED);
            assertThat(read(kept).path("status").asText()).isEqualTo("PENDING");
            assertThat(read(redelivered).path("status").asText()).isEqualTo("DUPLICATE");
            String id = open.path("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> read(get("/api/handoffs/" + id, "demo"))
                    .path("status").asText().equals("ACCEPTED"));
            assertThat(read(get("/api/leads/" + early, "demo")).path("stage").asText()).isEqualTo("SAL");
            assertThat(tasks.createTaskQuery().processInstanceBusinessKey(early).taskDefinitionKey("Task_FollowUp")
                    .count()).as("the accept completed the follow-up task once").isZero();
            assertThat(keptFor(early)).isZero();
        }

        @Test
        void appliesTheKeptEventsOfOneHandoffInTheOrderTheyCame() {
            String early = handOver("CRM-" + UUID.randomUUID().toString().substring(0, 8), 1500);
            JsonNode open = await().atMost(Duration.ofSeconds(20)).until(() -> handoffOf(early),
                    h -> h != null && h.path("status").asText().equals("OPEN"));

            assertThat(read(send(event("LEAD_ACCEPTED", "leadId", early))).path("status").asText()).isEqualTo("PENDING");
            assertThat(read(send(event("LEAD_QUALIFIED", "leadId", early, "opportunityId", "OPP-9"))).path("status")
                    .asText()).as("queued behind the accept").isEqualTo("PENDING");

            String id = open.path("id").asText();
            JsonNode qualified = await().atMost(Duration.ofSeconds(20)).until(() -> read(get("/api/handoffs/" + id,
                    "demo")), h -> h.path("status").asText().equals("QUALIFIED"));
            assertThat(jdbc.queryForObject("select first_sal_at from leads where id = ?", java.sql.Timestamp.class,
                    early)).as("accepted (SAL) first, then qualified").isNotNull();
            assertThat(qualified.path("opportunityId").asText()).isEqualTo("OPP-9");
            assertThat(read(get("/api/leads/" + early, "demo")).path("stage").asText()).isEqualTo("SQL");
            assertThat(keptFor(early)).isZero();
        }

        private long keptFor(String lead) {
            return jdbc.queryForObject("select count(*) from crm_pending_events where lead_id = ?", Long.class, lead);
        }
    }

    @Nested
    class SignedEvents {

        @Test
        void acceptsThenQualifiesTheHandoffAsTheSalesActionsDo() {
            ResponseEntity<String> accepted = send(event("LEAD_ACCEPTED", "crmId", crmId));

            assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(read(accepted).path("status").asText()).isEqualTo("APPLIED");
            assertThat(handoff().path("status").asText()).isEqualTo("ACCEPTED");
            assertThat(lead().path("stage").asText()).isEqualTo("SAL");

            ResponseEntity<String> qualified = send(event("LEAD_QUALIFIED", "leadId", leadId, "opportunityId", "OPP-7"));

            assertThat(read(qualified).path("handoffStatus").asText()).isEqualTo("QUALIFIED");
            assertThat(handoff().path("opportunityId").asText()).isEqualTo("OPP-7");
            assertThat(lead().path("stage").asText()).isEqualTo("SQL");
            assertThat(runtime.createProcessInstanceQuery().processDefinitionKey("mql-handoff")
                    .processInstanceBusinessKey(leadId).count()).isZero();
        }

        @Test
        void rejectsTheHandoffWithTheCrmsReasonAndRecyclesTheLead() {
            ResponseEntity<String> rejected = send(event("LEAD_REJECTED", "crmId", crmId, "reason", "NO_BUDGET"));

            assertThat(rejected.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(handoff().path("status").asText()).isEqualTo("REJECTED");
            assertThat(handoff().path("rejectReason").asText()).isEqualTo("NO_BUDGET");
            assertThat(lead().path("stage").asText()).isEqualTo("RECYCLED");
        }

        @Test
        void qualifiesAnOpenHandoffWhenTheOpportunityIsWonAndLeavesAQualifiedOneAlone() {
            send(event("LEAD_QUALIFIED", "leadId", leadId));

            ResponseEntity<String> won = send(event("OPPORTUNITY_WON", "leadId", leadId, "opportunityId", "OPP-9"));

            assertThat(won.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(read(won).path("status").asText()).isEqualTo("UNCHANGED");
            assertThat(handoff().path("status").asText()).isEqualTo("QUALIFIED");
        }

        @Test
        void acknowledgesARepeatedEventIdWithoutApplyingItAgain() {
            String eventId = UUID.randomUUID().toString();
            assertThat(read(send(eventWithId(eventId, "LEAD_ACCEPTED", "crmId", crmId))).path("status").asText())
                    .isEqualTo("APPLIED");

            ResponseEntity<String> again = send(eventWithId(eventId, "LEAD_ACCEPTED", "crmId", crmId));
            ResponseEntity<String> reused = send(eventWithId(eventId, "LEAD_REJECTED", "crmId", crmId, "reason", "TIMING"));

            assertThat(again.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(read(again).path("status").asText()).isEqualTo("DUPLICATE");
            assertThat(read(reused).path("status").asText()).isEqualTo("DUPLICATE");
            assertThat(handoff().path("status").asText()).isEqualTo("ACCEPTED");
        }

        @Test
        void keepsNoTraceOfAnEventWhoseEffectFailedSoItsRedeliveryIsApplied() {
            String eventId = UUID.randomUUID().toString();
            ResponseEntity<String> unknown = send(eventWithId(eventId, "LEAD_ACCEPTED", "crmId", "CRM-nobody"));
            assertThat(unknown.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);

            ResponseEntity<String> fixed = send(eventWithId(eventId, "LEAD_ACCEPTED", "crmId", crmId));

            assertThat(read(fixed).path("status").asText()).isEqualTo("APPLIED");
            assertThat(handoff().path("status").asText()).isEqualTo("ACCEPTED");
        }

        @Test
        void answersAConflictForAnActionOnAClosedHandoff() {
            send(event("LEAD_REJECTED", "leadId", leadId, "reason", "TIMING"));

            ResponseEntity<String> late = send(event("LEAD_QUALIFIED", "leadId", leadId));

            assertThat(late.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
            assertThat(late.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        }

        @Test
        void namesTheFieldsOfAnEventItCannotUse() {
            ResponseEntity<String> bad = send("{\"type\": \"LEAD_SLEPT\", \"leadId\": \"" + leadId + "\"}");

            assertThat(bad.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(read(bad).findValuesAsText("field")).contains("eventId", "type");
            assertThat(handoff().path("status").asText()).isEqualTo("OPEN");
        }
    }

    /** What became of the lead after the handoff: opportunities with their amounts, and the first touch. */
    @Nested
    class ClosedLoop {

        @Test
        void keepsEachOpportunityWithItsAmountAndOutcomeOnceAndNeverMovesItBack() {
            ResponseEntity<String> created = send(event("OPPORTUNITY_CREATED", "leadId", leadId, "opportunityId",
                    "OPP-C1", "amount", "12000.50", "currency", "eur", "closeDate", "2027-01-31"));

            assertThat(created.getStatusCode()).as(created.getBody()).isEqualTo(HttpStatus.OK);
            assertThat(read(created).path("handoffStatus").asText()).as("an opportunity: a sales qualified lead")
                    .isEqualTo("QUALIFIED");
            assertThat(read(created).path("recorded").asText()).isEqualTo("opportunity OPP-C1 OPEN");
            Opportunity open = handoffs.opportunities(leadId).get(0);
            assertThat(open.status()).isEqualTo("OPEN");
            assertThat(open.amount()).isEqualByComparingTo("12000.50");
            assertThat(open.currency()).isEqualTo("EUR");
            assertThat(open.closeDate()).isEqualTo(LocalDate.parse("2027-01-31"));
            assertThat(open.handoffId()).isEqualTo(handoffId);

            String won = eventWithId(UUID.randomUUID().toString(), "OPPORTUNITY_WON", "leadId", leadId,
                    "opportunityId", "OPP-C1", "amount", "15000");
            assertThat(read(send(won)).path("recorded").asText()).isEqualTo("opportunity OPP-C1 WON");
            assertThat(read(send(won)).path("status").asText()).as("delivered again").isEqualTo("DUPLICATE");
            send(event("OPPORTUNITY_CREATED", "leadId", leadId, "opportunityId", "OPP-C1", "amount", "9000"));

            List<Opportunity> kept = handoffs.opportunities(leadId);
            assertThat(kept).hasSize(1);
            assertThat(kept.get(0).status()).as("a late 'created' does not reopen it").isEqualTo("WON");
            assertThat(kept.get(0).amount()).as("the latest amount the CRM gave").isEqualByComparingTo("9000");
            assertThat(kept.get(0).closedAt()).isNotNull();
            assertThat(kept.get(0).closeDate()).isEqualTo(LocalDate.parse("2027-01-31"));
        }

        @Test
        void stopsTheFirstTouchClockAtTheFirstActivitySalesLogged() {
            ResponseEntity<String> call = send(event("ACTIVITY_LOGGED", "crmId", crmId, "activity", "CALL"));

            assertThat(call.getStatusCode()).as(call.getBody()).isEqualTo(HttpStatus.OK);
            assertThat(read(call).path("status").asText()).as("the handoff itself does not move")
                    .isEqualTo("UNCHANGED");
            assertThat(read(call).path("recorded").asText()).isEqualTo("first touch (CALL)");
            JsonNode touched = handoff().path("firstTouch");
            assertThat(touched.path("activity").asText()).isEqualTo("CALL");
            Instant at = Instant.parse(touched.path("at").asText());

            ResponseEntity<String> email = send(event("ACTIVITY_LOGGED", "crmId", crmId, "activity", "EMAIL"));
            assertThat(read(email).path("recorded").isMissingNode()).isTrue();
            assertThat(handoff().path("firstTouch").path("activity").asText()).isEqualTo("CALL");
            assertThat(Instant.parse(handoff().path("firstTouch").path("at").asText())).isEqualTo(at);
            assertThat(handoff().path("status").asText()).isEqualTo("OPEN");

            String untouched = read(postJson("/api/leads", "demo", Map.of("email", "nohandoff."
                    + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io"))).path("id").asText();
            ResponseEntity<String> elsewhere = send(event("ACTIVITY_LOGGED", "leadId", untouched, "activity",
                    "MEETING"));
            assertThat(elsewhere.getStatusCode()).as("a lead sales never got: nothing to stop, no retries")
                    .isEqualTo(HttpStatus.OK);
            JsonNode report = read(get("/api/handoffs/report", "demo")).path("total");
            assertThat(report.path("touched").asInt()).isPositive();
            assertThat(report.path("medianBusinessMinutesToFirstTouch").isNumber()).isTrue();
        }

        @Test
        void namesTheOutcomeFieldsItCannotUse() {
            ResponseEntity<String> bad = send(event("OPPORTUNITY_CREATED", "leadId", leadId, "amount", "-5",
                    "currency", "euros", "closeDate", "31/01/2027"));
            assertThat(bad.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(bad.getBody()).contains("opportunityId", "amount", "currency", "closeDate");
            ResponseEntity<String> noActivity = send(event("ACTIVITY_LOGGED", "leadId", leadId));
            assertThat(noActivity.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(noActivity.getBody()).contains("activity", "CALL, EMAIL, MEETING");
            assertThat(handoffs.opportunities(leadId)).isEmpty();
        }
    }

    @Nested
    class Refused {

        @Test
        void refusesAWrongSignatureAndChangesNothing() {
            String body = event("LEAD_ACCEPTED", "crmId", crmId);
            long t = Instant.now().getEpochSecond();

            ResponseEntity<String> forged = post(body, "t=" + t + ",v1=" + hmac("not-the-secret-0123456789abcdefgh",
                    t + "." + body));
            ResponseEntity<String> tampered = post(body.replace("LEAD_ACCEPTED", "LEAD_QUALIFIED"),
                    "t=" + t + ",v1=" + hmac(secret, t + "." + body));
            ResponseEntity<String> unsigned = post(body, null);

            assertThat(forged.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(tampered.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(unsigned.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(forged.getHeaders().getContentType().toString()).startsWith("application/problem+json");
            assertThat(handoff().path("status").asText()).isEqualTo("OPEN");
        }

        @Test
        void refusesAStaleTimestampEvenWithAGoodSignature() {
            String body = event("LEAD_ACCEPTED", "crmId", crmId);
            long stale = Instant.now().minusSeconds(301).getEpochSecond();

            ResponseEntity<String> replayed = post(body, "t=" + stale + ",v1=" + hmac(secret, stale + "." + body));

            assertThat(replayed.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(read(replayed).path("detail").asText()).contains("5 minutes");
            assertThat(handoff().path("status").asText()).isEqualTo("OPEN");
        }

        @Test
        void takesASignatureFromFourMinutesAgoAndAnyOfSeveralDuringASecretRotation() {
            String body = event("LEAD_ACCEPTED", "crmId", crmId);
            long t = Instant.now().minusSeconds(240).getEpochSecond();

            ResponseEntity<String> accepted = post(body, "t=" + t + ",v1=" + hmac("old-secret-0123456789abcdefghijkl",
                    t + "." + body) + ",v1=" + hmac(secret, t + "." + body));

            assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.OK);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private boolean crmIdStored() {
        return ExternalServers.CRM.getAllServeEvents().stream()
                .anyMatch(e -> e.getRequest().getBodyAsString().contains(leadId) && e.getResponse().getStatus() == 201);
    }

    private String event(String type, String... fields) {
        return eventWithId(UUID.randomUUID().toString(), type, fields);
    }

    String eventWithId(String eventId, String type, String... fields) {
        StringBuilder json = new StringBuilder("{\"eventId\": \"" + eventId + "\", \"type\": \"" + type + "\"");
        for (int i = 0; i < fields.length; i += 2) {
            json.append(", \"").append(fields[i]).append("\": \"").append(fields[i + 1]).append('"');
        }
        return json.append(", \"occurredAt\": \"").append(Instant.now()).append("\"}").toString();
    }

    /** Signs as the CRM does, now. */
    ResponseEntity<String> send(String body) {
        return post(body, WebhookSignatures.signatureNow(secret, body));
    }

    private ResponseEntity<String> post(String body, String signature) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (signature != null) {
            headers.set("X-Leadflow-Signature", signature);
        }
        return rest.exchange(url("/api/crm/events"), HttpMethod.POST, new HttpEntity<>(body, headers), String.class);
    }

    private JsonNode handoffOf(String lead) {
        for (JsonNode h : read(get("/api/handoffs?status=open", "demo"))) {
            if (h.path("leadId").asText().equals(lead)) {
                return h;
            }
        }
        return null;
    }

    JsonNode handoff() {
        return read(get("/api/handoffs/" + handoffId, "demo"));
    }

    private JsonNode lead() {
        return read(get("/api/leads/" + leadId, "demo"));
    }
}
