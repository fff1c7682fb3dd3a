package io.leadflow.channel.crm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import io.leadflow.lead.Leads;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;
import io.micrometer.core.instrument.MeterRegistry;

/** The CRM channel as an integrator meets it in the running service: sandbox, failures API, metrics. */
class CrmChannelTests extends ServiceTestBase {

    @Autowired
    CrmPushService crm;
    @Autowired
    Leads leads;
    @Autowired
    MeterRegistry meters;

    @Test
    void sandboxCrmFailsAsManyCallsAsItIsToldAndKeepsOneRecordPerIdempotencyKey() {
        assertThat(postJson("/sandbox-crm/faults", "demo", Map.of("count", 2, "status", 503, "retryAfter", 7))
                .getStatusCode()).isEqualTo(HttpStatus.OK);
        String key = UUID.randomUUID() + ":mql-handoff";

        ResponseEntity<String> first = sandboxPush(key);
        ResponseEntity<String> second = sandboxPush(key);
        ResponseEntity<String> created = sandboxPush(key);
        ResponseEntity<String> repeated = sandboxPush(key);

        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(first.getHeaders().getFirst("Retry-After")).isEqualTo("7");
        assertThat(second.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(repeated.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(read(repeated).path("id").asText()).isEqualTo(read(created).path("id").asText());
        assertThat(read(get("/sandbox-crm/api/leads", "demo")).findValuesAsText("idempotencyKey"))
                .containsOnlyOnce(key);
    }

    @Test
    void takesADuplicateAnswerThatNamesTheExistingRecordAsSuccess() {
        String leadId = capture();
        ExternalServers.CRM.stubFor(post("/crm/leads").withRequestBody(containing(leadId)).willReturn(aResponse()
                .withStatus(409).withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"duplicate lead\",\"duplicate\":true,\"id\":\"CRM-EXISTING\"}")));

        assertThat(crm.push(leadId, "mql-handoff")).isEqualTo("CRM-EXISTING");
        assertThat(leads.get(leadId).crmId()).isEqualTo("CRM-EXISTING");
    }

    @Test
    void listsFailuresOnlyToIntegratorsAndAdmins() {
        assertThat(get("/api/crm/failures", null).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(get("/api/crm/failures", "alice").getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(postJson("/api/crm/failures/nope/replay", "alice", "{}").getStatusCode())
                .isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(get("/api/crm/failures", "demo").getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(postJson("/api/crm/failures/nope/replay", "demo", "{}").getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(get("/api/crm/failures?status=broken", "demo").getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void countsPushesFailuresByClassAndLatency() {
        double rejectedBefore = meters.get("leadflow.crm.push.failures").tag("class", "rejected").counter().count();
        // these two appear with the first failure of the run
        var failedPushes = meters.find("leadflow.crm.pushes").tag("outcome", "failure").counter();
        double failedPushesBefore = failedPushes == null ? 0 : failedPushes.count();
        var timedFailures = meters.find("leadflow.crm.push.latency").tag("outcome", "failure").timer();
        long timedFailuresBefore = timedFailures == null ? 0 : timedFailures.count();
        String leadId = capture();
        ExternalServers.CRM.stubFor(post("/crm/leads").withRequestBody(containing(leadId))
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"no company\"}")));
        try {
            crm.push(leadId, "metrics");
        } catch (CrmRejected expected) {
            // counted below
        }

        assertThat(meters.get("leadflow.crm.push.failures").tag("class", "rejected").counter().count())
                .isEqualTo(rejectedBefore + 1);
        // every class is there from the start, so an alert on it sees zeros rather than no series
        assertThat(meters.get("leadflow.crm.push.failures").counters()).extracting(c -> c.getId().getTag("class"))
                .contains("throttled", "server-error", "timeout", "connection", "refused");
        assertThat(meters.get("leadflow.crm.pushes").tag("outcome", "failure").counter().count())
                .isEqualTo(failedPushesBefore + 1);
        assertThat(meters.get("leadflow.crm.push.latency").tag("outcome", "failure").timer().count())
                .isEqualTo(timedFailuresBefore + 1);
    }

    private ResponseEntity<String> sandboxPush(String key) {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth("test-crm-token");
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("Idempotency-Key", key);
        return rest.exchange(url("/sandbox-crm/api/leads"), HttpMethod.POST,
                new HttpEntity<>("{\"leadId\":\"x\"}", headers), String.class);
    }

    private String capture() {
        ResponseEntity<String> captured = postJson("/api/leads", "demo", Map.of("email",
                "crm." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io", "company", "Acme"));
        return read(captured).path("id").asText();
    }
}
