package io.leadflow.channel.crm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
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

import com.github.tomakehurst.wiremock.stubbing.Scenario;

import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.OwnContext;

/**
 * {@code leadflow.crm.preset=salesforce} with OAuth 2.0 client credentials, against WireMock stubs written from the
 * Salesforce REST API documentation: token at {@code /services/oauth2/token} (no {@code expires_in}: a session ends
 * with 401 {@code INVALID_SESSION_ID}), upsert by External ID with {@code PATCH .../sobjects/Lead/<field>/<value>}
 * answering 201 {@code {"id", "success", "errors", "created"}}, 400 with an error list, 300 for several matches.
 */
@Tag(OwnContext.TAG)
@SpringBootTest(properties = {"camunda.bpm.job-execution.enabled=false",
        "camunda.bpm.generate-unique-process-engine-name=true", "leadflow.crm.preset=salesforce",
        "leadflow.crm.auth.type=oauth2", "leadflow.crm.auth.client-id=3MVG9-leadflow",
        "leadflow.crm.auth.client-secret=s3cr3t", "leadflow.crm.salesforce.api-version=61.0",
        "leadflow.crm.mapping.grade=Leadflow_Grade__c", "leadflow.crm.mapping.phone=",
        "leadflow.crm.mapping.country=Country | upper", "leadflow.crm.constants[0]=LeadSource=Web"})
@ActiveProfiles("test")
class SalesforcePresetTests {

    private static final String TOKEN = "/crm/services/oauth2/token";

    @DynamicPropertySource
    static void externalServers(DynamicPropertyRegistry registry) {
        ExternalServers.register(registry);
        registry.add("leadflow.crm.auth.token-uri",
                () -> "http://127.0.0.1:" + ExternalServers.CRM.port() + TOKEN);
    }

    @Autowired
    CrmPushService crm;
    @Autowired
    LeadService leadService;
    @Autowired
    Leads leads;

    /** Tokens differ from test to test: the one cached by an earlier test is never valid here. */
    private String tokenPrefix;

