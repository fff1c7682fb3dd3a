package io.leadflow.channel.email;

import static io.leadflow.channel.email.BounceReports.mime;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * Clicks, unsubscribes and bounces are told of the email they came from, through the running service: a click on a
 * tracked link of a nurture email, the one-click unsubscribe of an earlier welcome email, a bounce report quoting
 * the welcome email's headers. The email report shows them per template.
 */
class EmailOutcomesTests extends ServiceTestBase {

    private static final String VALUE_SUBJECT = "Three signs your leads go cold before sales calls";

    @Autowired
    EmailOutbox outbox;

    @Autowired
    BounceHandler bounces;

    @Autowired
    TransactionTemplate tx;

    @Test
    void countsClicksUnsubscribesAndBouncesOnTheEmailTheyCameFrom() throws Exception {
        JsonNode before = emailReport();
        String clicker = "clicker." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String clickerId = confirmedLead(clicker);
        MimeMessage welcome = awaitMail(clicker, "Welcome aboard");
        MimeMessage value = nurtureEmail(clickerId, clicker, "outcomes-value");
        String tracked = links(value).stream().filter(l -> l.contains("/r/")).findFirst().orElseThrow();

        assertThat(send(HttpRequest.newBuilder(local(tracked))).statusCode()).isEqualTo(302);
        assertThat(send(HttpRequest.newBuilder(local(tracked))).statusCode()).isEqualTo(302);
        // the welcome email's link, although the nurture email came later: the link says which email it was
        HttpResponse<String> unsubscribed = send(HttpRequest.newBuilder(local(oneClickUrl(welcome)))
                .header("Content-Type", MediaType.APPLICATION_FORM_URLENCODED_VALUE)
                .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")));
        assertThat(unsubscribed.statusCode()).isEqualTo(200);

        String bouncer = "bouncer." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String bouncerId = confirmedLead(bouncer);
        MimeMessage bouncedWelcome = awaitMail(bouncer, "Welcome aboard");
        nurtureEmail(bouncerId, bouncer, "outcomes-bounce");
        bounces.record(BounceParser.read(mime(BounceReports.hardBounce(bouncer, bouncedWelcome.getMessageID())
                .replace("X-Leadflow-Purpose: doi-confirmation",
                        "X-Leadflow-Purpose: " + bouncedWelcome.getHeader(BounceParser.PURPOSE_HEADER, null)))));

        JsonNode after = emailReport();
        assertThat(delta(before, after, "nurture-value", "clicks")).isEqualTo(2);
        assertThat(delta(before, after, "nurture-value", "unsubscribes")).isZero();
        assertThat(delta(before, after, "nurture-value", "bounces")).isZero();
        assertThat(delta(before, after, "welcome", "clicks")).isZero();
        assertThat(delta(before, after, "welcome", "unsubscribes")).isEqualTo(1);
        assertThat(delta(before, after, "welcome", "bounces")).as("the email the report quotes, not the latest")
                .isEqualTo(1);
        assertThat(after.path("clicks").asLong() - before.path("clicks").asLong()).as("the totals agree").isEqualTo(2);
        assertThat(after.path("unsubscribes").asLong() - before.path("unsubscribes").asLong()).isEqualTo(1);
        String csv = get("/api/analytics/emails.csv?from=" + today() + "&to=" + today(), "demo").getBody();
        assertThat(csv).contains("template,sent,failed,skipped,clicks,unsubscribes,bounces,complaints\r\n")
                .containsPattern("\r\nnurture-value,\\d+,\\d+,\\d+," + count(after, "nurture-value", "clicks") + ",");
    }

    private String confirmedLead(String email) {
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Ana"), MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }

    private MimeMessage nurtureEmail(String leadId, String email, String purpose) {
        tx.executeWithoutResult(s -> outbox.enqueue(leadId, purpose, "nurture-value"));
        return awaitMail(email, VALUE_SUBJECT);
    }

    private static String oneClickUrl(MimeMessage mail) throws Exception {
        String header = mail.getHeader("List-Unsubscribe", null);
        return header.substring(header.indexOf('<') + 1, header.indexOf('>'));
    }

    private URI local(String link) {
        return URI.create(link.replace("http://localhost:8080", url("")));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()
                .send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode emailReport() {
        var response = get("/api/analytics/emails?from=" + today() + "&to=" + today(), "demo");
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return read(response);
    }

    private static long delta(JsonNode before, JsonNode after, String template, String field) {
        return count(after, template, field) - count(before, template, field);
    }

    private static long count(JsonNode report, String template, String field) {
        for (JsonNode row : report.path("templates")) {
            if (row.path("template").asText().equals(template)) {
                return row.path(field).asLong();
            }
        }
        return 0;
    }

    private static LocalDate today() {
        return LocalDate.now(ZoneOffset.UTC);
    }
}
