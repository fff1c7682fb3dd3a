package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;

import io.leadflow.support.ServiceTestBase;

/** What a person finds in our emails: their language, and nothing from the form that could act as markup. */
class EmailContentTests extends ServiceTestBase {

    @Test
    void writesToAFrenchSpeakingLeadInFrench() {
        String email = "amelie." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.fr";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Amélie", "language", "fr-FR"),
                MediaType.APPLICATION_JSON);

        MimeMessage mail = awaitMail(email, "Confirmez votre inscription");

        assertThat(links(mail)).anySatisfy(l -> assertThat(l).contains("/optin/confirm?token="));
    }

    @Test
    void escapesTheFirstNameInTheHtmlPart() throws Exception {
        String email = "eve." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "<img src=x onerror=alert(1)>"),
                MediaType.APPLICATION_JSON);

        String html = MailParts.firstOfType(awaitMail(email, "Please confirm your subscription"), "text/html");

        assertThat(html).contains("&lt;img src=x onerror=alert(1)&gt;").doesNotContain("<img src=x");
    }

    @Test
    void namesTheMailStreamProviderTheClassPathScanWouldFindSoNoEmailScansItAgain() throws Exception {
        String scanned = java.util.ServiceLoader.load(jakarta.mail.util.StreamProvider.class).findFirst().orElseThrow()
                .getClass().getName();

        assertThat(System.getProperty(MailStreamProviderLookup.PROPERTY)).isEqualTo(scanned);
        assertThat(jakarta.mail.util.StreamProvider.provider().getClass().getName()).isEqualTo(scanned);
        String email = "ada." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Ada"), MediaType.APPLICATION_JSON);
        assertThat(MailParts.firstOfType(awaitMail(email, "Please confirm your subscription"), "text/html"))
                .contains("Ada");
    }

    @Autowired
    EmailOutbox outbox;

    @Autowired
    org.springframework.transaction.support.TransactionTemplate tx;

    @Test
    void tellsASalesRepAboutTheWaitingLeadWithoutMarkupFromTheLeadOrAnUnsubscribeLink() throws Exception {
        String email = "ivan." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "<b>Ivan</b>", "company", "Acme & Co"),
                MediaType.APPLICATION_JSON);
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        String rep = "rep." + UUID.randomUUID().toString().substring(0, 8) + "@leadflow.local";

        tx.executeWithoutResult(s -> outbox.enqueueToStaff(leadId, "sla-remind:test", "sla-remind", rep,
                Map.of("owner", "alice", "team", "enterprise", "dueAt", "2026-06-09T14:00:00Z",
                        "slaUrl", "http://localhost:8080/sla", "tasklistUrl", "http://localhost:8080/camunda/app/tasklist/")));

        MimeMessage mail = awaitMail(rep, "Reminder: a lead is waiting for you (Acme & Co)");
        String html = MailParts.firstOfType(mail, "text/html");
        assertThat(html).contains("&lt;b&gt;Ivan&lt;/b&gt;").contains("2026-06-09T14:00:00Z")
                .contains("http://localhost:8080/sla");
        assertThat(MailParts.firstOfType(mail, "text/plain")).contains("Hello alice").contains("team enterprise");
        assertThat(mail.getHeader("List-Unsubscribe")).isNull();
        assertThat(mail.getHeader("X-Leadflow-Lead", null)).isEqualTo(leadId);
    }
}
