package io.leadflow.channel.email;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.POSTMARK_PASSWORD;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.POSTMARK_USER;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.SNS;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.array;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.bytes;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.object;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.sendGridSignature;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.sesMessage;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.signedBySns;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.snsUrl;
import static io.leadflow.channel.email.ProviderFeedbackFixtures.withSesMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.leadflow.consent.ConsentLedger;
import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ModelKeys;
import io.leadflow.platform.NotFoundException;
import io.leadflow.support.ServiceTestBase;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Bounces, complaints and unsubscribes that Amazon SES (through SNS), SendGrid and Postmark report by webhook, through
 * the running service: each provider's sample body (src/test/resources/feedback), about a real lead and signed with
 * the test keys ({@link ProviderFeedbackFixtures}), does what the bounce mailbox's reports and the unsubscribe link
 * do; a forged, tampered or replayed one changes nothing. The test profile turns every provider on.
 */
class ProviderFeedbackTests extends ServiceTestBase {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @Autowired
    Leads leads;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    EmailOutbox outbox;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    ConsentLedger ledger;

    @Autowired
    RuntimeService runtime;

    @Autowired
    MeterRegistry meters;

    /** A confirmed lead in nurture, and her address. */
    record Person(String email, String id) {
    }

    private Person person(String who) {
        String email = confirmedDecisionMaker(who);
        return new Person(email, leadIdOf(email));
    }

    @Nested
    class AmazonSes {

        @Test
        void suppressesAHardBouncedLeadAndSendsHerNothingMore() {
            Person marie = person("ses-hard");
            byte[] body = signedBySns(sesAbout("ses-hard-bounce.json", marie, "ses-m1"), "1");

            assertThat(postSes(body).getStatusCode().value()).isEqualTo(204);

            assertThat(lead(marie).suppressedReason()).isEqualTo("HARD_BOUNCE");
            assertThat(bounces(marie)).containsExactly("HARD 5.1.1");
            assertSentNothingMore(marie);
        }

        @Test
        void changesNothingWhenSnsDeliversTheSameNotificationAgain() {
            Person marie = person("ses-replay");
            byte[] body = signedBySns(sesAbout("ses-hard-bounce.json", marie, "ses-m1"), "2");

            assertThat(postSes(body).getStatusCode().value()).isEqualTo(204);
            assertThat(postSes(body).getStatusCode().value()).isEqualTo(204);

            assertThat(bounces(marie)).as("one row per SNS MessageId and lead").hasSize(1);
        }

        @Test
        void suppressesAComplainingLead() {
            Person marie = person("ses-complaint");

            assertThat(postSes(signedBySns(sesAbout("ses-complaint.json", marie, "ses-m1"), "2")).getStatusCode()
                    .value()).isEqualTo(204);

            assertThat(lead(marie).suppressedReason()).isEqualTo("COMPLAINED");
            assertThat(bounces(marie)).containsExactly("COMPLAINT abuse");
        }

        @Test
        void suppressesASoftBouncingLeadAtTheThirdEmailThatBounced() {
            Person marie = person("ses-soft");

            for (String email : List.of("ses-m1", "ses-m2")) {
                assertThat(postSes(signedBySns(sesAbout("ses-soft-bounce.json", marie, email), "1"))
                        .getStatusCode().value()).isEqualTo(204);
            }
            assertThat(lead(marie).suppressedReason()).isNull();
            postSes(signedBySns(sesAbout("ses-soft-bounce.json", marie, "ses-m3"), "1"));

            assertThat(lead(marie).suppressedReason()).isEqualTo("SOFT_BOUNCE");
            assertThat(bounces(marie)).containsExactly("SOFT 4.2.2", "SOFT 4.2.2", "SOFT 4.2.2");
        }

