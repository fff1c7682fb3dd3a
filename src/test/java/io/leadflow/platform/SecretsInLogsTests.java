package io.leadflow.platform;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ExternalServers;
import io.leadflow.support.OwnContext;
import io.leadflow.support.ServiceTestBase;
import io.leadflow.support.WebhookSignatures;

/**
 * A whole journey (form, confirmation, engagement, handoff, CRM push through OAuth, a signed CRM webhook, a failed
 * sign-in) with real-looking secrets configured, and every line the service logged meanwhile, at DEBUG for Leadflow's
 * own code: no secret, no token and no raw email address of the lead appears.
 */
@Tag(OwnContext.TAG)
@ExtendWith(OutputCaptureExtension.class)
@TestPropertySource(properties = {"leadflow.crm.auth.type=oauth2", "leadflow.crm.auth.client-id=leadflow-client",
        "leadflow.crm.auth.client-secret=" + SecretsInLogsTests.CLIENT_SECRET,
        "leadflow.crm.webhook-secret=" + SecretsInLogsTests.WEBHOOK_SECRET,
        "leadflow.secret=" + SecretsInLogsTests.LINK_SECRET, "spring.mail.username=leadflow-smtp",
        "spring.mail.password=" + SecretsInLogsTests.SMTP_PASSWORD, "logging.level.io.leadflow=DEBUG"})
class SecretsInLogsTests extends ServiceTestBase {

    static final String CLIENT_SECRET = "oauth-cs-7Hq2vN9xR4tL8mZ3pK6w";
    static final String WEBHOOK_SECRET = "whsec-Pz8Lq3Vn6Rt1Xy4Bm7Kc0Dg5Fh2Js9Aw";
    static final String LINK_SECRET = "link-secret-Qm4Tz8Wc2Vb6Nx1Lp5Rj9Hs3Gd7Fk0";
    static final String SMTP_PASSWORD = "smtp-pw-Ua5Ye9Io3Kj7Mn1Bv";
    static final String ACCESS_TOKEN = "at-Yd6Ws2Qe8Rf4Tg0Hj3Lk7Zx1Cv5Bn9";
    private static final String TOKEN_PATH = "/crm/oauth/token";
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");

    @DynamicPropertySource
    static void tokenEndpoint(DynamicPropertyRegistry registry) {
        registry.add("leadflow.crm.auth.token-uri", () -> "http://127.0.0.1:" + ExternalServers.CRM.port() + TOKEN_PATH);
    }

    @BeforeEach
    void crmIssuesTokens() {
        // the SMTP server knows Leadflow's account: every email signs in with the password
        ExternalServers.SMTP.setUser("leadflow-smtp@leadflow.local", "leadflow-smtp", SMTP_PASSWORD);
        ExternalServers.CRM.stubFor(post(TOKEN_PATH).withRequestBody(containing("client_secret=" + CLIENT_SECRET))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody("{\"access_token\":\"" + ACCESS_TOKEN + "\",\"token_type\":\"Bearer\","
                                + "\"expires_in\":3600}")));
    }

    @Test
    void aWholeJourneyLogsNoSecretNoTokenAndNoAddress(CapturedOutput log) throws Exception {
        String email = confirmedDecisionMaker("logged");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        awaitMail(email, "Welcome aboard");
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "DEMO_REQUESTED"));
        postJson("/api/events", "demo", Map.of("leadId", leadId, "type", "WEBINAR_ATTENDED"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> ExternalServers.CRM.verify(
                postRequestedFor(urlEqualTo("/crm/leads")).withHeader("Authorization",
                        com.github.tomakehurst.wiremock.client.WireMock.equalTo("Bearer " + ACCESS_TOKEN))));
        JsonNode handoff = await().atMost(Duration.ofSeconds(20)).until(() -> openHandoff(leadId), h -> h != null);
        long t = Instant.now().getEpochSecond();
        String event = "{\"eventId\": \"ev-" + t + "\", \"type\": \"LEAD_ACCEPTED\", \"leadId\": \"" + leadId
                + "\", \"occurredAt\": \"" + Instant.now() + "\"}";
        HttpHeaders signed = new HttpHeaders();
        signed.setContentType(MediaType.APPLICATION_JSON);
        signed.set("X-Leadflow-Signature", WebhookSignatures.signatureNow(WEBHOOK_SECRET, event));
        assertThat(rest.exchange(url("/api/crm/events"), HttpMethod.POST, new HttpEntity<>(event, signed), String.class)
                .getStatusCode().value()).isBetween(200, 202);
        HttpHeaders wrong = new HttpHeaders();
        wrong.setBasicAuth(email, "a-wrong-password");
        rest.exchange(url("/api/handoffs"), HttpMethod.GET, new HttpEntity<>(wrong), String.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> read(get("/api/handoffs/" + handoff.path("id").asText(),
                "demo")).path("status").asText().equals("ACCEPTED"));

        // the lines of the service, not of the test's own SMTP and CRM servers (GreenMail logs its mailboxes)
        String all = log.getAll().lines().filter(line -> !line.contains("c.icegreen.greenmail")
                && !line.contains("wiremock")).collect(java.util.stream.Collectors.joining("\n"));
        assertThat(all).as("the log of the journey").contains(leadId);
        for (String secret : List.of(CLIENT_SECRET, WEBHOOK_SECRET, LINK_SECRET, SMTP_PASSWORD, ACCESS_TOKEN,
                "a-wrong-password")) {
            assertThat(all).as("a secret in the log").doesNotContain(secret);
        }
        Matcher addresses = ADDRESS.matcher(all);
        while (addresses.find()) {
            assertThat(addresses.group()).as("an address in the log").doesNotContainIgnoringCase(email)
                    .doesNotContainIgnoringCase(email.substring(0, email.indexOf('@')));
        }
    }

    private JsonNode openHandoff(String leadId) {
        for (JsonNode h : read(get("/api/handoffs?status=open", "demo"))) {
            if (h.path("leadId").asText().equals(leadId)) {
                return h;
            }
        }
        return null;
    }

}
