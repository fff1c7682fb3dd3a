package io.leadflow.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.platform.Hashing;
import io.leadflow.support.ServiceTestBase;

/** Double opt-in from the person's side: links, resends, unsubscribe, and the proof it leaves. */
class DoubleOptInTests extends ServiceTestBase {

    @Autowired
    JdbcTemplate jdbc;

    private String newAddress(String who) {
        return who + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
    }

    private String leadId(String email) {
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }

    @Nested
    class ConfirmationLinks {

        @Test
        void answersAnUnknownTokenWith410AndAWayToAskForANewLink() {
            ResponseEntity<String> page = postForm("/optin/confirm", Map.of("token", Hashing.randomToken()),
                    MediaType.TEXT_HTML);

            assertThat(page.getStatusCode()).isEqualTo(HttpStatus.GONE);
            assertThat(page.getBody()).contains("/optin/resend");
        }

        @Test
        void refusesAnExpiredToken() {
            String email = newAddress("late");
            postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
            String token = confirmationToken(email);
            jdbc.update("update consent_tokens set expires_at = ? where token_hash = ?",
                    java.sql.Timestamp.from(java.time.Instant.now().minusSeconds(60)), Hashing.sha256(token));

            assertThat(postForm("/optin/confirm", Map.of("token", token), MediaType.TEXT_HTML).getStatusCode())
                    .isEqualTo(HttpStatus.GONE);
            assertThat(read(get("/api/leads/" + leadId(email), "demo")).path("consent").asText()).isEqualTo("PENDING");
        }

        @Test
        void sendsNoSecondLinkWithinTheResendInterval() {
            String email = newAddress("twice");
            postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
            awaitMail(email, "Please confirm your subscription");

            assertThat(postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON)
                    .getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            assertThat(postForm("/optin/resend", Map.of("email", email), MediaType.TEXT_HTML).getStatusCode())
                    .isEqualTo(HttpStatus.ACCEPTED);

            assertThat(jdbc.queryForObject("select count(*) from email_outbox where lead_id = ?", Integer.class,
                    leadId(email))).isEqualTo(1);
        }

        @Test
        void sendsAConfirmedPersonNoNewOptInEmailAndCountsTheSubmissionAsEngagement() {
            String email = newAddress("again");
            postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
            postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);

            ResponseEntity<String> again = postForm("/forms/newsletter", Map.of("email", email, "company", "Acme"),
                    MediaType.APPLICATION_JSON);

