package io.leadflow.channel.email;

import static io.leadflow.channel.email.SnsMessages.text;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.channel.email.FeedbackEvent.Kind;
import io.leadflow.platform.InvalidInputException;

/**
 * The SendGrid Event Webhook: a JSON array of events, signed. SendGrid signs the timestamp header followed by the raw
 * body with its ECDSA P-256 key ({@code X-Twilio-Email-Event-Webhook-Signature}, base64 of a DER signature); the
 * signature is checked with the verification key SendGrid shows before the body is read, and a timestamp further
 * from now than the tolerance is refused, so a captured delivery cannot be played again later.
 * <p>
 * {@code bounce} is hard, unless its {@code type} is {@code blocked} (soft); {@code spamreport} is a complaint;
 * {@code unsubscribe} and {@code group_unsubscribe} are unsubscribes. Everything else ({@code processed},
 * {@code delivered}, {@code deferred}, {@code dropped}: SendGrid skipped an address it had suppressed for one of those
 * reasons, reported when it happened) asks nothing. An event without its id or address is skipped and logged: one
 * bad event must not keep SendGrid retrying the whole batch.
 */
final class SendGridEvents {

    private static final Logger log = LoggerFactory.getLogger(SendGridEvents.class);
    static final String PROVIDER = "sendgrid";
    static final String SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature";
    static final String TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp";

    private final PublicKey key;
    private final Duration tolerance;

    SendGridEvents(FeedbackSettings.SendGrid settings) {
        this.key = settings.verificationKey();
        this.tolerance = settings.timestampTolerance();
    }

    /** Refuses ({@link FeedbackRefused}) a body SendGrid did not sign, or signed too long ago. */
    void verify(String signature, String timestamp, byte[] body, Instant now) {
        if (signature == null || signature.isBlank() || timestamp == null || timestamp.isBlank()) {
            throw FeedbackRefused.unauthenticated("SendGrid signs each delivery in the headers " + SIGNATURE + " and "
                    + TIMESTAMP + "; this one has none: turn on Signed Event Webhook Requests in SendGrid");
        }
        long seconds;
        byte[] signed;
        try {
            seconds = Long.parseLong(timestamp.strip());
            signed = Base64.getDecoder().decode(signature.strip());
        } catch (IllegalArgumentException unreadable) {
            throw FeedbackRefused.forbidden(TIMESTAMP + " must be unix seconds and " + SIGNATURE
                    + " a base64 signature, as SendGrid sends them");
        }
        boolean valid;
        try {
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(key);
            verifier.update(timestamp.strip().getBytes(StandardCharsets.UTF_8));
            verifier.update(body);
            valid = verifier.verify(signed);
        } catch (GeneralSecurityException malformed) {
            valid = false;
        }
        if (!valid) {
            throw FeedbackRefused.forbidden("The signature does not match the timestamp and body with"
                    + " leadflow.mail.feedback.sendgrid.public-key: the body was changed, or the key is another"
                    + " account's");
        }
        Duration age = Duration.between(Instant.ofEpochSecond(seconds), now).abs();
        if (age.compareTo(tolerance) > 0) {
            throw FeedbackRefused.forbidden("The signed timestamp is " + age.toSeconds() + " seconds away from now,"
                    + " more than leadflow.mail.feedback.sendgrid.timestamp-tolerance (" + tolerance + "): a delivery"
                    + " cannot be played again later; if clocks disagree, set them right");
        }
    }

    static List<FeedbackEvent> read(JsonNode body) {
        if (body == null || !body.isArray()) {
            throw InvalidInputException.of("body", "must be a JSON array of events, as SendGrid's Event Webhook posts");
        }
        List<FeedbackEvent> events = new ArrayList<>();
        int index = 0;
        for (JsonNode event : body) {
            events.add(event(event, index++));
        }
        return events;
    }

    private static FeedbackEvent event(JsonNode event, int index) {
        String name = text(event, "event");
        String id = text(event, "sg_event_id");
        Kind kind = switch (name == null ? "" : name) {
            case "bounce" -> "blocked".equals(text(event, "type")) ? Kind.SOFT_BOUNCE : Kind.HARD_BOUNCE;
            case "spamreport" -> Kind.COMPLAINT;
            case "unsubscribe", "group_unsubscribe" -> Kind.UNSUBSCRIBE;
            default -> Kind.IGNORED;
        };
        if (kind == Kind.IGNORED) {
            return FeedbackEvent.ignored(PROVIDER, id, String.valueOf(name));
        }
        String address = BounceParser.address(text(event, "email"));
        if (id == null || id.isBlank() || address == null) {
            log.warn("SendGrid event [{}] ({}) has no sg_event_id or no email address: skipped", index,
                    FeedbackRefused.quoted(name));
            return FeedbackEvent.ignored(PROVIDER, "event-" + index, name + " without id or address");
        }
        String detail = kind == Kind.HARD_BOUNCE || kind == Kind.SOFT_BOUNCE
                ? text(event, "status") != null ? text(event, "status") : text(event, "type")
                : name;
        return new FeedbackEvent(PROVIDER, kind, id, address, text(event, "smtp-id"), text(event, "sg_message_id"),
                detail);
    }
}
