package io.leadflow.process;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.leadflow.handoff.Handoff;
import io.leadflow.handoff.HandoffService;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.EngineTestBase;
import io.leadflow.support.ExternalServers;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The "Push to CRM" step of the real {@code mql-handoff} model against WireMock as the CRM, with the job executor off:
 * each test runs the push job itself and moves the engine's clock to when the job is due again. Defaults of
 * {@code leadflow.crm.retry}: 5 tries, 2, 4, 8, 16 minutes apart. Test read timeout: 3 s. The service listens on a
 * port, so failures are read and replayed as an integrator does, through {@code /api/crm/failures}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "camunda.bpm.job-execution.enabled=false", "camunda.bpm.generate-unique-process-engine-name=true"})
class CrmPushFaultTests extends EngineTestBase {

    private static final String CRM_LEADS = "/crm/leads";

    @Autowired
    ProcessEngine engine;
    @Autowired
    RuntimeService runtime;
    @Autowired
    ManagementService management;
    @Autowired
    LeadService leadService;
    @Autowired
    Leads leads;
    @Autowired
    ScoringService scoring;
    @Autowired
    HandoffService handoffs;
    @Autowired
    MeterRegistry meters;
    @Autowired
    TestRestTemplate rest;
    @Autowired
    ObjectMapper json;
    @LocalServerPort
    int port;

    private Instant now;

    @BeforeEach
    void freezeTime() {
        BpmnAwareTests.init(engine);
        now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ClockUtil.setCurrentTime(Date.from(now));
        ExternalServers.CRM.resetAll();
    }

    @AfterEach
    void resetClock() {
        ClockUtil.reset();
    }

    @Nested
    class TransientFaults {

        @Test
        void retriesServerErrorsAndResetsWithTheSameIdempotencyKeyUntilTheLeadIsCreatedOnce() {
            double throttledBefore = failures("throttled");
            double serverErrorsBefore = failures("server-error");
            double connectionFailuresBefore = failures("connection");
            crmAnswersInTurn(aResponse().withStatus(503).withBody("maintenance"),
                    aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER),
                    created("CRM-42"));
            ProcessInstance handoff = handoffAboutToPush("transient");
            String leadId = handoff.getBusinessKey();

            assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("503");
            Job afterFirst = pushJob(handoff);
            assertThat(afterFirst.getRetries()).isEqualTo(4);
            assertThat(afterFirst.getDuedate()).isEqualTo(Date.from(now.plus(Duration.ofMinutes(2))));
            JsonNode retrying = failureOf(leadId);
            assertThat(retrying.get("status").asText()).isEqualTo("RETRYING");
            assertThat(retrying.get("failureClass").asText()).isEqualTo("THROTTLED");
            assertThat(retrying.get("httpStatus").asInt()).isEqualTo(503);
            assertThat(retrying.get("crmAnswer").asText()).isEqualTo("maintenance");
            assertThat(retrying.get("retriesLeft").asInt()).isEqualTo(4);
            assertThat(Instant.parse(retrying.get("nextAttemptAt").asText())).isEqualTo(now.plus(Duration.ofMinutes(2)));

            advance(Duration.ofMinutes(2));
            assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("unreachable");
            assertThat(pushJob(handoff).getDuedate()).isEqualTo(Date.from(now.plus(Duration.ofMinutes(4))));

            advance(Duration.ofMinutes(4));
            runPush(handoff);

            BpmnAwareTests.assertThat(handoff).isWaitingAt("Task_FollowUp");
            assertThat(leads.get(leadId).crmId()).isEqualTo("CRM-42");
            JsonNode resolved = failureOf(leadId);
            assertThat(resolved.get("status").asText()).isEqualTo("RESOLVED");
            assertThat(resolved.get("attempts").asInt()).isEqualTo(2);
            ExternalServers.CRM.verify(3, postRequestedFor(urlEqualTo(CRM_LEADS))
                    .withHeader("Idempotency-Key", equalTo(leadId + ":mql-handoff")));
            // a 503 is the CRM asking for time (throttled), not a server error
            assertThat(failures("throttled")).isEqualTo(throttledBefore + 1);
            assertThat(failures("server-error")).isEqualTo(serverErrorsBefore);
            assertThat(failures("connection")).isEqualTo(connectionFailuresBefore + 1);
        }

