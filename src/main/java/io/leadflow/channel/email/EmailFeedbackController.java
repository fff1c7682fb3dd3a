package io.leadflow.channel.email;

import static io.leadflow.channel.email.SnsMessages.text;

import java.io.IOException;
import java.time.Clock;

import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.ProblemHandler;

/**
 * {@code POST /api/email-feedback/ses}, {@code /sendgrid} and {@code /postmark}: bounces, complaints and unsubscribes
 * that an email service provider reports (docs/api.md §4). No Leadflow login: each provider's signature or
 * credentials are the authentication, checked here before the body is read. Everything Leadflow took note of is
 * answered 204, events it ignores and addresses no lead has included, so that the provider stops retrying; a body it
 * cannot read 400, credentials or a signature that do not hold 401 or 403, a provider not configured 404.
 */
@RestController
class EmailFeedbackController {

    private static final Logger log = LoggerFactory.getLogger(EmailFeedbackController.class);
    /** How long a provider should wait before delivering again what could not be checked now. */
    private static final String RETRY_AFTER_SECONDS = "60";

    private final FeedbackSettings settings;
    private final SnsMessages sns;
    private final SendGridEvents sendGrid;
    private final ProviderFeedback feedback;
    private final ObjectMapper json;
    private final Clock clock;

    EmailFeedbackController(FeedbackSettings settings, SnsMessages sns, ProviderFeedback feedback, ObjectMapper json,
            Clock clock) {
        this.settings = settings;
        this.sns = sns;
        this.sendGrid = settings.sendgrid().enabled() ? new SendGridEvents(settings.sendgrid()) : null;
        this.feedback = feedback;
        this.json = json;
        this.clock = clock;
    }

    /** Amazon SES through an SNS topic; SNS posts its messages as {@code text/plain}. */
    @PostMapping("/api/email-feedback/ses")
    ResponseEntity<Void> ses(@RequestBody(required = false) byte[] body) {
        requireOn(settings.ses().enabled(), "Amazon SES", "leadflow.mail.feedback.ses.topic-arns");
        JsonNode message = tree(body, "an Amazon SNS message (a JSON object)");
        if (!message.isObject()) {
            throw InvalidInputException.of("body", "must be an Amazon SNS message (a JSON object)");
        }
        String type = SnsMessages.type(message);
        sns.verify(message);
        switch (type) {
            case SnsMessages.SUBSCRIPTION_CONFIRMATION -> sns.confirmSubscription(message);
            case SnsMessages.UNSUBSCRIBE_CONFIRMATION -> log.warn("Amazon SNS topic {} no longer sends to this"
                    + " endpoint: subscribe it again for SES feedback to arrive", text(message, "TopicArn"));
            default -> feedback.applyAll(SesNotifications.read(text(message, "MessageId"), text(message, "Message"),
                    json));
        }
        return ResponseEntity.noContent().build();
    }

    /** The SendGrid Event Webhook, signed. */
    @PostMapping("/api/email-feedback/sendgrid")
    ResponseEntity<Void> sendGrid(@RequestBody(required = false) byte[] body,
            @RequestHeader(value = SendGridEvents.SIGNATURE, required = false) String signature,
            @RequestHeader(value = SendGridEvents.TIMESTAMP, required = false) String timestamp) {
        requireOn(sendGrid != null, "SendGrid", "leadflow.mail.feedback.sendgrid.public-key");
        sendGrid.verify(signature, timestamp, body == null ? new byte[0] : body, clock.instant());
        feedback.applyAll(SendGridEvents.read(tree(body, "a JSON array of SendGrid events")));
        return ResponseEntity.noContent().build();
    }

    /** Postmark's bounce, spam complaint and subscription change webhooks, with HTTP Basic credentials. */
    @PostMapping("/api/email-feedback/postmark")
    ResponseEntity<Void> postmark(@RequestBody(required = false) byte[] body,
            @RequestHeader(value = HttpHeaders.AUTHORIZATION, required = false) String authorization) {
        requireOn(settings.postmark().enabled(), "Postmark", "leadflow.mail.feedback.postmark.username and .password");
        PostmarkEvents.authenticate(authorization, settings.postmark());
        feedback.apply(PostmarkEvents.read(tree(body, "a JSON object of a Postmark webhook")));
        return ResponseEntity.noContent().build();
    }

    @ExceptionHandler(FeedbackRefused.class)
    ResponseEntity<ProblemDetail> refused(FeedbackRefused e, HttpServletRequest request) {
        log.warn("Email feedback refused at {} ({}): {}", request.getRequestURI(), e.status().value(), e.getMessage());
        String title = switch (e.status()) {
            case UNAUTHORIZED -> "Unauthorized";
            case FORBIDDEN -> "Forbidden";
            default -> "Unavailable";
        };
        ResponseEntity<ProblemDetail> problem = ProblemHandler.problem(e.status(), title, e.getMessage(), null);
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(e.status()).headers(problem.getHeaders());
        if (e.status() == HttpStatus.UNAUTHORIZED) {
            answer.header(HttpHeaders.WWW_AUTHENTICATE, request.getRequestURI().endsWith("/postmark")
                    ? "Basic realm=\"Leadflow email feedback\"" : "Signature");
        } else if (e.status() == HttpStatus.SERVICE_UNAVAILABLE) {
            answer.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        return answer.body(problem.getBody());
    }

    private static void requireOn(boolean enabled, String provider, String keys) {
        if (!enabled) {
            throw new NotFoundException(provider + " feedback is off on this service: set " + keys + " to receive it");
        }
    }

    private JsonNode tree(byte[] body, String what) {
        JsonNode tree;
        try {
            tree = body == null || body.length == 0 ? null : json.readTree(body);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException unreadable ? unreadable.getOriginalMessage()
                    : e.getMessage();
            throw InvalidInputException.of("body", "is not JSON (" + why + "): send " + what);
        }
        if (tree == null || tree.isMissingNode()) {
            throw InvalidInputException.of("body", "is empty: send " + what);
        }
        return tree;
    }
}
