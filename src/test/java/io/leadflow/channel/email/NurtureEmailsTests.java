package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.support.ServiceTestBase;

/**
 * The emails of the nurture tracks reach a lead in its language, with tracked links and the unsubscribe link; the
 * lead's track shows in its data.
 */
class NurtureEmailsTests extends ServiceTestBase {

    @Autowired
    EmailOutbox outbox;

    @Autowired
    TransactionTemplate tx;

    @org.junit.jupiter.api.Test
    void showsTheTrackTheLeadWasGivenInItsNurtureStatusAndItsExport() {
        String email = "vp." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "jobTitle", "VP Operations", "industry", "retail"),
                MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();

        var status = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> get("/api/leads/" + leadId + "/nurture", "demo"), r -> r.getStatusCode().value() == 200);

        assertThat(read(status).path("track").asText()).isEqualTo("executive");
        assertThat(read(status).path("sunset").asBoolean()).isFalse();
        assertThat(read(get("/api/leads/" + leadId + "/export", "demo")).path("nurture").toString())
                .contains("executive");
    }

    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource(delimiter = '|', value = {
            "executive-brief       | en | What a missed MQL costs you, in one page",
            "executive-brief       | fr | Ce que vous coûte un MQL manqué, en une page",
            "executive-peer-story  | en | How one marketing director got sales to call back within four hours",
            "executive-peer-story  | fr | Comment une directrice marketing a obtenu un rappel commercial en moins de quatre heures",
            "technical-guide       | en | Scoring and journeys you can read, diff and test",
            "technical-guide       | fr | Un scoring et des parcours que l'on peut lire, comparer et tester",
            "technical-integration | en | Connecting your CRM without writing glue code",
            "technical-integration | fr | Connecter votre CRM sans écrire de code de liaison",
            "nurture-reengagement  | en | Should we keep writing to you?",
            "nurture-reengagement  | fr | Devons-nous continuer à vous écrire ?"})
    void sendsTheTrackEmailInTheLeadsLanguage(String template, String language, String subject) throws Exception {
        String email = template + "." + language + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Lou", "language", language),
                MediaType.APPLICATION_JSON);
        String confirm = links(awaitMail(email, language.equals("fr") ? "Confirmez votre inscription"
                : "Please confirm your subscription")).stream().filter(l -> l.contains("/optin/confirm?token="))
                .findFirst().orElseThrow();
        postForm("/optin/confirm", Map.of("token", confirm.substring(confirm.indexOf("token=") + 6)), MediaType.TEXT_HTML);
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();

        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "track-" + template, template));

        MimeMessage mail = awaitMail(email, subject);
        String text = MailParts.firstOfType(mail, "text/plain");
        assertThat(text).startsWith(language.equals("fr") ? "Bonjour Lou," : "Hello Lou,");
        assertThat(links(mail)).anySatisfy(l -> assertThat(l).contains("/r/"))
                .anySatisfy(l -> assertThat(l).contains("/optin/unsubscribe?token="));
        assertThat(MailParts.firstOfType(mail, "text/html")).contains("/r/").contains("Lou");
        assertThat(mail.getHeader("List-Unsubscribe")).isNotEmpty();
    }
}
