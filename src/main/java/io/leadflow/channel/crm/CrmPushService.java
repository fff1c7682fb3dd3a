package io.leadflow.channel.crm;

import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.qualification.Qualifications;
import io.leadflow.platform.Errors;

/**
 * Pushes a lead to the CRM and sorts the answer: success (the CRM id is stored; also a "duplicate" answer that names
 * the existing record), a business rejection ({@link CrmRejected}) or a fault worth retrying ({@link CrmUnavailable}).
 */
@Service
public class CrmPushService {

    private static final Logger log = LoggerFactory.getLogger(CrmPushService.class);

    private final CrmGateway gateway;
    private final Leads leads;
    private final CrmSettings settings;
    private final CrmMapping mapping;
    private final ObjectMapper json;
    private final CrmMetrics metrics;
    private final CrmFailures failures;
    private final Clock clock;
    private final CrmPushesTaken taken;
    private final Qualifications desk;

    CrmPushService(CrmGateway gateway, Leads leads, CrmSettings settings, ObjectMapper json,
            CrmMetrics metrics, CrmFailures failures, Clock clock, CrmPushesTaken taken,
            @org.springframework.context.annotation.Lazy Qualifications desk) {
        this.taken = taken;
        this.desk = desk;
        this.gateway = gateway;
        this.leads = leads;
        this.settings = settings;
        this.mapping = CrmMapping.of(settings.preset().defaultMapping(), settings.mapping(), settings.constants());
        this.json = json;
        this.metrics = metrics;
        this.failures = failures;
        this.clock = clock;
    }

    /** {@link #push(String, String, String)} from no particular step. */
    public String push(String leadId, String purpose) {
        return push(leadId, purpose, null);
    }

    /**
     * Returns the CRM's id for the lead. Safe to repeat: the CRM deduplicates on the idempotency key (Salesforce and
     * HubSpot upsert by our id or the email). A failure is recorded for {@code GET /api/crm/failures}, with
     * {@code stepRef} naming where the push waits to be resumed.
     */
    public String push(String leadId, String purpose, String stepRef) {
        return push(leadId, purpose, stepRef, null);
    }

    /**
     * As {@link #push(String, String, String)}; {@code tryKey} names this one push across the retries of its step (the
     * step's job): once the CRM took it, a retry (its first transaction lost after the CRM's answer) does not call the
     * CRM again but returns the id it answered.
     */
    public String push(String leadId, String purpose, String stepRef, String tryKey) {
        var earlier = taken.earlier(tryKey);
        if (earlier.isPresent()) {
            log.info("Lead {} was taken by the CRM in an earlier try of this step ({}): not pushed again", leadId,
                    tryKey);
            String crmId = earlier.get().orElse(null);
            if (crmId != null) {
                leads.linkCrmRecord(leadId, crmId);
            }
            failures.resolve(leadId, purpose);
            return crmId;
        }
        Lead lead = leads.get(leadId);
        CrmPreset preset = settings.preset();
        CrmPreset.Request request = preset.request(lead, mapping.apply(lead, desk.crmFields(leadId)), settings);
        long started = System.nanoTime();
        ResponseEntity<String> response;
        try {
            response = gateway.push(json.writeValueAsString(request.body()), leadId + ":" + purpose, request.uri(),
                    request.method().name());
        } catch (RuntimeException | JsonProcessingException e) {
            CrmUnavailable.Kind kind = kindOf(e);
            metrics.failed(kind.tag(), started);
            String message = switch (kind) {
                case TIMEOUT -> "CRM at " + request.uri() + " did not answer within " + settings.readTimeout()
                        + " for lead " + leadId + ": " + Errors.rootMessage(e) + ". The push is retried.";
                case REFUSED -> "CRM sign-in failed for lead " + leadId + ": " + tokenRefusal(e)
                        + " The push is retried.";
                default -> "CRM at " + request.uri() + " unreachable for lead " + leadId + ": " + Errors.rootMessage(e)
                        + ". Check leadflow.crm.base-url and that the CRM is up; the push is retried.";
            };
            String failureId = failures.record(leadId, purpose, stepRef, kind.name(), null, Errors.rootMessage(e),
                    message);
            throw new CrmUnavailable(kind, message, null, e, failureId);
        }
        int status = response.getStatusCode().value();
        String body = response.getBody() == null ? "" : response.getBody();
        JsonNode answer = parse(body);
        String answerText = body.substring(0, Math.min(500, body.length()));
        if (response.getStatusCode().is2xxSuccessful()) {
            String refusal = preset.rejectionIn2xx(answer);
            if (refusal == null) {
                return pushed(leadId, purpose, preset.idOf(answer, settings), started, tryKey);
            }
            status = 422;
            answerText = refusal.substring(0, Math.min(500, refusal.length()));
        }
        Set<Integer> rejections = preset.rejections();
        if (rejections.contains(status)) {
            String existing = preset.duplicateId(answer, body, settings);
            if (existing != null) {
                log.info("CRM already holds lead {} as {} (duplicate answer)", leadId, existing);
                return pushed(leadId, purpose, existing, started, tryKey);
            }
            metrics.failed("rejected", started);
            CrmRejected rejected = new CrmRejected(status, "CRM rejected lead " + leadId + " with " + status + ": "
                    + answerText + ". Fix the lead, the CRM or leadflow.crm.mapping, then replay the push.");
            failures.record(leadId, purpose, stepRef, "REJECTED", status, answerText, rejected.getMessage());
            throw rejected;
        }
        Duration retryAfter = RetryAfter.parse(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER), clock.instant());
        CrmUnavailable.Kind kind = status == 429 || status == 503 ? CrmUnavailable.Kind.THROTTLED
                : status >= 500 ? CrmUnavailable.Kind.SERVER_ERROR : CrmUnavailable.Kind.REFUSED;
        metrics.failed(kind.tag(), started);
        String message = "CRM answered " + status + " for lead " + leadId + ": " + answerText + hint(status)
                + (retryAfter == null ? " The push is retried." : " The push is retried after " + retryAfter
                        + " (Retry-After).");
        String failureId = failures.record(leadId, purpose, stepRef, kind.name(), status, answerText, message);
        throw new CrmUnavailable(kind, message, retryAfter, null, failureId);
    }

    private String pushed(String leadId, String purpose, String crmId, long started, String tryKey) {
        taken.record(tryKey, crmId);
        if (crmId != null) {
            leads.linkCrmRecord(leadId, crmId);
        }
        metrics.pushed(started);
        failures.resolve(leadId, purpose);
        log.info("Lead {} pushed to the CRM (id {})", leadId, crmId);
        return crmId;
    }

    private String hint(int status) {
        return switch (status) {
            case 401, 403 -> ". Check leadflow.crm.auth.";
            case 404, 405 -> ". Check leadflow.crm.base-url, leadflow.crm.preset and leadflow.crm.leads-path.";
            default -> ".";
        };
    }

    private static CrmUnavailable.Kind kindOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OAuthTokens.TokenRefused) {
                return CrmUnavailable.Kind.REFUSED;
            }
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
                return CrmUnavailable.Kind.TIMEOUT;
            }
        }
        return CrmUnavailable.Kind.CONNECTION;
    }

    private static String tokenRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OAuthTokens.TokenRefused refused) {
                return refused.getMessage();
            }
        }
        return Errors.rootMessage(e);
    }

    private JsonNode parse(String body) {
        try {
            return body.isBlank() ? null : json.readTree(body);
        } catch (Exception notJson) {
            return null;
        }
    }
}
