package io.leadflow.channel.email;

import static io.leadflow.channel.email.BounceReports.mime;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.leadflow.channel.email.BounceParser.Bounce;
import io.leadflow.channel.email.BounceParser.Kind;
import io.leadflow.channel.email.BounceParser.Report;

/** What the bounce mailbox's messages say: RFC 3464 delivery status notifications and ARF complaints. */
class BounceParserTests {

    @Nested
    class DeliveryStatusNotifications {

        @Test
        void readsAnUnknownMailboxAsAHardBounce() {
            String original = BounceReports.messageId();
            Report report = BounceParser.parse(mime(BounceReports.hardBounce("ann.gone@acme-corp.io", original)))
                    .orElseThrow();

            assertThat(report.bounces()).containsExactly(new Bounce(Kind.HARD, "ann.gone@acme-corp.io", "5.1.1"));
            assertThat(report.originalMessageId()).isEqualTo(original);
            assertThat(report.messageId()).endsWith("@mx1.leadflow.example>");
        }

        @Test
        void readsADelayedDeliveryToAFullMailboxAsASoftBounce() {
            String original = BounceReports.messageId();
            Report report = BounceParser.parse(mime(BounceReports.delayWarning("bob.full@acme-corp.io", original)))
                    .orElseThrow();

            assertThat(report.bounces()).containsExactly(new Bounce(Kind.SOFT, "bob.full@acme-corp.io", "4.2.2"));
            assertThat(report.originalMessageId()).isEqualTo(original);
        }

        @Test
        void readsAFailureAfterTemporaryErrorsAsASoftBounce() {
            Report report = BounceParser.parse(mime(BounceReports.deliveryStatus("cy@acme-corp.io", "failed", "4.4.7")))
                    .orElseThrow();

            assertThat(report.bounces()).containsExactly(new Bounce(Kind.SOFT, "cy@acme-corp.io", "4.4.7"));
            assertThat(report.originalMessageId()).isNull();
        }

        @Test
        void readsAPermanentFailureWithoutStatusAsAHardBounce() {
            String raw = BounceReports.deliveryStatus("dee@acme-corp.io", "failed", "").replace("Status: \n", "");

            assertThat(BounceParser.parse(mime(raw)).orElseThrow().bounces())
                    .containsExactly(new Bounce(Kind.HARD, "dee@acme-corp.io", null));
        }

        @Test
        void findsNoBounceInAReportOfSuccessfulDelivery() {
            Report report = BounceParser
                    .parse(mime(BounceReports.deliveryStatus("eve@acme-corp.io", "delivered", "2.0.0"))).orElseThrow();

            assertThat(report.bounces()).isEmpty();
        }
    }

    @Nested
    class Complaints {

        @Test
        void readsAFeedbackLoopReportAsAComplaintAboutTheOriginalRecipient() {
            String original = BounceReports.messageId();
            Report report = BounceParser.parse(mime(BounceReports.complaint("fay@acme-corp.io", original)))
                    .orElseThrow();

            assertThat(report.bounces()).containsExactly(new Bounce(Kind.COMPLAINT, "fay@acme-corp.io", "abuse"));
            assertThat(report.originalMessageId()).isEqualTo(original);
        }

        @Test
        void takesTheRecipientFromTheQuotedEmailWhenTheReportDoesNotNameIt() {
            Report report = BounceParser
                    .parse(mime(BounceReports.complaintWithoutOriginalRcptTo("gus@acme-corp.io"))).orElseThrow();

            assertThat(report.bounces()).containsExactly(new Bounce(Kind.COMPLAINT, "gus@acme-corp.io", "abuse"));
        }

        @Test
        void takesTheLeadFromOurHeaderWhenTheProviderRedactedEveryAddress() {
            String leadId = "7c0e4d9e-3b0f-4c39-9a57-0d3b8f0e2a11";
            Report report = BounceParser.parse(mime(BounceReports.redactedComplaint("kim@acme-corp.io", leadId)))
                    .orElseThrow();

            assertThat(report.bounces()).containsExactly(new Bounce(Kind.COMPLAINT, null, "abuse", leadId));
        }

        @Test
        void readsANotSpamReportAsNoComplaint() {
            String raw = BounceReports.complaint("hal@acme-corp.io", BounceReports.messageId())
                    .replace("Feedback-Type: abuse", "Feedback-Type: not-spam");

            assertThat(BounceParser.parse(mime(raw)).orElseThrow().bounces()).isEmpty();
        }
    }

    @Nested
    class Garbage {

        @Test
        void findsNothingInAnOutOfOfficeReply() {
            assertThat(BounceParser.parse(mime(BounceReports.outOfOffice("ivy@acme-corp.io")))).isEmpty();
        }

        @Test
        void findsNothingInAReadReceipt() {
            String raw = BounceReports.deliveryStatus("jo@acme-corp.io", "failed", "5.1.1")
                    .replace("report-type=delivery-status", "report-type=disposition-notification")
                    .replace("message/delivery-status", "message/disposition-notification");

            assertThat(BounceParser.parse(mime(raw))).isEmpty();
        }

        @Test
        void findsNothingInADeliveryStatusThatNamesNoRecipient() {
            String raw = BounceReports.deliveryStatus("kim@acme-corp.io", "failed", "5.1.1")
                    .replace("Final-Recipient: rfc822; <kim@acme-corp.io>\n", "");

            assertThat(BounceParser.parse(mime(raw))).isEmpty();
        }

        @Test
        void findsNothingInAComplaintThatNamesNoRecipient() {
            String raw = BounceReports.complaintWithoutOriginalRcptTo("lou@acme-corp.io")
                    .replace("To: lou@acme-corp.io\n", "To: redacted\n");

            assertThat(BounceParser.parse(mime(raw))).isEmpty();
        }

        @Test
        void findsNothingInAReportWhosePartsNeverStart() {
            String raw = """
                    From: MAILER-DAEMON@relay.example.net
                    Subject: Undelivered Mail Returned to Sender
                    MIME-Version: 1.0
                    Content-Type: multipart/report; report-type=delivery-status; boundary="never-used"

                    Final-Recipient: rfc822; max@acme-corp.io
                    Action: failed
                    Status: 5.1.1
                    """;

            assertThat(BounceParser.parse(mime(raw))).isEmpty();
        }

        @Test
        void findsNothingInBinaryNoise() {
            byte[] noise = new byte[2048];
            new java.util.Random(42).nextBytes(noise);

            assertThat(BounceParser.parse(mime(new String(noise, StandardCharsets.ISO_8859_1)))).isEmpty();
        }
    }

    @Test
    void readsAddressesWithOrWithoutTypeAndAngleBrackets() {
        assertThat(BounceParser.address("rfc822; <Ann@Acme-Corp.io>")).isEqualTo("Ann@Acme-Corp.io");
        assertThat(BounceParser.address("rfc822;ann@acme-corp.io (Ann)")).isEqualTo("ann@acme-corp.io");
        assertThat(BounceParser.address("ann@acme-corp.io")).isEqualTo("ann@acme-corp.io");
        assertThat(BounceParser.address("unknown; ")).isNull();
        assertThat(BounceParser.address(null)).isNull();
    }
}