            assertThat(again.getStatusCode().value()).isEqualTo(202);
            String id = leadId(email);
            assertThat(read(get("/api/leads/" + id, "demo")).path("consent").asText()).isEqualTo("CONFIRMED");
            assertThat(jdbc.queryForObject(
                    "select count(*) from email_outbox where lead_id = ? and template = 'doi-confirmation'",
                    Integer.class, id)).isEqualTo(1);
            assertThat(jdbc.queryForObject(
                    "select count(*) from engagement_events where lead_id = ? and type = 'FORM_SUBMITTED'",
                    Integer.class, id)).isEqualTo(1);
            assertThat(read(get("/api/leads/" + id, "demo")).path("company").asText()).isEqualTo("Acme");
        }
    }

    @Nested
    class Unsubscribe {

        @Test
        void unsubscribesWithOneClickWithoutLoginOrCookie() throws Exception {
            String email = newAddress("leaver");
            postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
            postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
            MimeMessage welcome = awaitMail(email, "Welcome aboard");
            String header = welcome.getHeader("List-Unsubscribe", null);
            var parts = java.util.regex.Pattern.compile("^<(https?://[^>]+token=([^>]+))>, <mailto:(unsubscribe@leadflow\\.local)\\?subject=unsubscribe%20([^>]+)>$")
                    .matcher(header);
            assertThat(parts.matches()).as("one-click link, then the mailto alternative: %s", header).isTrue();
            assertThat(parts.group(4)).as("the mailto request carries the link's token").isEqualTo(parts.group(2));
            String link = parts.group(1).replace("http://localhost:8080", url(""));

            HttpHeaders headers = new HttpHeaders();
            headers.setContentType(MediaType.APPLICATION_FORM_URLENCODED);
            ResponseEntity<String> response = rest.exchange(link, HttpMethod.POST,
                    new HttpEntity<>("List-Unsubscribe=One-Click", headers), String.class);

            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
            var lead = read(get("/api/leads/" + leadId(email), "demo"));
            assertThat(lead.path("consent").asText()).isEqualTo("UNSUBSCRIBED");
            assertThat(lead.path("suppressed").path("reason").asText()).isEqualTo("UNSUBSCRIBED");
            assertThat(read(get("/api/leads/" + leadId(email) + "/consent", "demo")).findValuesAsText("event"))
                    .contains("SUBMITTED", "EMAIL_SENT", "CONFIRMED", "UNSUBSCRIBED");
        }
    }

    @Nested
    class PreferenceCentre {

        @Test
        void savesTopicsAndFrequencyBehindTheUnsubscribeLinkWithoutUnsubscribing() throws Exception {
            String email = newAddress("picky");
            postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
            postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
            String header = awaitMail(email, "Welcome aboard").getHeader("List-Unsubscribe", null);
            String link = header.substring(1, header.indexOf('>'));
            String token = link.substring(link.indexOf("token=") + "token=".length());

            ResponseEntity<String> page = rest.getForEntity(link.replace("http://localhost:8080", url("")),
                    String.class);
            assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(page.getBody()).contains("Your email preferences").contains("product-news");

            HttpHeaders headers = new HttpHeaders();
            headers.setContentType(MediaType.APPLICATION_FORM_URLENCODED);
            ResponseEntity<String> saved = rest.exchange(url("/optin/preferences"), HttpMethod.POST,
                    new HttpEntity<>("token=" + token + "&topics=events&topics=bogus&frequency=monthly", headers),
                    String.class);

            assertThat(saved.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(saved.getBody()).contains("events").contains("monthly").doesNotContain("bogus");
            String id = leadId(email);
            assertThat(read(get("/api/leads/" + id, "demo")).path("consent").asText()).isEqualTo("CONFIRMED");
            assertThat(read(get("/api/leads/" + id + "/consent", "demo")).findValuesAsText("event"))
                    .contains("PREFERENCES_CHANGED");
            assertThat(rest.getForEntity(url("/optin/unsubscribe?token=nope"), String.class).getStatusCode())
                    .isEqualTo(HttpStatus.GONE);
        }
    }

    @Nested
    class Ledger {

        @Test
        void detectsAnEditedEntry() {
            String email = newAddress("proof");
            postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
            await().atMost(Duration.ofSeconds(5)).until(() -> read(get("/api/consent/verify", "demo")).path("valid")
                    .asBoolean());
            long seq = jdbc.queryForObject("select max(seq) from consent_ledger where lead_id = ?", Long.class,
                    leadId(email));
            String original = jdbc.queryForObject("select event from consent_ledger where seq = ?", String.class, seq);
            try {
                jdbc.update("update consent_ledger set event = 'CONFIRMED' where seq = ?", seq);

                var verification = read(get("/api/consent/verify", "demo"));

                assertThat(verification.path("valid").asBoolean()).isFalse();
                assertThat(verification.path("firstBrokenSeq").asLong()).isEqualTo(seq);
            } finally {
                jdbc.update("update consent_ledger set event = ? where seq = ?", original, seq);
            }
            assertThat(read(get("/api/consent/verify", "demo")).path("valid").asBoolean()).isTrue();
        }

        @Test
        void detectsADeletedEntry() {
            String email = newAddress("erased-proof");
            postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
            await().atMost(Duration.ofSeconds(5)).until(() -> read(get("/api/consent/verify", "demo")).path("valid")
                    .asBoolean());
            long seq = jdbc.queryForObject("select min(seq) from consent_ledger where lead_id = ?", Long.class,
                    leadId(email));
            Map<String, Object> row = jdbc.queryForMap("select * from consent_ledger where seq = ?", seq);
            try {
                jdbc.update("delete from consent_ledger where seq = ?", seq);

                var verification = read(get("/api/consent/verify", "demo"));

                assertThat(verification.path("valid").asBoolean()).isFalse();
                assertThat(verification.path("firstBrokenSeq").asLong()).isEqualTo(seq);
                assertThat(verification.path("message").asText()).containsAnyOf("is missing", "were deleted");
            } finally {
                new org.springframework.jdbc.core.simple.SimpleJdbcInsert(jdbc).withTableName("consent_ledger")
                        .execute(row);
            }
            assertThat(read(get("/api/consent/verify", "demo")).path("valid").asBoolean()).isTrue();
        }
    }
}
