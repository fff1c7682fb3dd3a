package io.leadflow.channel.email;

import org.junit.jupiter.api.Tag;
import io.leadflow.support.OwnContext;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
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
import io.leadflow.support.ScriptedSmtpServer;

/**
 * SMTP faults: a temporary refusal is retried and sent exactly once; a permanent one suppresses the address. And
 * connections: emails share open connections, one that failed is not used again.
 */
@Tag(OwnContext.TAG)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "camunda.bpm.generate-unique-process-engine-name=true",
                "leadflow.mail.retry.initial-backoff=PT5S" })
@ActiveProfiles("test")
class SmtpFaultTests {

    static ScriptedSmtpServer smtp;

    @Autowired
    LeadService leads;

    @Autowired
    Leads repository;

    @Autowired
    EmailOutbox outbox;

    @Autowired
    io.leadflow.analytics.Analytics analytics;

    @Autowired
    org.springframework.boot.test.web.client.TestRestTemplate rest;

    @DynamicPropertySource
    static void scriptedSmtp(DynamicPropertyRegistry registry) throws IOException {
        ExternalServers.register(registry);
        smtp = new ScriptedSmtpServer();
        registry.add("spring.mail.port", smtp::port);
    }

    @AfterAll
    static void stop() throws IOException {
        smtp.close();
    }

    private String capture(String email) {
        return leads.capture(new CaptureRequest(email, "Ann", null, null, null, null, null, null, null, null, null,
                null, null, null, null, null), new CaptureContext("test", "127.0.0.1", "junit")).id();
    }

    @Test
    void retriesATemporaryRefusalAndSendsExactlyOnce() {
        String email = "flaky." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = capture(email);

        await().atMost(Duration.ofSeconds(30)).until(() -> outbox.find(leadId, "doi-confirmation")
                .map(r -> r.status() == EmailOutbox.Status.SENT).orElse(false));

        assertThat(smtp.attemptsFor(email)).isEqualTo(2);
        assertThat(smtp.deliveriesTo(email)).hasSize(1);
        assertThat(outbox.find(leadId, "doi-confirmation").orElseThrow().attempts()).isEqualTo(1);
        assertThat(repository.get(leadId).suppressedReason()).isNull();
    }

    @Test
    void showsAPendingRetryOnTheLeadsEmails() throws Exception {
        String email = "busy." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = capture(email);

        await().atMost(Duration.ofSeconds(30)).until(() -> outbox.find(leadId, "doi-confirmation")
                .map(r -> r.attempts() == 1).orElse(false));

        var response = rest.withBasicAuth("demo", "demo").getForEntity("/api/leads/" + leadId + "/emails", String.class);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        var emails = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.getBody());
        assertThat(emails).hasSize(1);
        var confirmation = emails.get(0);
        assertThat(confirmation.path("purpose").asText()).isEqualTo("doi-confirmation");
        assertThat(confirmation.path("status").asText()).isEqualTo("PENDING");
        assertThat(confirmation.path("attempts").asInt()).isEqualTo(1);
        assertThat(confirmation.path("lastError").asText()).contains("451");
        assertThat(java.time.Instant.parse(confirmation.path("nextAttemptAt").asText()))
                .as("the next try waits for the back-off")
                .isAfter(java.time.Instant.parse(confirmation.path("createdAt").asText()).plusSeconds(4));
        assertThat(smtp.deliveriesTo(email)).isEmpty();
    }

    @Test
    void suppressesAnAddressTheServerRefusesPermanentlyWithoutRetrying() {
        String email = "bounce." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = capture(email);

        await().atMost(Duration.ofSeconds(30)).until(() -> outbox.find(leadId, "doi-confirmation")
                .map(r -> r.status() == EmailOutbox.Status.FAILED).orElse(false));

        assertThat(repository.get(leadId).suppressedReason()).isEqualTo("HARD_BOUNCE");
        assertThat(outbox.find(leadId, "doi-confirmation").orElseThrow().lastError()).contains("550");
        var today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        assertThat(analytics.emails(analytics.period(today, today)).templates())
                .filteredOn(t -> t.template().equals("doi-confirmation"))
                .as("the refusal counts as a bounce of the confirmation email").singleElement()
                .satisfies(t -> assertThat(t.bounces()).isEqualTo(1));
        assertThat(smtp.attemptsFor(email)).isEqualTo(1);
        assertThat(smtp.deliveriesTo(email)).isEmpty();
    }

    @Test
    void sendsEmailsOverConnectionsKeptOpenRatherThanOneConnectionEach() {
        int sessionsBefore = smtp.sessions();
        String run = UUID.randomUUID().toString().substring(0, 8);
        java.util.List<String> ids = java.util.stream.IntStream.range(0, 12)
                .mapToObj(i -> capture("reuse" + i + "." + run + "@acme-corp.io")).toList();

        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id -> outbox
                .find(id, "doi-confirmation").map(r -> r.status() == EmailOutbox.Status.SENT).orElse(false)));

        java.util.stream.IntStream.range(0, 12).forEach(i -> assertThat(
                smtp.deliveriesTo("reuse" + i + "." + run + "@acme-corp.io")).as("deliveries of lead %d", i).hasSize(1));
        // At most one connection per sender (4), plus a couple for the other tests' retries running meanwhile.
        assertThat(smtp.sessions() - sessionsBefore).as("SMTP connections opened for 12 emails").isLessThanOrEqualTo(6);
    }
}
