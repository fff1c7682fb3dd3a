package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Test;
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
}