        @Test
        void treatsACrmSlowerThanTheReadTimeoutAsAFaultAndRetriesIt() {
            double timeoutsBefore = failures("timeout");
            crmAnswersInTurn(created("CRM-SLOW").withFixedDelay(4_000), created("CRM-SLOW"));
            ProcessInstance handoff = handoffAboutToPush("slow");

            long started = System.nanoTime();
            assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("did not answer within PT3S");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            assertThat(pushJob(handoff).getRetries()).isEqualTo(4);

            advance(Duration.ofMinutes(2));
            runPush(handoff);

            assertThat(leads.get(handoff.getBusinessKey()).crmId()).isEqualTo("CRM-SLOW");
            BpmnAwareTests.assertThat(handoff).isWaitingAt("Task_FollowUp");
            assertThat(failures("timeout")).isEqualTo(timeoutsBefore + 1);
        }

        @Test
        void waitsAsLongAsTheRetryAfterOfA429AndNotLonger() {
            double throttledBefore = failures("throttled");
            crmAnswersInTurn(aResponse().withStatus(429).withHeader("Retry-After", "90"), created("CRM-RL"));
            ProcessInstance handoff = handoffAboutToPush("throttled");

            assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("429");

            Job waiting = pushJob(handoff);
            assertThat(waiting.getDuedate()).isEqualTo(Date.from(now.plusSeconds(90)));
            assertThat(dueJobs(handoff)).isZero();
            advance(Duration.ofSeconds(89));
            assertThat(dueJobs(handoff)).isZero();
            advance(Duration.ofSeconds(1));
            assertThat(dueJobs(handoff)).isOne();
            runPush(handoff);

            assertThat(leads.get(handoff.getBusinessKey()).crmId()).isEqualTo("CRM-RL");
            assertThat(failures("throttled")).isEqualTo(throttledBefore + 1);
        }