        /** SES quotes the Message-ID our email was submitted with: the bounce is told of that email, not the latest. */
        @Test
        void tellsTheBounceOfTheEmailWhoseMessageIdItQuotes() throws Exception {
            Person marie = person("ses-quoted");
            String welcome = awaitMail(marie.email(), "Welcome aboard").getMessageID();
            String welcomeRow = outbox.forLead(marie.id()).stream().filter(r -> r.template().equals("welcome"))
                    .findFirst().orElseThrow().id();
            ObjectNode sns = sesAbout("ses-hard-bounce.json", marie, "ses-m1");
            ObjectNode ses = sesMessage(sns);
            ((ObjectNode) ses.path("mail").path("commonHeaders")).put("messageId", welcome);

            postSes(signedBySns(withSesMessage(sns, ses), "2"));

            assertThat(jdbc.sql("select bounced_at from email_outbox where id = ?").param(welcomeRow)
                    .query(java.sql.Timestamp.class).single()).isNotNull();
            assertThat(jdbc.sql("select original_message_id from email_bounces where lead_id = ?").param(marie.id())
                    .query(String.class).single()).isEqualTo(welcome);
        }

        @Test
        void refusesATamperedMessageAndChangesNothing() {
            Person marie = person("ses-tampered");
            Person victim = person("ses-victim");
            ObjectNode sns = sesAbout("ses-hard-bounce.json", marie, "ses-m1");
            signedBySns(sns, "1");
            // after signing: the bounce now names another lead
            sns.put("Message", sns.get("Message").asText().replace(marie.email(), victim.email()));

            ResponseEntity<String> answer = postSes(bytes(sns));

            assertThat(answer.getStatusCode().value()).isEqualTo(403);
            assertProblem(answer, "signature does not match");
            assertUnchanged(victim);
            assertUnchanged(marie);
        }

        @Test
        void refusesACertificateOnAHostThatIsNoSnsHostWithoutFetchingIt() {
            Person marie = person("ses-foreign");
            SNS.resetRequests();

            for (String certificate : List.of(snsUrl(ProviderFeedbackFixtures.CERTIFICATE_PATH).replace("localhost",
                    "127.0.0.1"), snsUrl(ProviderFeedbackFixtures.CERTIFICATE_PATH).replace("https:", "http:"),
                    "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem")) {
                ObjectNode sns = sesAbout("ses-hard-bounce.json", marie, "ses-m1");
                sns.put("SigningCertURL", certificate);

                ResponseEntity<String> answer = postSes(signedBySns(sns, "1"));

                assertThat(answer.getStatusCode().value()).as(certificate).isEqualTo(403);
                assertProblem(answer, "SigningCertURL");
            }
            assertUnchanged(marie);
            SNS.verify(0, anyRequestedFor(anyUrl()));
        }

        @Test
        void refusesATopicItWasNotToldOfAndAnUnsignedMessage() {
            Person marie = person("ses-topic");
            ObjectNode foreign = sesAbout("ses-hard-bounce.json", marie, "ses-m1");
            foreign.put("TopicArn", "arn:aws:sns:eu-west-1:999999999999:someone-elses-topic");
            ObjectNode unsigned = sesAbout("ses-hard-bounce.json", marie, "ses-m1");
            unsigned.remove(List.of("Signature", "SignatureVersion", "SigningCertURL"));

            assertThat(postSes(signedBySns(foreign, "2")).getStatusCode().value()).isEqualTo(403);
            ResponseEntity<String> answer = postSes(bytes(unsigned));

            assertThat(answer.getStatusCode().value()).isEqualTo(401);
            assertProblem(answer, "Signature");
            assertUnchanged(marie);
        }

