package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.OwnContext;
import io.leadflow.support.ServiceTestBase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The limits that protect the sender, on the real service with real SMTP: a domain's hourly rate holds marketing
 * email back while confirmations still go, a storm of complaints pauses marketing email until a person resumes it,
 * and the warm-up allows each day what its ramp says. A context of its own: these limits would hold back the other
 * tests' emails.
 */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = {"leadflow.mail.deliverability.domain-rates.throttled.example=2",
        "leadflow.mail.deliverability.pause.last-emails=20", "leadflow.mail.deliverability.pause.min-emails=8",
        "leadflow.mail.deliverability.pause.hard-bounce-rate=0.02",
        "leadflow.mail.deliverability.pause.complaint-rate=0.001",
        "leadflow.mail.deliverability.pause.recheck-every=PT2S",
        // the test checks the rates itself
        "leadflow.mail.deliverability.check-every=PT1H"})
class SendingLimitsTests extends ServiceTestBase {

    @Autowired
    SendingLimits limits;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    EmailSettings mail;
    @Autowired
    Clock clock;

    /** A confirmed lead at that address, through the form and the link of its confirmation email. */
    private String confirmed(String email) {
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Jo", "jobTitle", "VP Marketing",
                "company", "Acme", "companySize", "1200", "country", "FR", "industry", "software"),
                MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        return leadIdOf(email);
    }

    private JsonNode email(String leadId, String template) {
        return read(get("/api/leads/" + leadId + "/emails", "demo")).findParents("template").stream()
                .filter(e -> e.path("template").asText().equals(template)).findFirst().orElse(null);
    }

    private JsonNode settled(String leadId, String template) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> email(leadId, template),
                e -> e != null && (e.path("status").asText().equals("SENT") || e.hasNonNull("lastError")));
    }

    @Test
    void aThrottledDomainGetsItsHourlyRateOfMarketingEmailWhileConfirmationsStillGo() {
        String first = confirmed("one." + UUID.randomUUID().toString().substring(0, 8) + "@throttled.example");
        assertThat(settled(first, "welcome").path("status").asText()).as("1 confirmation + 1 welcome: 2 an hour")
                .isEqualTo("SENT");

        String second = confirmed("two." + UUID.randomUUID().toString().substring(0, 8) + "@throttled.example");

        assertThat(email(second, "doi-confirmation").path("status").asText()).as("never held back").isEqualTo("SENT");
        JsonNode welcome = settled(second, "welcome");
        assertThat(welcome.path("status").asText()).isEqualTo("PENDING");
        assertThat(welcome.path("lastError").asText())
                .isEqualTo("deferred: at most 2 emails an hour to throttled.example"
                        + " (leadflow.mail.deliverability.domain-rates)");
        assertThat(Instant.parse(welcome.path("nextAttemptAt").asText()))
                .isBetween(Instant.now().plus(Duration.ofMinutes(55)), Instant.now().plus(Duration.ofMinutes(61)));
        JsonNode status = read(get("/api/deliverability", "demo"));
        assertThat(status.path("domainRates").get(0).path("domain").asText()).isEqualTo("throttled.example");
        assertThat(status.path("domainRates").get(0).path("lastHour").asLong()).isEqualTo(3);
    }

    @Test
    void aStormOfComplaintsPausesMarketingEmailUntilAPersonResumesIt() {
        List<String> leads = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String leadId = confirmed("storm" + i + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io");
            leads.add(leadId);
            tx.executeWithoutResult(s -> outbox.enqueue(leadId, "storm-news", "nurture-value"));
        }
        for (String leadId : leads) {
            settled(leadId, "welcome");
            assertThat(settled(leadId, "nurture-value").path("status").asText()).isEqualTo("SENT");
        }
        assertThat(limits.checkNow()).as("no complaint yet").isEmpty();

        // one of the eight marketing emails is reported as spam: 12.5 %, far above 0.1 %
        tx.executeWithoutResult(s -> outbox.recordOutcome(leads.get(0), null, EmailOutbox.Outcome.COMPLAINED,
                clock.instant()));
        var pause = limits.checkNow();

        assertThat(pause).isPresent();
        assertThat(pause.get().reason()).startsWith("1 spam complaints in the last 8 emails (12.50 %, the line is"
                + " 0.10 %)");
        JsonNode status = read(get("/api/deliverability", "demo"));
        assertThat(status.path("paused").asBoolean()).isTrue();
        assertThat(status.path("recent").path("complaints").asInt()).isOne();
        var headers = basic("demo");
        headers.setAccept(List.of(MediaType.TEXT_PLAIN));
        assertThat(rest.exchange(url("/actuator/prometheus"), org.springframework.http.HttpMethod.GET,
                new org.springframework.http.HttpEntity<>(headers), String.class).getBody())
                .contains("leadflow_mail_paused 1.0");

        tx.executeWithoutResult(s -> outbox.enqueue(leads.get(1), "during-the-pause", "nurture-case-study"));
        JsonNode held = settled(leads.get(1), "nurture-case-study");
        assertThat(held.path("status").asText()).isEqualTo("PENDING");
        assertThat(held.path("lastError").asText()).startsWith("deferred: marketing email is paused since ")
                .contains("1 spam complaints in the last 8 emails");
        String newcomer = "newcomer." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", newcomer), MediaType.APPLICATION_JSON);
        assertThat(confirmationToken(newcomer)).as("the confirmation still goes out").isNotBlank();

        var resumed = postJson("/api/deliverability/resume", "demo", Map.of());
        assertThat(read(resumed).path("paused").asBoolean()).isFalse();
        assertThat(read(resumed).path("pauses").get(0).path("resumedBy").asText()).isEqualTo("demo");
        assertThat(await().atMost(Duration.ofSeconds(30)).until(() -> email(leads.get(1), "nurture-case-study"),
                e -> e.path("status").asText().equals("SENT"))).isNotNull();
        assertThat(limits.checkNow()).as("judged afresh on the emails after the resume").isEmpty();
        assertThat(postJson("/api/deliverability/resume", "demo", Map.of()).getStatusCode().value()).isEqualTo(409);
    }

    @Test
    void theWarmUpAllowsWhatItsRampSaysForTheDayAndHoldsTheRestUntilTomorrow() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        var ramp = new SendingLimits.Ramp(today.minusDays(3), 10, 2, 50);
        assertThat(ramp.limitOn(today.minusDays(3))).isEqualTo(10);
        assertThat(ramp.limitOn(today)).isEqualTo(50).as("10 × 2³ = 80, capped at 50");
        assertThat(new SendingLimits.Ramp(today, 50, 1.5, 50_000).limitOn(today.plusDays(10))).isEqualTo(2883);
        assertThat(new SendingLimits.Ramp(today, 50, 1.5, 50_000).limitOn(today.minusDays(5))).isEqualTo(50);

        // the sender's ramp allowing exactly what went out today: the next marketing email waits for tomorrow
        SendingLimits.Settings configured = limits.settings();
        long sentToday = limits.sentSince(today.atStartOfDay(ZoneOffset.UTC).toInstant(), now);
        var full = new SendingLimits(new SendingLimits.Settings(Map.of(limits.senderDomain(),
                new SendingLimits.Ramp(today, (int) Math.max(1, sentToday), 1.5, 50_000)), Map.of(),
                configured.pause()), mail, jdbc, clock, new SimpleMeterRegistry());
        var deferral = full.deferral("jo@acme-corp.io", now);
        if (sentToday > 0) {
            assertThat(deferral).isPresent();
            assertThat(deferral.get().until()).isEqualTo(today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
            assertThat(deferral.get().reason()).isEqualTo("deferred: warm-up of leadflow.local: " + sentToday
                    + " emails allowed today, " + sentToday + " sent (leadflow.mail.deliverability.warm-up)");
        }
        var roomy = new SendingLimits(new SendingLimits.Settings(Map.of(limits.senderDomain(),
                new SendingLimits.Ramp(today, (int) sentToday + 1, 1.5, 50_000)), Map.of(), configured.pause()), mail,
                jdbc, clock, new SimpleMeterRegistry());
        assertThat(roomy.deferral("jo@acme-corp.io", now)).isEmpty();
    }
}
