package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;

/**
 * Lead fields written by strangers reach email headers and pages. A line break must never start a header of the
 * sender's choosing (every way in refuses it, and a subject stays one line even for data that got in before), and
 * markup must show as text wherever a person reads it.
 */
class HostileLeadFieldsTests extends ServiceTestBase {

    private static final String INJECTED_HEADER = "Bcc: attacker@evil.example";

    @Autowired
    EmailOutbox outbox;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    TransactionTemplate tx;

    @ParameterizedTest
    @ValueSource(strings = {"firstName", "lastName", "company", "jobTitle"})
    void refusesALineBreakInAFieldThatReachesAnEmailFromTheApiAndTheForm(String field) {
        String email = "crlf." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        for (String breakIn : List.of("Acme\r\n" + INJECTED_HEADER, "Acme\n" + INJECTED_HEADER, "Acme\r" + INJECTED_HEADER)) {
            ResponseEntity<String> api = postJson("/api/leads", "demo", Map.of("email", email, field, breakIn,
                    "consentText", "Yes, send me the newsletter"));
            ResponseEntity<String> form = postForm("/forms/newsletter", Map.of("email", email, field, breakIn),
                    MediaType.APPLICATION_JSON);

            for (ResponseEntity<String> refused : List.of(api, form)) {
                assertThat(refused.getStatusCode().value()).as(refused.getBody()).isEqualTo(400);
                assertThat(refused.getHeaders().getContentType()).hasToString("application/problem+json");
                assertThat(read(refused).findValuesAsText("field")).contains(field);
            }
        }
        assertThat(get("/api/leads?email=" + email, "demo").getBody()).isEqualTo("[]");
    }

    @Test
    void keepsTheSubjectOfAStaffEmailOneLineWhateverTheLeadsCompanyHolds() throws Exception {
        String email = confirmedDecisionMaker("legacy");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        // a value that came in before the check existed (an old import, a restored backup)
        jdbc.update("update leads set company = ? where id = ?", "Acme\r\n" + INJECTED_HEADER + "\r\nX-Evil: 1",
                leadId);
        String rep = "rep." + UUID.randomUUID().toString().substring(0, 8) + "@leadflow.local";

        tx.executeWithoutResult(s -> outbox.enqueueToStaff(leadId, "sla-remind:crlf-test", "sla-remind", rep,
                Map.of("owner", "Rita", "team", "enterprise", "dueAt", "today 17:00", "tasklistUrl", "-",
                        "slaUrl", "-")));

        MimeMessage reminder = await().atMost(Duration.ofSeconds(20)).until(() -> java.util.Arrays.stream(
                ExternalServers.SMTP.getReceivedMessagesForDomain("leadflow.local")).filter(m -> {
                    try {
                        return m.getAllRecipients()[0].toString().equals(rep);
                    } catch (jakarta.mail.MessagingException e) {
                        return false;
                    }
                }).findFirst().orElse(null), java.util.Objects::nonNull);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        reminder.writeTo(raw);
        String headers = raw.toString(StandardCharsets.UTF_8).split("\r\n\r\n", 2)[0];
        assertThat(reminder.getHeader("Bcc")).isNull();
        assertThat(reminder.getHeader("X-Evil")).isNull();
        assertThat(reminder.getRecipients(Message.RecipientType.TO)).extracting(Object::toString).containsExactly(rep);
        assertThat(headers).doesNotContainPattern("(?m)^Bcc:").doesNotContainPattern("(?m)^X-Evil:");
        assertThat(reminder.getSubject())
                .isEqualTo("Reminder: a lead is waiting for you (Acme " + INJECTED_HEADER + " X-Evil: 1)");
        assertThat(MailParts.firstOfType(reminder, "text/plain")).doesNotContainPattern("(?m)^Bcc:");
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(
                () -> ExternalServers.SMTP.getReceivedMessagesForDomain("evil.example").length == 0);
    }

    @Test
    void showsMarkupInLeadFieldsAsTextInEmailsAndOnTheFormItWasTypedIn() throws Exception {
        String script = "<script>alert('x')</script>";
        String image = "<img src=x onerror=alert(1)>";
        String email = confirmedDecisionMaker("markup", Map.of("firstName", image, "company", script));

        MimeMessage welcome = awaitMail(email, "Welcome aboard");
        String html = MailParts.firstOfType(welcome, "text/html");
        assertThat(html).doesNotContain(image).doesNotContain("<img src=x").contains("&lt;img src=x");

        // the pages people open about leads: the lead becomes an MQL, so it is on the SLA board too
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
            postJson("/api/events", "demo", Map.of("leadId", leadId, "type", type));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/handoffs?status=open", "demo"))
                .findValuesAsText("leadId").contains(leadId));
        String unsubscribe = links(welcome).stream().filter(l -> l.contains("/optin/unsubscribe?token="))
                .findFirst().orElseThrow();
        for (String page : List.of("/sla", "/my-leads", "/analytics", "/imports",
                unsubscribe.substring(unsubscribe.indexOf("/optin/")))) {
            ResponseEntity<String> shown = rest.exchange(url(page), org.springframework.http.HttpMethod.GET,
                    new org.springframework.http.HttpEntity<>(htmlAs("demo")), String.class);
            assertThat(shown.getStatusCode().value()).as(page).isEqualTo(200);
            assertThat(shown.getBody()).as(page).doesNotContain(image).doesNotContain(script);
        }

        // the form shown again after a mistake keeps what was typed, as text
        ResponseEntity<String> again = postForm("/forms/newsletter", Map.of("email", "not-an-address",
                "firstName", image, "company", script), MediaType.TEXT_HTML);
        assertThat(again.getStatusCode().value()).isEqualTo(400);
        assertThat(again.getBody()).doesNotContain(image).doesNotContain(script).contains("&lt;img src=x");
    }

    private org.springframework.http.HttpHeaders htmlAs(String user) {
        org.springframework.http.HttpHeaders headers = basic(user);
        headers.setAccept(List.of(MediaType.TEXT_HTML));
        return headers;
    }
}
