package io.leadflow.channel.crm;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadRepository;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
    private final Counter failures;

    CrmPushService(CrmGateway gateway, LeadRepository leads, CrmSettings settings, ObjectMapper json,
            MeterRegistry registry) {
        this.gateway = gateway;
        this.leads = leads;
        this.settings = settings;
        this.json = json;
        this.failures = Counter.builder("leadflow.crm.push.failures").description("CRM pushes that failed")
                .register(registry);
    }

    /** Returns the CRM's id for the lead. Safe to repeat: the CRM deduplicates on the idempotency key. */
    public String push(String leadId, String purpose) {
        Lead lead = leads.get(leadId);
        ResponseEntity<String> response;
        try {
            response = gateway.push(json.writeValueAsString(payload(lead)), leadId + ":" + purpose);
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            failures.increment();
            throw new CrmUnavailable("CRM at " + settings.leadsUri() + " unreachable for lead " + leadId + ": "
                    + Errors.rootMessage(e) + ". Check leadflow.crm.base-url and that the CRM is up; the push is retried.", e);
        }
        int status = response.getStatusCode().value();
        String body = response.getBody() == null ? "" : response.getBody();
        if (response.getStatusCode().is2xxSuccessful()) {
            String crmId = crmId(body);
            if (crmId != null) {
                leads.setCrmId(leadId, crmId);
            }
            log.info("Lead {} pushed to the CRM (id {})", leadId, crmId);
            return crmId;
        }
        failures.increment();
        String answer = body.substring(0, Math.min(500, body.length()));
        if (status == 400 || status == 409 || status == 422) {
            throw new CrmRejected(status, "CRM rejected lead " + leadId + " with " + status + ": " + answer);
        }
        throw new CrmUnavailable("CRM answered " + status + " for lead " + leadId + ": " + answer
                + ". The push is retried.", null);
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