        @Test
        void confirmsTheSubscriptionOfItsTopicOnlyAtAnSnsHost() {
            SNS.resetRequests();
            ObjectNode confirmation = object("ses-subscription-confirmation.json");
            String token = confirmation.get("Token").asText();
            confirmation.put("SubscribeURL", snsUrl("/?Action=ConfirmSubscription&TopicArn="
                    + ProviderFeedbackFixtures.TOPIC + "&Token=" + token));

            assertThat(postSes(signedBySns(confirmation, "1")).getStatusCode().value()).isEqualTo(204);
            SNS.verify(1, getRequestedFor(urlPathEqualTo("/")).withQueryParam("Action", equalTo("ConfirmSubscription"))
                    .withQueryParam("Token", equalTo(token)));

            ObjectNode elsewhere = object("ses-subscription-confirmation.json");
            elsewhere.put("SubscribeURL", "https://internal.example/admin?Action=ConfirmSubscription");
            assertThat(postSes(signedBySns(elsewhere, "1")).getStatusCode().value()).isEqualTo(403);
            SNS.verify(1, getRequestedFor(urlPathEqualTo("/")));
        }

        @Test
        void acknowledgesAnAddressNoLeadHasAndListsOnlyItsHash() {
            double before = count("ses", ProviderFeedback.UNKNOWN_ADDRESS);
            ObjectNode sns = object("ses-hard-bounce.json");
            String messageId = UUID.randomUUID().toString();
            sns.put("MessageId", messageId);

            assertThat(postSes(signedBySns(sns, "1")).getStatusCode().value()).isEqualTo(204);

            assertThat(count("ses", ProviderFeedback.UNKNOWN_ADDRESS)).isEqualTo(before + 1);
            assertThat(rowsOfEvent("ses:" + messageId)).isZero();
            // a hard bounce of an address we have no lead for (an erased person's): never mailed, never written down
            assertThat(jdbc.sql("select address, reason, source from suppressions where address_hash = ?")
                    .param(io.leadflow.platform.Hashing.sha256("marie.dupont@example.org"))
                    .query((rs, n) -> rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3)).single())
                    .as("the fixtures of several providers bounce this address: the first one listed it")
                    .matches("null/BOUNCED/provider (ses|sendgrid|postmark)");
        }

        /** Someone published a test message to the topic: authentic, unreadable, and no better when sent again. */
        @Test
        void acknowledgesASignedMessageThatIsNoSesNotification() {
            double before = count("ses", "ignored");
            ObjectNode sns = object("ses-hard-bounce.json").put("MessageId", id())
                    .put("Message", "hello from the console").put("Subject", "test");

            assertThat(postSes(signedBySns(sns, "2")).getStatusCode().value()).isEqualTo(204);

            assertThat(count("ses", "ignored")).isEqualTo(before + 1);
        }

