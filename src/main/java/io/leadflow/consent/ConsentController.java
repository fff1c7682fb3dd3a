package io.leadflow.consent;

import java.util.List;
import java.util.Map;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.lead.LeadAccess;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ConflictException;

@RestController
class ConsentController {

    private final ConsentLedger ledger;
    private final Leads leads;
    private final ConsentService consent;

    ConsentController(ConsentLedger ledger, Leads leads, ConsentService consent) {
        this.ledger = ledger;
        this.leads = leads;
        this.consent = consent;
    }

    @GetMapping("/api/leads/{id}/consent")
    List<ConsentLedger.Entry> history(@PathVariable String id, Authentication user) {
        LeadAccess.check(leads, id, user);
        return ledger.entries(id);
    }

    /** The timeline's "resend the confirmation": {@code 202} when it went to the outbox, {@code 409} saying why not. */
    @PostMapping("/api/leads/{id}/resend-confirmation")
    ResponseEntity<Map<String, Object>> resend(@PathVariable String id) {
        String refused = consent.resendConfirmation(id);
        if (refused != null) {
            throw new ConflictException("Not sent: " + refused);
        }
        return ResponseEntity.accepted().body(Map.of("leadId", id, "queued", true));
    }

    @GetMapping("/api/consent/verify")
    ConsentLedger.Verification verify() {
        return ledger.verify();
    }
}
