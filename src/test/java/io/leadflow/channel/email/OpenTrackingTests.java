package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.support.OwnContext;
import io.leadflow.support.ServiceTestBase;

/** Open tracking switched on ({@code leadflow.mail.open-tracking=true}); it is off by default. */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = "leadflow.mail.open-tracking=true")
class OpenTrackingTests extends ServiceTestBase {

    private static final Pattern IMAGE = Pattern.compile("<img src=\"(https?://[^\"]+/r/o/[^\"]+)\"");

    @Autowired
    EmailOutbox outbox;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    TrackedLinks trackedLinks;

    @Test
    void recordsAnOpenWhenTheEmailsImageIsLoaded() throws Exception {
        String email = "opener." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Ana"), MediaType.APPLICATION_JSON);
        MimeMessage confirmation = awaitMail(email, "Please confirm your subscription");
        assertThat(MailParts.firstOfType(confirmation, "text/html")).as("no tracking before consent")
                .doesNotContain("/r/o/");
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "open-on", "nurture-value"));
        MimeMessage mail = awaitMail(email, "Three signs your leads go cold before sales calls");
        Matcher image = IMAGE.matcher(MailParts.firstOfType(mail, "text/html"));
        assertThat(image.find()).as("a tracking image in the HTML part").isTrue();
        assertThat(MailParts.firstOfType(mail, "text/plain")).doesNotContain("/r/o/");

        var loaded = get(image.group(1).replace("http://localhost:8080", url("")));

        assertThat(loaded.statusCode()).isEqualTo(200);
        assertThat(loaded.headers().firstValue("Content-Type")).hasValue("image/gif");
        assertThat(loaded.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v).contains("no-store"));
        var events = read(get("/api/leads/" + leadId + "/score", "demo")).path("events");
        assertThat(events.findValuesAsText("type")).contains("EMAIL_OPENED");
    }

    @Test
    void refusesAnImageLeadflowDidNotSign() throws Exception {
        String click = trackedLinks.link("00000000-0000-0000-0000-000000000000", "p", "https://acme.example/");
        String clickToken = click.substring(click.indexOf("/r/") + 3);

        for (String bad : new String[] {"nonsense", clickToken, "bGVhZApw.00000000000000000000000000000000"}) {
            var refused = get(url("/r/o/" + bad));
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(refused.body()).contains("token");
        }
    }

    private static java.net.http.HttpResponse<String> get(String uri) throws Exception {
        return java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NEVER).build()
                .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(uri)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
    }
}