        @Test
        void refusesABodyThatIsNoSnsMessageNamingWhatIsWrong() {
            ResponseEntity<String> notJson = postSes("bounce!".getBytes(StandardCharsets.UTF_8));
            ResponseEntity<String> noType = postSes(bytes(object("ses-hard-bounce.json").put("Type", "Bounce")));

            assertThat(notJson.getStatusCode().value()).isEqualTo(400);
            assertThat(read(notJson).path("errors").get(0).path("field").asText()).isEqualTo("body");
            assertThat(noType.getStatusCode().value()).isEqualTo(400);
            assertThat(read(noType).path("errors").get(0).path("field").asText()).isEqualTo("Type");
        }
    }

    @Nested
    class SendGrid {

        @Test
        void suppressesAHardBouncedLeadOnceHoweverOftenTheEventComes() {
            Person marie = person("sg-hard");
            double before = count("sendgrid", "hard-bounce");
            byte[] body = bytes(sendGridEvents(marie, "bounce", "bounce"));

            assertThat(postSendGrid(body).getStatusCode().value()).isEqualTo(204);
            assertThat(postSendGrid(body).getStatusCode().value()).as("SendGrid retrying").isEqualTo(204);

            assertThat(lead(marie).suppressedReason()).isEqualTo("HARD_BOUNCE");
            assertThat(bounces(marie)).containsExactly("HARD 5.1.1");
            assertThat(count("sendgrid", "hard-bounce")).isEqualTo(before + 2);
            assertSentNothingMore(marie);
        }

        @Test
        void suppressesALeadWhoReportedSpam() {
            Person marie = person("sg-spam");

            postSendGrid(bytes(sendGridEvents(marie, "spamreport", null)));

            assertThat(lead(marie).suppressedReason()).isEqualTo("COMPLAINED");
        }

        @Test
        void countsBlockedEmailsAsSoftBouncesAndSuppressesAtTheThird() {
            Person marie = person("sg-blocked");

            postSendGrid(bytes(sendGridEvents(marie, "bounce", "blocked")));
            postSendGrid(bytes(sendGridEvents(marie, "bounce", "blocked")));
            assertThat(lead(marie).suppressedReason()).isNull();
            postSendGrid(bytes(sendGridEvents(marie, "bounce", "blocked")));

            assertThat(lead(marie).suppressedReason()).isEqualTo("SOFT_BOUNCE");
            assertThat(bounces(marie)).containsExactly("SOFT 5.2.2", "SOFT 5.2.2", "SOFT 5.2.2");
        }

        @Test
        void unsubscribesALeadLikeOurLinkAndStopsHerNurture() {
            Person marie = person("sg-unsubscribe");
            awaitNurture(marie, 1);
            ArrayNode events = sendGridEvents(marie, "unsubscribe", null);
            String eventId = events.get(0).get("sg_event_id").asText();

            assertThat(postSendGrid(bytes(events)).getStatusCode().value()).isEqualTo(204);
            assertThat(postSendGrid(bytes(events)).getStatusCode().value()).isEqualTo(204);

            assertUnsubscribed(marie, "provider sendgrid, event sendgrid:" + eventId);
        }

        @Test
        void unsubscribesALeadWhoLeftTheUnsubscribeGroup() {
            Person marie = person("sg-group");

            postSendGrid(bytes(sendGridEvents(marie, "group_unsubscribe", null)));

            assertThat(lead(marie).consent()).isEqualTo(Lead.Consent.UNSUBSCRIBED);
        }

        @Test
        void takesNoteOfDeliveriesDeferralsAndDropsWithoutActing() {
            Person marie = person("sg-noise");
            ArrayNode events = array("sendgrid-events.json");
            ArrayNode noise = ProviderFeedbackFixtures.JSON.createArrayNode();
            for (JsonNode event : events) {
                if (List.of("processed", "deferred", "dropped").contains(event.get("event").asText())) {
                    noise.add(((ObjectNode) event).put("email", marie.email()).put("sg_event_id", id()));
                }
            }

            assertThat(postSendGrid(bytes(noise)).getStatusCode().value()).isEqualTo(204);

            assertUnchanged(marie);
        }

        @Test
        void acknowledgesAWholeBatchAboutAnAddressNoLeadHasAndStoresNothing() {
            double before = count("sendgrid", ProviderFeedback.UNKNOWN_ADDRESS);
            ArrayNode events = array("sendgrid-events.json");
            events.forEach(e -> ((ObjectNode) e).put("sg_event_id", id()));

            assertThat(postSendGrid(bytes(events)).getStatusCode().value()).isEqualTo(204);

            assertThat(count("sendgrid", ProviderFeedback.UNKNOWN_ADDRESS)).as("bounce, blocked, spam, unsubscribes")
                    .isEqualTo(before + 5);
            for (JsonNode event : events) {
                assertThat(rowsOfEvent("sendgrid:" + event.get("sg_event_id").asText())).isZero();
            }
        }

        @Test
        void refusesATamperedBodyABodySignedByAnotherKeyAndAnUnsignedOne() throws Exception {
            Person marie = person("sg-forged");
            byte[] body = bytes(sendGridEvents(marie, "bounce", "bounce"));
            String timestamp = String.valueOf(Instant.now().getEpochSecond());
            byte[] tampered = new String(body, StandardCharsets.UTF_8).replace("\"bounce\"", "\"spamreport\"")
                    .getBytes(StandardCharsets.UTF_8);
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            var strangersKey = generator.generateKeyPair().getPrivate();

            ResponseEntity<String> changed = postSendGrid(tampered, timestamp, sendGridSignature(timestamp, body));
            ResponseEntity<String> stranger = postSendGrid(body, timestamp,
                    ProviderFeedbackFixtures.sendGridSignature(strangersKey, timestamp, body));
            ResponseEntity<String> unsigned = postSendGrid(body, null, null);

            assertThat(changed.getStatusCode().value()).isEqualTo(403);
            assertProblem(changed, "signature does not match");
            assertThat(stranger.getStatusCode().value()).isEqualTo(403);
            assertThat(unsigned.getStatusCode().value()).isEqualTo(401);
            assertProblem(unsigned, "X-Twilio-Email-Event-Webhook-Signature");
            assertUnchanged(marie);
        }

        @Test
        void refusesADeliverySignedLongerAgoThanTheTolerance() {
            Person marie = person("sg-stale");
            byte[] body = bytes(sendGridEvents(marie, "bounce", "bounce"));
            String elevenMinutesAgo = String.valueOf(Instant.now().minus(Duration.ofMinutes(11)).getEpochSecond());

            ResponseEntity<String> replayed = postSendGrid(body, elevenMinutesAgo,
                    sendGridSignature(elevenMinutesAgo, body));

            assertThat(replayed.getStatusCode().value()).isEqualTo(403);
            assertProblem(replayed, "timestamp-tolerance");
            assertUnchanged(marie);
        }

        @Test
        void refusesASignedBodyThatIsNoArrayOfEvents() {
            ResponseEntity<String> answer = postSendGrid("{\"event\":\"bounce\"}".getBytes(StandardCharsets.UTF_8));

            assertThat(answer.getStatusCode().value()).isEqualTo(400);
            assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(read(answer).path("errors").get(0).path("message").asText()).contains("JSON array");
        }

        @Test
        void refusesABodyOverOneMegabyte() {
            byte[] huge = new byte[1024 * 1024 + 1];
            Arrays.fill(huge, (byte) ' ');

            assertThat(postSendGrid(huge).getStatusCode().value()).isEqualTo(413);
        }
    }

    @Nested
    class Postmark {

        @Test
        void suppressesAHardBouncedLeadOnceHoweverOftenTheWebhookComes() {
            Person marie = person("pm-hard");
            byte[] body = bytes(postmark("postmark-bounce.json", marie, "HardBounce"));

            assertThat(postPostmark(body, POSTMARK_USER, POSTMARK_PASSWORD).getStatusCode().value()).isEqualTo(204);
            assertThat(postPostmark(body, POSTMARK_USER, POSTMARK_PASSWORD).getStatusCode().value()).isEqualTo(204);

            assertThat(lead(marie).suppressedReason()).isEqualTo("HARD_BOUNCE");
            assertThat(bounces(marie)).containsExactly("HARD HardBounce");
            assertSentNothingMore(marie);
        }

        @Test
        void suppressesALeadWhoseMailboxProviderReportedSpam() {
            Person marie = person("pm-spam");

            postPostmark(bytes(postmark("postmark-spam-complaint.json", marie, null)), POSTMARK_USER,
                    POSTMARK_PASSWORD);

            assertThat(lead(marie).suppressedReason()).isEqualTo("COMPLAINED");
        }

        @Test
        void countsSoftBouncesAndSuppressesAtTheThird() {
            Person marie = person("pm-soft");

            postmarkBounce(marie, "SoftBounce");
            postmarkBounce(marie, "Transient");
            assertThat(lead(marie).suppressedReason()).isNull();
            postmarkBounce(marie, "SoftBounce");

            assertThat(lead(marie).suppressedReason()).isEqualTo("SOFT_BOUNCE");
        }

        private void postmarkBounce(Person person, String type) {
            assertThat(postPostmark(bytes(postmark("postmark-bounce.json", person, type)), POSTMARK_USER,
                    POSTMARK_PASSWORD).getStatusCode().value()).isEqualTo(204);
        }

        @Test
        void unsubscribesALeadWhoUsedPostmarksLinkAndStopsHerNurture() {
            Person marie = person("pm-unsubscribe");
            awaitNurture(marie, 1);
            ObjectNode change = object("postmark-subscription-change.json").put("Recipient", marie.email())
                    .put("ChangedAt", Instant.now().toString());

            assertThat(postPostmark(bytes(change), POSTMARK_USER, POSTMARK_PASSWORD).getStatusCode().value())
                    .isEqualTo(204);
            assertThat(postPostmark(bytes(change), POSTMARK_USER, POSTMARK_PASSWORD).getStatusCode().value())
                    .isEqualTo(204);

            assertUnsubscribed(marie, "provider postmark, event postmark:SubscriptionChange:"
                    + change.get("MessageID").asText() + ":" + change.get("ChangedAt").asText());
        }

        @Test
        void refusesAWrongPasswordAndALeadflowUsersCredentials() {
            Person marie = person("pm-forged");
            byte[] body = bytes(postmark("postmark-bounce.json", marie, "HardBounce"));

            ResponseEntity<String> wrong = postPostmark(body, POSTMARK_USER, "not-the-webhook-password");
            ResponseEntity<String> ourUser = postPostmark(body, "demo", "demo");
            ResponseEntity<String> none = postPostmark(body, null, null);

            for (ResponseEntity<String> answer : List.of(wrong, ourUser, none)) {
                assertThat(answer.getStatusCode().value()).isEqualTo(401);
                assertThat(answer.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("Basic");
                assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            }
            assertUnchanged(marie);
        }

        @Test
        void acknowledgesAnAddressNoLeadHasAndListsOnlyItsHash() {
            double before = count("postmark", ProviderFeedback.UNKNOWN_ADDRESS);
            ObjectNode bounce = object("postmark-bounce.json").put("ID", System.nanoTime());

            assertThat(postPostmark(bytes(bounce), POSTMARK_USER, POSTMARK_PASSWORD).getStatusCode().value())
                    .isEqualTo(204);

            assertThat(count("postmark", ProviderFeedback.UNKNOWN_ADDRESS)).isEqualTo(before + 1);
            assertThat(rowsOfEvent("postmark:Bounce:" + bounce.get("ID").asText())).isZero();
        }

        @Test
        void refusesAnUnreadableBodyNamingWhatIsWrong() {
            ResponseEntity<String> notJson = postPostmark("RecordType=Bounce".getBytes(StandardCharsets.UTF_8),
                    POSTMARK_USER, POSTMARK_PASSWORD);
            ObjectNode noAddress = object("postmark-bounce.json");
            noAddress.remove("Email");
            ResponseEntity<String> withoutAddress = postPostmark(bytes(noAddress), POSTMARK_USER, POSTMARK_PASSWORD);

            assertThat(notJson.getStatusCode().value()).isEqualTo(400);
            assertThat(withoutAddress.getStatusCode().value()).isEqualTo(400);
            assertThat(read(withoutAddress).path("errors").get(0).path("field").asText()).isEqualTo("Email");
        }
    }

    @Nested
    class Settings {

        @Test
        void refuseToStartWithAKeyThatIsNoKeyAShortPasswordOrHalfTheCredentials() {
            assertThatThrownBy(() -> new FeedbackSettings.SendGrid("bm90IGEga2V5", null))
                    .hasMessageContaining("leadflow.mail.feedback.sendgrid.public-key");
            assertThatThrownBy(() -> new FeedbackSettings.Postmark("postmark", "too-short"))
                    .hasMessageContaining("at least 16 characters");
            assertThatThrownBy(() -> new FeedbackSettings.Postmark("postmark", null)).hasMessageContaining("both");
            assertThatThrownBy(() -> new FeedbackSettings.Ses(List.of("ses-feedback"), null, null))
                    .hasMessageContaining("no topic ARN");
            assertThatThrownBy(() -> new FeedbackSettings.Ses(List.of(ProviderFeedbackFixtures.TOPIC), "([", null))
                    .hasMessageContaining("certificate-host-pattern");
        }

        @Test
        void trustAmazonsSnsHostsInEveryRegionAndNoOtherByDefault() {
            var hosts = new FeedbackSettings.Ses(null, null, null).hosts();

            assertThat(List.of("sns.eu-west-1.amazonaws.com", "sns.us-gov-west-1.amazonaws.com",
                    "sns.cn-north-1.amazonaws.com.cn")).allMatch(h -> hosts.matcher(h).matches());
            assertThat(List.of("sns.eu-west-1.amazonaws.com.evil.example", "evil.sns.eu-west-1.amazonaws.com",
                    "sqs.eu-west-1.amazonaws.com", "sns.amazonaws.com", "localhost"))
                    .noneMatch(h -> hosts.matcher(h).matches());
        }
    }

    /** The endpoint of a provider nobody configured answers 404, saying which keys turn it on. */
    @Test
    void answersNotFoundForAProviderThatIsNotConfigured() {
        FeedbackSettings off = new FeedbackSettings(null, null, null);
        var controller = new EmailFeedbackController(off, new SnsMessages(off, new DefaultSslBundleRegistry(),
                Clock.systemUTC()), null, ProviderFeedbackFixtures.JSON, Clock.systemUTC());

        assertThatThrownBy(() -> controller.ses(new byte[0])).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("leadflow.mail.feedback.ses.topic-arns");
        assertThatThrownBy(() -> controller.sendGrid(new byte[0], null, null)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("leadflow.mail.feedback.sendgrid.public-key");
        assertThatThrownBy(() -> controller.postmark(new byte[0], null)).isInstanceOf(NotFoundException.class)
                .hasMessageContaining("leadflow.mail.feedback.postmark");
    }

    // --- the providers' bodies, about one of our leads --------------------------------------------------------------

    /** An SNS sample whose SES notification is about her, under a new SNS MessageId and the given SES message id. */
    private static ObjectNode sesAbout(String sample, Person person, String sesMessageId) {
        ObjectNode sns = object(sample).put("MessageId", id());
        String message = sns.get("Message").asText().replace("marie.dupont@example.org", person.email());
        ObjectNode ses = (ObjectNode) read(message);
        ((ObjectNode) ses.get("mail")).put("messageId", sesMessageId + "-" + id());
        return withSesMessage(sns, ses);
    }

    /** The sample event of that kind, about her, under a new event id and message id. */
    private static ArrayNode sendGridEvents(Person person, String event, String type) {
        ArrayNode events = ProviderFeedbackFixtures.JSON.createArrayNode();
        for (JsonNode sample : array("sendgrid-events.json")) {
            if (sample.get("event").asText().equals(event) && (type == null || type.equals(sample.path("type")
                    .asText()))) {
                events.add(((ObjectNode) sample).put("email", person.email()).put("sg_event_id", id())
                        .put("sg_message_id", id() + ".recvd-test-0"));
                return events;
            }
        }
        throw new IllegalArgumentException("no " + event + " in sendgrid-events.json");
    }

    private static ObjectNode postmark(String sample, Person person, String type) {
        ObjectNode body = object(sample).put("Email", person.email()).put("ID", System.nanoTime())
                .put("MessageID", UUID.randomUUID().toString());
        return type == null ? body : body.put("Type", type);
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    private static JsonNode read(String json) {
        try {
            return ProviderFeedbackFixtures.JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // --- calls ---------------------------------------------------------------------------------------------------

    /** As SNS posts: JSON as {@code text/plain}, the type in a header of its own. */
    private ResponseEntity<String> postSes(byte[] body) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(new MediaType("text", "plain", StandardCharsets.UTF_8));
        headers.set("x-amz-sns-message-type", "Notification");
        return rest.exchange(url("/api/email-feedback/ses"), HttpMethod.POST, new HttpEntity<>(body, headers),
                String.class);
    }

    private ResponseEntity<String> postSendGrid(byte[] body) {
        String timestamp = String.valueOf(Instant.now().getEpochSecond());
        return postSendGrid(body, timestamp, sendGridSignature(timestamp, body));
    }

    private ResponseEntity<String> postSendGrid(byte[] body, String timestamp, String signature) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (signature != null) {
            headers.set("X-Twilio-Email-Event-Webhook-Signature", signature);
            headers.set("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        }
        return rest.exchange(url("/api/email-feedback/sendgrid"), HttpMethod.POST, new HttpEntity<>(body, headers),
                String.class);
    }

    private ResponseEntity<String> postPostmark(byte[] body, String user, String password) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (user != null) {
            headers.setBasicAuth(user, password);
        }
        return rest.exchange(url("/api/email-feedback/postmark"), HttpMethod.POST, new HttpEntity<>(body, headers),
                String.class);
    }

    // --- what the lead became ------------------------------------------------------------------------------------

    private Lead lead(Person person) {
        return leads.get(person.id());
    }

    /** Her bounce rows, oldest first, as "KIND status". */
    private List<String> bounces(Person person) {
        return jdbc.sql("select kind, status_code from email_bounces where lead_id = ? order by received_at, id")
                .param(person.id()).query((rs, n) -> rs.getString(1) + " " + rs.getString(2)).list();
    }

    private int rowsOfEvent(String eventId) {
        return jdbc.sql("select count(*) from email_bounces where message_id = ?").param(eventId)
                .query(Integer.class).single();
    }

    private void assertUnchanged(Person person) {
        Lead lead = lead(person);
        assertThat(lead.suppressedReason()).as("suppression").isNull();
        assertThat(lead.consent()).isEqualTo(Lead.Consent.CONFIRMED);
        assertThat(bounces(person)).isEmpty();
    }

    /** An email queued for her after the feedback is never sent. */
    private void assertSentNothingMore(Person person) {
        String purpose = "after-feedback-" + id();
        tx.executeWithoutResult(s -> outbox.enqueue(person.id(), purpose, "nurture-value"));
        EmailOutbox.Row row = await().atMost(PATIENCE).until(() -> outbox.find(person.id(), purpose).orElseThrow(),
                r -> r.status() != EmailOutbox.Status.PENDING && r.status() != EmailOutbox.Status.SENDING);
        assertThat(row.status()).isEqualTo(EmailOutbox.Status.SKIPPED);
        assertThat(row.lastError()).startsWith("suppressed");
    }

    /** Unsubscribed once, as by our own link, with the provider's event in the ledger; her nurture ended. */
    private void assertUnsubscribed(Person person, String ledgerDetail) {
        Lead lead = lead(person);
        assertThat(lead.consent()).isEqualTo(Lead.Consent.UNSUBSCRIBED);
        assertThat(lead.suppressedReason()).isEqualTo("UNSUBSCRIBED");
        assertThat(ledger.entries(person.id())).filteredOn(e -> e.event().equals("UNSUBSCRIBED"))
                .singleElement().satisfies(e -> assertThat(e.detail()).isEqualTo(ledgerDetail));
        awaitNurture(person, 0);
    }

    private void awaitNurture(Person person, long running) {
        await().atMost(PATIENCE).until(() -> runtime.createProcessInstanceQuery()
                .processDefinitionKey(ModelKeys.NURTURE).processInstanceBusinessKey(person.id()).count() == running);
    }

    private void assertProblem(ResponseEntity<String> answer, String detail) {
        assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(read(answer).path("detail").asText()).contains(detail);
    }

    private double count(String provider, String kind) {
        Counter counter = meters.find(ProviderFeedback.METRIC).tag("provider", provider).tag("kind", kind).counter();
        return counter == null ? 0 : counter.count();
    }
}