    @BeforeEach
    void salesforceIssuesTokensInTurn() {
        ExternalServers.CRM.resetAll();
        tokenPrefix = "00Dxx!" + UUID.randomUUID().toString().substring(0, 8) + "-";
        String state = Scenario.STARTED;
        for (char i = 'A'; i <= 'C'; i++) {
            ExternalServers.CRM.stubFor(post(TOKEN).inScenario("tokens").whenScenarioStateIs(state)
                    .withRequestBody(containing("grant_type=client_credentials"))
                    .withRequestBody(containing("client_id=3MVG9-leadflow"))
                    .withRequestBody(containing("client_secret=s3cr3t"))
                    .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                            .withBody("{\"access_token\":\"" + tokenPrefix + i + "\",\"instance_url\":\"https://acme.my"
                                    + ".salesforce.com\",\"id\":\"https://login.salesforce.com/id/00Dxx/005xx\","
                                    + "\"token_type\":\"Bearer\",\"issued_at\":\"1700000000000\",\"signature\":\"x\"}"))
                    .willSetStateTo("after-" + i));
            state = "after-" + i;
        }
    }

    @Test
    void upsertsTheLeadByItsExternalIdWithTheMappedFieldsAndStoresTheSalesforceId() {
        String leadId = capture("upsert");
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).willReturn(created("00Q5e00000AbCdEAK")));

        assertThat(crm.push(leadId, "mql-handoff")).isEqualTo("00Q5e00000AbCdEAK");

        assertThat(leads.get(leadId).crmId()).isEqualTo("00Q5e00000AbCdEAK");
        ExternalServers.CRM.verify(patchRequestedFor(urlEqualTo(upsertPath(leadId)))
                .withHeader("Authorization", containing("Bearer 00Dxx!"))
                .withHeader("Idempotency-Key", equalTo(leadId + ":mql-handoff"))
                .withRequestBody(equalToJson("""
                        {"Email": "${json-unit.any-string}", "FirstName": "Jane", "LastName": "Doe",
                         "Company": "Acme", "Title": "VP Marketing", "Industry": "software",
                         "NumberOfEmployees": 1200, "Country": "FR", "LeadSource": "Web"}""")));
    }

    @Test
    void sendsPlaceholdersForTheFieldsSalesforceRequiresWhenTheLeadHasNone() {
        String leadId = leadService.capture(new CaptureRequest("anon." + UUID.randomUUID() + "@acme-corp.io", null,
                null, null, null, null, null, null, null, "test", null, null, null, "Yes", "en", null),
                new CaptureContext("newsletter", "203.0.113.7", "JUnit")).id();
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).willReturn(created("00Q5e00000Anon")));

        crm.push(leadId, "mql-handoff");

        ExternalServers.CRM.verify(patchRequestedFor(urlEqualTo(upsertPath(leadId))).withRequestBody(equalToJson(
                "{\"Email\": \"${json-unit.any-string}\", \"LastName\": \"[not provided]\","
                        + " \"Company\": \"[not provided]\", \"LeadSource\": \"Web\"}")));
    }

    /** Whether an earlier test left a token cached or none: the CRM accepts only token A, then only token B. */
    @Test
    void fetchesANewTokenOnceWhenTheSessionExpiredAndKeepsUsingIt() {
        String first = capture("first");
        String second = capture("second");
        String third = capture("third");
        acceptsOnly(first, tokenPrefix + "A", "00Q-1");
        acceptsOnly(second, tokenPrefix + "B", "00Q-2");
        acceptsOnly(third, tokenPrefix + "B", "00Q-3");

        assertThat(crm.push(first, "mql-handoff")).isEqualTo("00Q-1");
        assertThat(crm.push(second, "mql-handoff")).isEqualTo("00Q-2");
        assertThat(crm.push(third, "mql-handoff")).isEqualTo("00Q-3");

        ExternalServers.CRM.verify(2, postRequestedFor(urlEqualTo(TOKEN)));
        ExternalServers.CRM.verify(1, patchRequestedFor(urlEqualTo(upsertPath(second)))
                .withHeader("Authorization", equalTo("Bearer " + tokenPrefix + "A")));
        ExternalServers.CRM.verify(1, patchRequestedFor(urlEqualTo(upsertPath(third))));
    }

    private void acceptsOnly(String leadId, String token, String salesforceId) {
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).atPriority(1)
                .withHeader("Authorization", equalTo("Bearer " + token)).willReturn(created(salesforceId)));
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).atPriority(5).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]")));
    }

    @Test
    void reportsACrmThatStillRefusesTheNewTokenAsAnAuthProblemToRetry() {
        String leadId = capture("revoked");
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).willReturn(aResponse().withStatus(401)
                .withBody("[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]")));

        assertThatThrownBy(() -> crm.push(leadId, "mql-handoff")).isInstanceOf(CrmUnavailable.class)
                .hasMessageContaining("401").hasMessageContaining("Check leadflow.crm.auth");
        ExternalServers.CRM.verify(2, patchRequestedFor(urlEqualTo(upsertPath(leadId))));
    }

    @Test
    void rejectsTheLeadWithSalesforcesReasonWhenARequiredFieldIsMissing() {
        String leadId = capture("invalid");
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json").withBody("[{\"message\":\"Required fields are missing:"
                        + " [Company]\",\"errorCode\":\"REQUIRED_FIELD_MISSING\",\"fields\":[\"Company\"]}]")));

        assertThatThrownBy(() -> crm.push(leadId, "mql-handoff")).isInstanceOf(CrmRejected.class)
                .hasMessageContaining("REQUIRED_FIELD_MISSING");
    }

    @Test
    void rejectsTheLeadWhenItsExternalIdMatchesSeveralRecords() {
        String leadId = capture("ambiguous");
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).willReturn(aResponse().withStatus(300)
                .withHeader("Content-Type", "application/json")
                .withBody("[\"/services/data/v61.0/sobjects/Lead/00Q-a\",\"/services/data/v61.0/sobjects/Lead/00Q-b\"]")));

        assertThatThrownBy(() -> crm.push(leadId, "mql-handoff")).isInstanceOf(CrmRejected.class)
                .hasMessageContaining("300");
    }

    @Test
    void saysWhichSettingsToCheckWhenTheTokenEndpointRefusesTheClient() {
        ExternalServers.CRM.resetAll();
        ExternalServers.CRM.stubFor(post(TOKEN).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":\"invalid_client\",\"error_description\":\"invalid client credentials\"}")));
        String leadId = capture("badclient");
        ExternalServers.CRM.stubFor(patch(upsertPath(leadId)).willReturn(aResponse().withStatus(401)));

        assertThatThrownBy(() -> crm.push(leadId, "mql-handoff")).isInstanceOf(CrmUnavailable.class)
                .hasMessageContaining("invalid_client").hasMessageContaining("leadflow.crm.auth.client-id");
    }

    private static String upsertPath(String leadId) {
        return "/crm/services/data/v61.0/sobjects/Lead/Leadflow_Id__c/" + leadId;
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder created(String id) {
        return aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                .withBody("{\"id\":\"" + id + "\",\"success\":true,\"errors\":[],\"created\":true}");
    }

    private String capture(String name) {
        return leadService.capture(new CaptureRequest(name + "." + UUID.randomUUID() + "@acme-corp.io", "Jane", "Doe",
                "Acme", "VP Marketing", "software", "1200", "fr", "+33 1 23 45 67 89", "test", null, null, null, "Yes",
                "en", null), new CaptureContext("newsletter", "203.0.113.7", "JUnit")).id();
    }
}
