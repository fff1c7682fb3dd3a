package io.leadflow.channel.crm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.OwnContext;

/**
 * {@code leadflow.crm.preset=hubspot} with a private app token (bearer), against WireMock stubs written from the
 * HubSpot CRM v3 documentation: {@code POST /crm/v3/objects/contacts/batch/upsert} with
 * {@code {"inputs": [{"idProperty": "email", "id", "properties"}]}} answering 200 with {@code results[].id}, 207 with
 * {@code errors} when an input failed, 429 {@code RATE_LIMIT}, and 409 "Contact already exists. Existing ID: …".
 */
@Tag(OwnContext.TAG)
@SpringBootTest(properties = {"camunda.bpm.job-execution.enabled=false",
        "camunda.bpm.generate-unique-process-engine-name=true", "leadflow.crm.preset=hubspot",
        "leadflow.crm.auth.type=bearer", "leadflow.crm.mapping.grade=leadflow_grade | lower",
        "leadflow.crm.mapping.created-at=leadflow_captured_at | epoch-millis", "leadflow.crm.mapping.phone=",
        "leadflow.crm.constants[0]=lifecyclestage=marketingqualifiedlead"})
@ActiveProfiles("test")
class HubSpotPresetTests {

    private static final String UPSERT = "/crm/crm/v3/objects/contacts/batch/upsert";

    @DynamicPropertySource
    static void externalServers(DynamicPropertyRegistry registry) {
        ExternalServers.register(registry);
    }

    @Autowired
    CrmPushService crm;
    @Autowired
    LeadService leadService;
    @Autowired
    Leads leads;

    @BeforeEach
    void resetCrm() {
        ExternalServers.CRM.resetAll();
    }

    @Test
    void upsertsTheContactByEmailWithHubSpotPropertiesAndStoresItsId() {
        String email = "upsert." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = capture(email);
        ExternalServers.CRM.stubFor(post(UPSERT).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"status": "COMPLETE", "results": [{"id": "51201", "properties": {"email": "%s"},
                          "createdAt": "2026-11-07T05:31:56Z", "updatedAt": "2026-11-07T05:31:56Z",
                          "archived": false, "new": true}],
                         "startedAt": "2026-11-07T05:31:56Z", "completedAt": "2026-11-07T05:31:56Z"}"""
                        .formatted(email))));

        assertThat(crm.push(leadId, "mql-handoff")).isEqualTo("51201");

        assertThat(leads.get(leadId).crmId()).isEqualTo("51201");
        ExternalServers.CRM.verify(postRequestedFor(urlEqualTo(UPSERT))
                .withHeader("Authorization", equalTo("Bearer test-crm-token"))
                .withHeader("Idempotency-Key", equalTo(leadId + ":mql-handoff"))
                .withRequestBody(equalToJson("""
                        {"inputs": [{"idProperty": "email", "id": "%s", "properties": {
                          "email": "%s", "firstname": "Jane", "lastname": "Doe", "company": "Acme",
                          "jobtitle": "VP Marketing", "country": "FR",
                          "leadflow_captured_at": "${json-unit.any-number}",
                          "lifecyclestage": "marketingqualifiedlead"}}]}""".formatted(email, email))));
    }

    @Test
    void rejectsTheContactWhenHubSpotReportsItsOnlyInputAsFailed() {
        String leadId = capture("invalid." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io");
        ExternalServers.CRM.stubFor(post(UPSERT).willReturn(aResponse().withStatus(207)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"status": "COMPLETE", "results": [], "numErrors": 1, "errors": [{"status": "error",
                          "category": "VALIDATION_ERROR",
                          "message": "Property values were not valid: lifecyclestage", "context": {}}],
                         "startedAt": "2026-11-07T05:31:56Z", "completedAt": "2026-11-07T05:31:56Z"}""")));

        assertThatThrownBy(() -> crm.push(leadId, "mql-handoff")).isInstanceOf(CrmRejected.class)
                .hasMessageContaining("VALIDATION_ERROR");
        assertThat(leads.get(leadId).crmId()).isNull();
    }

    @Test
    void takesAContactThatAlreadyExistsAsPushedWithItsExistingId() {
        String leadId = capture("known." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io");
        ExternalServers.CRM.stubFor(post(UPSERT).willReturn(aResponse().withStatus(409)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"status": "error", "message": "Contact already exists. Existing ID: 90210",
                         "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf", "category": "CONFLICT"}""")));

        assertThat(crm.push(leadId, "mql-handoff")).isEqualTo("90210");
        assertThat(leads.get(leadId).crmId()).isEqualTo("90210");
    }

    @Test
    void retriesWhenHubSpotsRateLimitIsReached() {
        String leadId = capture("busy." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io");
        ExternalServers.CRM.stubFor(post(UPSERT).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json").withBody("""
                        {"status": "error", "message": "You have reached your secondly limit.",
                         "errorType": "RATE_LIMIT", "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
                         "policyName": "SECONDLY"}""")));

        assertThatThrownBy(() -> crm.push(leadId, "mql-handoff")).isInstanceOfSatisfying(CrmUnavailable.class,
                fault -> assertThat(fault.kind()).isEqualTo(CrmUnavailable.Kind.THROTTLED));
    }

    private String capture(String email) {
        return leadService.capture(new CaptureRequest(email, "Jane", "Doe", "Acme", "VP Marketing", "software", "1200",
                "FR", "+33 1 23 45 67 89", "test", null, null, null, "Yes", "en", null),
                new CaptureContext("newsletter", "203.0.113.7", "JUnit")).id();
    }
}
