package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.scoring.ScoringService;
import io.leadflow.support.ServiceTestBase;

/**
 * Rules of every marketing email, through the real outbox and SMTP server: frequency cap (and the lead's own choice
 * of frequency), click tracking, and open tracking left off by default.
 */
class MarketingEmailRulesTests extends ServiceTestBase {

    @Autowired
    EmailOutbox outbox;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    TrackedLinks trackedLinks;

    @Autowired
    ScoringService scoring;

    @Autowired
    SentEmailIds ids;

    /** What a bounce report must name to be believed: the signed Message-ID and return path of the email. */
    @Test
    void signsTheMessageIdAndTheReturnPathOfEveryEmail() throws Exception {
        String email = confirmedLead("signed");
        String leadId = leadId(email);
        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "signed-test", "nurture-value"));
        String row = outbox.find(leadId, "signed-test").orElseThrow().id();

        MimeMessage mail = awaitMail(email, "Three signs your leads go cold before sales calls");

        assertThat(mail.getMessageID()).isEqualTo(ids.messageId(row));
        assertThat(ids.rowOfMessageId(mail.getMessageID())).hasValue(row);
        String returnPath = mail.getHeader("Return-Path", null);
        assertThat(returnPath).as("the envelope sender the SMTP server received").isNotNull();
        assertThat(ids.rowOfReturnPath(returnPath)).hasValue(row);
        assertThat(ids.rowOfMessageId(mail.getMessageID().replace(row, UUID.randomUUID().toString())))
                .as("another row under the same signature").isEmpty();
    }

    @Test
    void holdsTheFourthMarketingEmailOfTheWeekUntilTheOldestIsAWeekOld() {
        String email = confirmedLead("busy-inbox");
        String leadId = leadId(email);
        awaitMail(email, "Welcome aboard");

        tx.executeWithoutResult(s -> List.of("a", "b", "c")
                .forEach(p -> outbox.enqueue(leadId, "cap-" + p, "nurture-value")));

        await().atMost(Duration.ofSeconds(20)).until(() -> mailsTo(email, "Three signs your leads go cold before sales calls") == 2);
        EmailOutbox.Row held = await().atMost(Duration.ofSeconds(10)).until(() -> outbox.forLead(leadId).stream()
                .filter(r -> r.status() == EmailOutbox.Status.PENDING && r.lastError() != null).findFirst().orElse(null),
                java.util.Objects::nonNull);
        EmailOutbox.Row welcome = outbox.forLead(leadId).stream().filter(r -> r.template().equals("welcome"))
                .findFirst().orElseThrow();
        assertThat(held.lastError()).contains("max-per-week");
        assertThat(held.attempts()).as("waiting is no failed attempt").isZero();
        assertThat(held.nextAttemptAt()).isEqualTo(welcome.sentAt().plus(Duration.ofDays(7)));
        assertThat(mailsTo(email, "Three signs your leads go cold before sales calls")).isEqualTo(2);
    }

    @Test
    void holdsTheNextMarketingEmailForThirtyDaysWhenTheLeadAskedForMonthlyEmails() {
        String email = confirmedLead("once-a-month");
        String leadId = leadId(email);
        String unsubscribe = links(awaitMail(email, "Welcome aboard")).stream()
                .filter(l -> l.contains("/optin/unsubscribe?token=")).findFirst().orElseThrow();
        var saved = postForm("/optin/preferences", Map.of("token", unsubscribe.substring(unsubscribe.indexOf("token=") + 6),
                "topics", "newsletter", "frequency", "monthly"), MediaType.TEXT_HTML);
        assertThat(saved.getStatusCode().value()).isEqualTo(200);

        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "monthly-test", "nurture-value"));

        EmailOutbox.Row held = await().atMost(Duration.ofSeconds(10)).until(() -> outbox.find(leadId, "monthly-test")
                .filter(r -> r.status() == EmailOutbox.Status.PENDING && r.lastError() != null).orElse(null),
                java.util.Objects::nonNull);
        EmailOutbox.Row welcome = outbox.find(leadId, "welcome").orElseThrow();
        assertThat(held.lastError()).contains("monthly");
        assertThat(held.nextAttemptAt()).isEqualTo(welcome.sentAt().plus(Duration.ofDays(30)));
        assertThat(mailsTo(email, "Three signs your leads go cold before sales calls")).isZero();
    }

    @Test
    void holdsTheSecondMarketingEmailOfTheWeekWhenTheLeadAskedForWeeklyEmails() {
        String email = confirmedLead("once-a-week");
        String leadId = leadId(email);
        String unsubscribe = links(awaitMail(email, "Welcome aboard")).stream()
                .filter(l -> l.contains("/optin/unsubscribe?token=")).findFirst().orElseThrow();
        postForm("/optin/preferences", Map.of("token", unsubscribe.substring(unsubscribe.indexOf("token=") + 6),
                "frequency", "weekly"), MediaType.TEXT_HTML);

        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "weekly-test", "nurture-value"));

        EmailOutbox.Row held = await().atMost(Duration.ofSeconds(10)).until(() -> outbox.find(leadId, "weekly-test")
                .filter(r -> r.status() == EmailOutbox.Status.PENDING && r.lastError() != null).orElse(null),
                java.util.Objects::nonNull);
        assertThat(held.lastError()).contains("weekly");
        assertThat(held.nextAttemptAt()).isEqualTo(outbox.find(leadId, "welcome").orElseThrow().sentAt()
                .plus(Duration.ofDays(7)));
    }

    @Test
    void tracksNoOpensByDefault() throws Exception {
        String email = confirmedLead("private-reader");
        String leadId = leadId(email);
        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "open-test", "nurture-value"));
        MimeMessage mail = awaitMail(email, "Three signs your leads go cold before sales calls");
        assertThat(MailParts.firstOfType(mail, "text/html")).doesNotContain("/r/o/").doesNotContain("<img");

        // an image from an email sent while open tracking was on: served, but nothing recorded now that it is off
        var image = get(trackedLinks.openPixel(leadId, "open-test").replace("http://localhost:8080", url("")));

        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.headers().firstValue("Content-Type")).hasValue("image/gif");
        var events = read(get("/api/leads/" + leadId + "/score", "demo")).path("events");
        assertThat(events.findValuesAsText("type")).doesNotContain("EMAIL_OPENED");
    }

    @Test
    void sendsNoMarketingEmailQueuedBeforeTheLeadQualifiedOnceItHas() {
        String email = confirmedDecisionMaker("qualified");
        String leadId = leadId(email);
        awaitMail(email, "Welcome aboard");

        // the nurture step queued its email a moment before the event that made the lead an MQL
        tx.executeWithoutResult(s -> {
            outbox.enqueue(leadId, "queued-before-mql", "nurture-value");
            for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
                scoring.record(new ScoringService.EventRequest(leadId, null, type, null, null));
            }
        });

        EmailOutbox.Row skipped = await().atMost(Duration.ofSeconds(20)).until(
                () -> outbox.find(leadId, "queued-before-mql").orElseThrow(),
                row -> row.status() == EmailOutbox.Status.SKIPPED);
        assertThat(skipped.lastError()).isEqualTo("lead is MQL: sales has it");
        assertThat(read(get("/api/leads/" + leadId, "demo")).path("stage").asText()).isEqualTo("MQL");
        assertThat(mailsTo(email, "Three signs your leads go cold before sales calls")).isZero();
    }

    @Test
    void recordsAClickAndRedirectsOnlyWhereTheEmailPointed() throws Exception {
        String email = confirmedLead("clicker");
        String leadId = leadId(email);
        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "click-test", "nurture-value"));
        MimeMessage mail = awaitMail(email, "Three signs your leads go cold before sales calls");
        String tracked = links(mail).stream().filter(l -> l.contains("/r/")).findFirst().orElseThrow();
        assertThat(links(mail)).as("the unsubscribe link stays direct")
                .anySatisfy(l -> assertThat(l).contains("/optin/unsubscribe?token="));
        assertThat(MailParts.firstOfType(mail, "text/html")).contains("/r/").doesNotContain("utm_campaign");

        var click = get(tracked.replace("http://localhost:8080", url("")));

        assertThat(click.statusCode()).isEqualTo(302);
        assertThat(click.headers().firstValue("Location")).hasValue(
                "http://localhost:8080/?utm_source=email&utm_campaign=nurture-value");
        var events = read(get("/api/leads/" + leadId + "/score", "demo")).path("events");
        assertThat(events.findValuesAsText("type")).contains("EMAIL_CLICKED");

        String token = tracked.substring(tracked.indexOf("/r/") + 3);
        String payload = token.substring(0, token.lastIndexOf('.'));
        String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                (leadId + "\nclick-test\nhttps://evil.example/phish").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (String bad : List.of(forged + token.substring(token.lastIndexOf('.')), payload + ".0000", "nonsense")) {
            var refused = get(url("/r/" + bad));
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(refused.headers().firstValue("Location")).isEmpty();
            assertThat(refused.body()).contains("token");
        }
    }

    /** A browser's first request, without following the redirect. */
    private static java.net.http.HttpResponse<String> get(String uri) throws Exception {
        return java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NEVER).build()
                .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(uri)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private String confirmedLead(String who) {
        String email = who + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Kim"), MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        return email;
    }

    private String leadId(String email) {
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }
}
