package io.leadflow.channel.crm;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadRepository;
import io.leadflow.platform.Errors;

/**
 * Pushes a lead to the CRM and sorts the answer: success (the CRM id is stored), a business rejection
 * ({@link CrmRejected}) or a fault worth retrying ({@link CrmUnavailable}).
 */
@Service
public class CrmPushService {

    private static final Logger log = LoggerFactory.getLogger(CrmPushService.class);

    private final CrmGateway gateway;
    private final LeadRepository leads;
    private final CrmSettings settings;
    private final ObjectMapper json;
    private final CrmMetrics metrics;
    private final CrmFailures failures;
    private final Clock clock;

    CrmPushService(CrmGateway gateway, LeadRepository leads, CrmSettings settings, ObjectMapper json,
            CrmMetrics metrics, CrmFailures failures, Clock clock) {
        this.failures = failures;
        this.gateway = gateway;
        this.leads = leads;
        this.settings = settings;
        this.json = json;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** {@link #push(String, String, String)} from no particular step. */
    public String push(String leadId, String purpose) {
        return push(leadId, purpose, null);
    }

    /**
     * Returns the CRM's id for the lead. Safe to repeat: the CRM deduplicates on the idempotency key. A failure is
     * recorded for {@code GET /api/crm/failures}, with {@code stepRef} naming where the push waits to be resumed.
     */
    public String push(String leadId, String purpose, String stepRef) {
        Lead lead = leads.get(leadId);
        long started = System.nanoTime();
        ResponseEntity<String> response;
        try {
            response = gateway.push(json.writeValueAsString(payload(lead)), leadId + ":" + purpose);
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            CrmUnavailable.Kind kind = timedOut(e) ? CrmUnavailable.Kind.TIMEOUT : CrmUnavailable.Kind.CONNECTION;
            metrics.failed(kind.tag(), started);
            CrmUnavailable fault = new CrmUnavailable(kind, "CRM at " + settings.leadsUri()
                    + (kind == CrmUnavailable.Kind.TIMEOUT ? " did not answer within " + settings.readTimeout()
                            : " unreachable") + " for lead " + leadId + ": " + Errors.rootMessage(e)
                    + ". Check leadflow.crm.base-url and that the CRM is up; the push is retried.", null, e);
            failures.record(leadId, purpose, stepRef, kind.name(), null, Errors.rootMessage(e), fault.getMessage());
            throw fault;
        }
        int status = response.getStatusCode().value();
        String body = response.getBody() == null ? "" : response.getBody();
        if (response.getStatusCode().is2xxSuccessful()) {
            String crmId = crmId(body);
            if (crmId != null) {
                leads.setCrmId(leadId, crmId);
            }
            metrics.pushed(started);
            failures.resolve(leadId, purpose);
            log.info("Lead {} pushed to the CRM (id {})", leadId, crmId);
            return crmId;
        }
        String answer = body.substring(0, Math.min(500, body.length()));
        if (status == 400 || status == 409 || status == 422) {
            metrics.failed("rejected", started);
            CrmRejected rejected = new CrmRejected(status, "CRM rejected lead " + leadId + " with " + status + ": "
                    + answer + ". Fix the lead, the CRM or leadflow.crm.mapping, then replay the push.");
            failures.record(leadId, purpose, stepRef, "REJECTED", status, answer, rejected.getMessage());
            throw rejected;
        }
        Duration retryAfter = RetryAfter.parse(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER), clock.instant());
        CrmUnavailable.Kind kind = status == 429 || status == 503 ? CrmUnavailable.Kind.THROTTLED
                : CrmUnavailable.Kind.SERVER_ERROR;
        metrics.failed(kind.tag(), started);
        CrmUnavailable fault = new CrmUnavailable(kind, "CRM answered " + status + " for lead " + leadId + ": "
                + answer + (retryAfter == null ? ". The push is retried." : ". The push is retried after " + retryAfter
                        + " (Retry-After)."), retryAfter, null);
        failures.record(leadId, purpose, stepRef, kind.name(), status, answer, fault.getMessage());
        throw fault;
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.net.http.HttpTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private Map<String, Object> payload(Lead lead) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("leadId", lead.id());
        p.put("email", lead.email());
        p.put("firstName", lead.firstName());
        p.put("lastName", lead.lastName());
        p.put("company", lead.company());
        p.put("jobTitle", lead.jobTitle());
        p.put("industry", lead.industry());
        p.put("companySize", lead.companySize());
        p.put("country", lead.country());
        p.put("phone", lead.phone());
        p.put("source", lead.source());
        p.put("grade", lead.grade());
        p.put("fitScore", lead.fitScore());
        p.put("engagementScore", lead.engagementScore());
        p.put("team", lead.team());
        p.put("owner", lead.owner());
        return p;
    }

    private String crmId(String body) {
        try {
            JsonNode node = json.readTree(body);
            JsonNode id = node == null ? null : node.get(settings.idField());
            return id == null || id.isNull() ? null : id.asText();
        } catch (Exception e) {
            return null;
        }
    }

}
