package io.leadflow.channel.crm;

import java.io.IOException;
import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.ProblemHandler;

/**
 * {@code POST /api/crm/events}: no login, the signature is the credential. The raw body is verified before it is
 * parsed; {@code 401} tells the sender nothing about which part was wrong beyond the format it must follow.
 */
@RestController
class CrmEventsController {

    private static final Logger log = LoggerFactory.getLogger(CrmEventsController.class);
    static final String SIGNATURE = "X-Leadflow-Signature";

    private final WebhookSignature signature;
    private final CrmEvents events;
    private final ObjectMapper json;
    private final Clock clock;

    CrmEventsController(CrmSettings settings, CrmEvents events, ObjectMapper json, Clock clock) {
        this.signature = new WebhookSignature(settings.webhookSecret());
        this.events = events;
        this.json = json;
        this.clock = clock;
    }

    @PostMapping(value = "/api/crm/events")
    ResponseEntity<?> receive(@RequestBody(required = false) byte[] body,
            @RequestHeader(value = SIGNATURE, required = false) String header) {
        byte[] raw = body == null ? new byte[0] : body;
        WebhookSignature.Verdict verdict = signature.verify(header, raw, clock.instant());
        if (verdict != WebhookSignature.Verdict.VALID) {
            log.warn("CRM event refused: {}", verdict);
            ResponseEntity<ProblemDetail> problem = ProblemHandler.problem(HttpStatus.UNAUTHORIZED, "Unauthorized",
                    "Bad webhook signature: " + verdict.reason, null);
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).headers(problem.getHeaders())
                    .header("WWW-Authenticate", "Leadflow-Signature").body(problem.getBody());
        }
        CrmEvents.Event event;
        try {
            event = json.readValue(raw, CrmEvents.Event.class);
        } catch (IOException | RuntimeException unreadable) {
            throw InvalidInputException.of("body", "must be a JSON object {eventId, type, leadId | crmId, reason,"
                    + " opportunityId, occurredAt}");
        }
        if (event == null) {
            throw InvalidInputException.of("body", "must be a JSON object");
        }
        CrmEvents.validate(event);
        try {
            CrmEvents.Outcome outcome = events.apply(event);
            return ResponseEntity.status(CrmEvents.PENDING.equals(outcome.status()) ? HttpStatus.ACCEPTED : HttpStatus.OK)
                    .body(outcome);
        } catch (DuplicateKeyException concurrentDelivery) {
            // the same eventId applied by a parallel delivery that committed first
            return ResponseEntity.ok(new CrmEvents.Outcome(event.eventId(), "DUPLICATE", event.leadId(), null, null));
        }
    }
}
