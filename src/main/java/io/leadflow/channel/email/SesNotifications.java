package io.leadflow.channel.email;

import static io.leadflow.channel.email.SnsMessages.text;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.channel.email.FeedbackEvent.Kind;

/**
 * What an Amazon SES notification says, read from the {@code Message} of an SNS notification: SES identity
 * notifications name their type in {@code notificationType}, configuration set events in {@code eventType}; both
 * carry {@code bounce} or {@code complaint} and {@code mail}. A permanent bounce is hard, a transient or undetermined
 * one soft; every other type (deliveries, sends, opens) asks nothing of Leadflow.
 * <p>
 * The notification is authentic once its SNS signature was checked, so one whose content Leadflow cannot read is
 * acknowledged and logged, not refused: SNS delivering it again would not make it readable.
 */
final class SesNotifications {

    static final String PROVIDER = "ses";

    private SesNotifications() {
    }

    /**
     * @param snsMessageId the SNS delivery's {@code MessageId}, the same in every retry: the event id of each
     *                     recipient's event
     */
    static List<FeedbackEvent> read(String snsMessageId, String message, ObjectMapper json) {
        JsonNode ses;
        try {
            ses = message == null ? null : json.readTree(message);
        } catch (IOException unreadable) {
            ses = null;
        }
        if (ses == null || !ses.isObject()) {
            return List.of(FeedbackEvent.ignored(PROVIDER, snsMessageId, "a Message that is no SES notification"));
        }
        String type = text(ses, "notificationType") != null ? text(ses, "notificationType") : text(ses, "eventType");
        JsonNode mail = ses.path("mail");
        String ourMessageId = ourMessageId(mail);
        String sesMessageId = text(mail, "messageId");
        List<FeedbackEvent> events = new ArrayList<>();
        if ("Bounce".equals(type)) {
            JsonNode bounce = ses.path("bounce");
            String bounceType = text(bounce, "bounceType");
            Kind kind = switch (bounceType == null ? "" : bounceType) {
                case "Permanent" -> Kind.HARD_BOUNCE;
                case "Transient", "Undetermined" -> Kind.SOFT_BOUNCE;
                default -> Kind.IGNORED;
            };
            for (JsonNode recipient : bounce.path("bouncedRecipients")) {
                String status = text(recipient, "status") != null ? text(recipient, "status")
                        : text(bounce, "bounceSubType");
                events.add(event(kind, snsMessageId, recipient, ourMessageId, sesMessageId, status));
            }
        } else if ("Complaint".equals(type)) {
            JsonNode complaint = ses.path("complaint");
            String feedbackType = text(complaint, "complaintFeedbackType");
            for (JsonNode recipient : complaint.path("complainedRecipients")) {
                events.add(event(Kind.COMPLAINT, snsMessageId, recipient, ourMessageId, sesMessageId,
                        feedbackType != null ? feedbackType : "complaint"));
            }
        }
        return events.isEmpty() ? List.of(FeedbackEvent.ignored(PROVIDER, snsMessageId, String.valueOf(type)))
                : events;
    }

    private static FeedbackEvent event(Kind kind, String snsMessageId, JsonNode recipient, String ourMessageId,
            String sesMessageId, String status) {
        String address = BounceParser.address(text(recipient, "emailAddress"));
        if (kind == Kind.IGNORED || address == null) {
            return FeedbackEvent.ignored(PROVIDER, snsMessageId, status);
        }
        return new FeedbackEvent(PROVIDER, kind, snsMessageId, address, ourMessageId, sesMessageId, status);
    }

    /** The Message-ID our email was submitted with, as SES quotes it: in its common headers, else its headers. */
    private static String ourMessageId(JsonNode mail) {
        String common = text(mail.path("commonHeaders"), "messageId");
        if (common != null) {
            return common;
        }
        for (JsonNode header : mail.path("headers")) {
            if ("Message-ID".equalsIgnoreCase(text(header, "name"))) {
                return text(header, "value");
            }
        }
        return null;
    }
}