        @Test
        void honoursRetryAfterGivenAsAnHttpDateOnA503() {
            String inTenMinutes = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME
                    .format(now.plus(Duration.ofMinutes(10)).atZone(java.time.ZoneOffset.UTC));
            crmAnswersInTurn(aResponse().withStatus(503).withHeader("Retry-After", inTenMinutes), created("CRM-D"));
            ProcessInstance handoff = handoffAboutToPush("dated");

            assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("503");

            assertThat(pushJob(handoff).getDuedate()).isEqualTo(Date.from(now.plus(Duration.ofMinutes(10))));
        }
    }

    @Nested
    class CrmDown {

        @Test
        void becomesAnIncidentThatSaysWhatToDoAfterTheLastTryAndResumesOnReplay() {
            ExternalServers.CRM.stubFor(post(CRM_LEADS).willReturn(aResponse().withStatus(500).withBody("db down")));
            ProcessInstance handoff = handoffAboutToPush("down");

            Duration[] waits = {Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofMinutes(8), Duration.ofMinutes(16)};
            for (Duration wait : waits) {
                assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("500");
                assertThat(incidents(handoff)).isZero();
                advance(wait);
            }
            assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("500");

            Incident incident = runtime.createIncidentQuery().processInstanceId(handoff.getId()).singleResult();
            assertThat(incident).isNotNull();
            assertThat(incident.getActivityId()).isEqualTo("Task_PushToCrm");
            assertThat(incident.getIncidentMessage()).contains("gave up after 5 attempt(s)", "500", "db down",
                    "/api/crm/failures");
            ExternalServers.CRM.verify(5, postRequestedFor(urlEqualTo(CRM_LEADS)));

            JsonNode failure = failureOf(handoff.getBusinessKey());
            assertThat(incident.getIncidentMessage())
                    .contains("POST /api/crm/failures/" + failure.get("id").asText() + "/replay");
            assertThat(failure.get("status").asText()).isEqualTo("INCIDENT");
            assertThat(failure.get("failureClass").asText()).isEqualTo("SERVER_ERROR");
            assertThat(failure.get("attempts").asInt()).isEqualTo(5);
            assertThat(failure.get("crmAnswer").asText()).isEqualTo("db down");

            ExternalServers.CRM.stubFor(post(CRM_LEADS).willReturn(created("CRM-BACK")));
            ResponseEntity<String> replayed = replay(failure.get("id").asText());
            assertThat(replayed.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            assertThat(incidents(handoff)).isZero();
            runPush(handoff);

            assertThat(incidents(handoff)).isZero();
            assertThat(failureOf(handoff.getBusinessKey()).get("status").asText()).isEqualTo("RESOLVED");
            assertThat(replay(failure.get("id").asText()).getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
            assertThat(leads.get(handoff.getBusinessKey()).crmId()).isEqualTo("CRM-BACK");
            BpmnAwareTests.assertThat(handoff).isWaitingAt("Task_FollowUp");
        }

        @Test
        void pushesAtOnceWhenAnIntegratorReplaysAPushThatWaitsForItsNextTry() {
            crmAnswersInTurn(aResponse().withStatus(502), created("CRM-NOW"));
            ProcessInstance handoff = handoffAboutToPush("impatient");
            assertThatThrownBy(() -> runPush(handoff)).hasMessageContaining("502");
            assertThat(dueJobs(handoff)).isZero();

            replay(failureOf(handoff.getBusinessKey()).get("id").asText());

            assertThat(dueJobs(handoff)).isOne();
            runPush(handoff);
            assertThat(leads.get(handoff.getBusinessKey()).crmId()).isEqualTo("CRM-NOW");
        }
    }

    @Nested
    class BusinessRejection {

        @Test
        void resumesTheHandoffWhenTheRejectedPushIsReplayedAfterTheFix() {
            ExternalServers.CRM.stubFor(post(CRM_LEADS).willReturn(aResponse().withStatus(400)
                    .withHeader("Content-Type", "application/json").withBody("{\"error\":\"unknown field utm\"}")));
            ProcessInstance handoff = handoffAboutToPush("fixed");
            runPush(handoff);
            JsonNode failure = failureOf(handoff.getBusinessKey());
            assertThat(failure.get("status").asText()).isEqualTo("WAITING_FOR_FIX");
            assertThat(failure.get("failureClass").asText()).isEqualTo("REJECTED");
            assertThat(failure.get("crmAnswer").asText()).contains("unknown field utm");
            assertThat(failure.get("message").asText()).contains("then replay the push");

            ExternalServers.CRM.stubFor(post(CRM_LEADS).willReturn(created("CRM-FIXED")));
            assertThat(replay(failure.get("id").asText()).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            runPush(handoff);

            BpmnAwareTests.assertThat(handoff).isWaitingAt("Task_FollowUp");
            Handoff h = handoffs.get((String) runtime.getVariable(handoff.getId(), "handoffId"));
            assertThat(h.status()).isEqualTo(Handoff.Status.OPEN);
            assertThat(leads.get(handoff.getBusinessKey()).crmId()).isEqualTo("CRM-FIXED");
            assertThat(failureOf(handoff.getBusinessKey()).get("status").asText()).isEqualTo("RESOLVED");
        }

        @Test
        void takesTheCrmRejectedPathAtOnceWithoutRetryingA422() {
            double rejectedBefore = failures("rejected");
            ExternalServers.CRM.stubFor(post(CRM_LEADS).willReturn(aResponse().withStatus(422)
                    .withHeader("Content-Type", "application/json").withBody("{\"error\":\"company is required\"}")));
            ProcessInstance handoff = handoffAboutToPush("rejected");

            runPush(handoff);

            BpmnAwareTests.assertThat(handoff).hasPassed("Event_CrmRejected").isWaitingAt("Task_FixCrmPush");
            assertThat(pushJob(handoff)).isNull();
            assertThat(incidents(handoff)).isZero();
            Handoff h = handoffs.get((String) runtime.getVariable(handoff.getId(), "handoffId"));
            assertThat(h.status()).isEqualTo(Handoff.Status.CRM_FAILED);
            ExternalServers.CRM.verify(1, postRequestedFor(urlEqualTo(CRM_LEADS)));
            assertThat(failures("rejected")).isEqualTo(rejectedBefore + 1);
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** A scored lead whose mql-handoff has assigned it and waits to push it (the push job is due). */
    private ProcessInstance handoffAboutToPush(String name) {
        String email = name + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = leadService.capture(new CaptureRequest(email, "Jane", "Doe", "Acme", "VP Marketing",
                "software", "1200", "FR", null, "test", null, null, null, "Yes", "en", null),
                new CaptureContext("newsletter", "203.0.113.7", "JUnit")).id();
        scoring.rescore(leadId);
        ProcessInstance handoff = runtime.startProcessInstanceByKey(ModelKeys.MQL_HANDOFF, leadId,
                Map.of(ModelKeys.VAR_LEAD_ID, leadId));
        ProcessInstance qualification = runtime.createProcessInstanceQuery().superProcessInstanceId(handoff.getId())
                .singleResult();
        management.executeJob(job(qualification, "Task_RouteQualification").getId());
        management.executeJob(job(handoff, "Task_AssignLead").getId());
        BpmnAwareTests.assertThat(handoff).isWaitingAt("Task_PushToCrm");
        return handoff;
    }

    private void crmAnswersInTurn(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder... answers) {
        String state = Scenario.STARTED;
        for (int i = 0; i < answers.length; i++) {
            String next = i == answers.length - 1 ? state : "answer-" + (i + 1);
            ExternalServers.CRM.stubFor(post(CRM_LEADS).inScenario("crm").whenScenarioStateIs(state)
                    .willReturn(answers[i]).willSetStateTo(next));
            state = next;
        }
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder created(String id) {
        return aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"id\":\"" + id + "\"}");
    }

    private void runPush(ProcessInstance handoff) {
        Job job = pushJob(handoff);
        assertThat(job).as("push job").isNotNull();
        assertThat(job.getDuedate() == null || !job.getDuedate().after(ClockUtil.getCurrentTime()))
                .as("push job due (due %s, now %s)", job.getDuedate(), ClockUtil.getCurrentTime()).isTrue();
        management.executeJob(job.getId());
    }

    private Job pushJob(ProcessInstance handoff) {
        return job(handoff, "Task_PushToCrm");
    }

    private long dueJobs(ProcessInstance pi) {
        return management.createJobQuery().processInstanceId(pi.getId()).executable().count();
    }

    private long incidents(ProcessInstance pi) {
        return runtime.createIncidentQuery().processInstanceId(pi.getId()).count();
    }

    private void advance(Duration by) {
        now = now.plus(by);
        ClockUtil.setCurrentTime(Date.from(now));
    }

    /** The open or resolved failure of the lead's push, as GET /api/crm/failures shows it. */
    private JsonNode failureOf(String leadId) {
        for (String status : new String[] {"open", "resolved"}) {
            for (JsonNode f : getJson("/api/crm/failures?status=" + status)) {
                if (f.get("leadId").asText().equals(leadId)) {
                    return f;
                }
            }
        }
        throw new AssertionError("no CRM failure listed for lead " + leadId);
    }

    private JsonNode getJson(String path) {
        ResponseEntity<String> response = rest.exchange("http://localhost:" + port + path, HttpMethod.GET,
                new HttpEntity<>(integrator()), String.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        try {
            return json.readTree(response.getBody());
        } catch (Exception e) {
            throw new AssertionError(response.getBody(), e);
        }
    }

    private ResponseEntity<String> replay(String failureId) {
        return rest.exchange("http://localhost:" + port + "/api/crm/failures/" + failureId + "/replay",
                HttpMethod.POST, new HttpEntity<>(integrator()), String.class);
    }

    private static HttpHeaders integrator() {
        HttpHeaders headers = new HttpHeaders();
        headers.setBasicAuth("demo", "demo");
        return headers;
    }

    private double failures(String failureClass) {
        return meters.get("leadflow.crm.push.failures").tag("class", failureClass).counter().count();
    }
}
