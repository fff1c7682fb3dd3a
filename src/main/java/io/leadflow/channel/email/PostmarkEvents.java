package io.leadflow.channel.email;

import static io.leadflow.channel.email.SnsMessages.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.channel.email.FeedbackEvent.Kind;
import io.leadflow.platform.InvalidInputException;

/**
 * Postmark's webhooks, one event per request, named by {@code RecordType}, authenticated by the HTTP Basic
 * credentials written into the webhook's URL in Postmark (not a Leadflow user: Spring Security never sees them).
 * <ul>
 * <li>{@code Bounce}: {@code Type} {@code HardBounce} or {@code BadEmailAddress} is hard, {@code SoftBounce} or
 * {@code Transient} soft, {@code SpamNotification} or {@code SpamComplaint} a complaint; the other types
 * (auto-responders, DNS errors, challenge verifications…) ask nothing;</li>
 * <li>{@code SpamComplaint}: a complaint;</li>
 * <li>{@code SubscriptionChange} with {@code SuppressSending: true} and {@code SuppressionReason}
 * {@code ManualSuppression}: the person unsubscribed through Postmark's link (or was suppressed by hand). Postmark
 * also sends one for its own suppressions after a hard bounce or a complaint, which its {@code Bounce} and
 * {@code SpamComplaint} webhooks report already: those, and reactivations, ask nothing.</li>
 * </ul>
 * The replay id is the record type with Postmark's {@code ID}; a subscription change has none, and is named by the
 * email it came from and when (never the address: ids reach logs and the ledger).
 */
final class PostmarkEvents {

    static final String PROVIDER = "postmark";

    private PostmarkEvents() {
    }

    /** Refuses ({@link FeedbackRefused}) a request without the webhook's credentials; compared in constant time. */
    static void authenticate(String authorization, FeedbackSettings.Postmark settings) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw FeedbackRefused.unauthenticated("Postmark webhooks must carry the HTTP Basic credentials of"
                    + " leadflow.mail.feedback.postmark: write them into the webhook URL (https://user:password@…)");
        }
        String given;
        try {
            given = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            given = "";
        }
        // both compared whole, as equal-length digests, whatever the first mismatch
        boolean matches = MessageDigest.isEqual(digest(given), digest(settings.username() + ":" + settings.password()));
        if (!matches) {
            throw FeedbackRefused.unauthenticated("Wrong user name or password for the Postmark webhook: use those of"
                    + " leadflow.mail.feedback.postmark");
        }
    }

    static FeedbackEvent read(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw InvalidInputException.of("body", "must be a JSON object, as Postmark's webhooks post");
        }
        String recordType = text(body, "RecordType");
        if (recordType == null) {
            throw InvalidInputException.of("RecordType", "is missing: Postmark names every webhook's record type");
        }
        return switch (recordType) {
            case "Bounce" -> bounce(body, switch (String.valueOf(text(body, "Type"))) {
                case "HardBounce", "BadEmailAddress" -> Kind.HARD_BOUNCE;
                case "SoftBounce", "Transient" -> Kind.SOFT_BOUNCE;
                case "SpamNotification", "SpamComplaint" -> Kind.COMPLAINT;
                default -> Kind.IGNORED;
            });
            case "SpamComplaint" -> bounce(body, Kind.COMPLAINT);
            case "SubscriptionChange" -> subscriptionChange(body);
            default -> FeedbackEvent.ignored(PROVIDER, recordType + ":" + text(body, "ID"), recordType);
        };
    }

    private static FeedbackEvent bounce(JsonNode body, Kind kind) {
        String recordType = text(body, "RecordType");
        String type = text(body, "Type") != null ? text(body, "Type") : recordType;
        if (kind == Kind.IGNORED) {
            return FeedbackEvent.ignored(PROVIDER, recordType + ":" + text(body, "ID"), type);
        }
        return new FeedbackEvent(PROVIDER, kind, recordType + ":" + required(body, "ID"), address(body, "Email"), null,
                text(body, "MessageID"), type);
    }

    private static FeedbackEvent subscriptionChange(JsonNode body) {
        String recipient = address(body, "Recipient");
        boolean suppress = body.path("SuppressSending").asBoolean(false);
        String reason = text(body, "SuppressionReason");
        // the unsubscribe itself happens once per lead whatever the id: this id is the ledger's proof, not a key
        String id = "SubscriptionChange:" + text(body, "MessageID") + ":" + text(body, "ChangedAt");
        if (!suppress || !"ManualSuppression".equals(reason)) {
            return FeedbackEvent.ignored(PROVIDER, id, suppress ? "suppressed after " + reason : "reactivated");
        }
        return new FeedbackEvent(PROVIDER, Kind.UNSUBSCRIBE, id, recipient, null, text(body, "MessageID"),
                "ManualSuppression");
    }

    private static String required(JsonNode body, String field) {
        String value = text(body, field);
        if (value == null || value.isBlank()) {
            throw InvalidInputException.of(field, "is missing: Postmark sends it with every "
                    + text(body, "RecordType"));
        }
        return value;
    }

    private static String address(JsonNode body, String field) {
        String address = BounceParser.address(required(body, field));
        if (address == null) {
            throw InvalidInputException.of(field, "is no email address");
        }
        return address;
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
