package io.leadflow.consent;

import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.lead.LeadAccess;
import io.leadflow.lead.Leads;

@RestController
class ConsentController {

    private final ConsentLedger ledger;
    private final Leads leads;

    ConsentController(ConsentLedger ledger, Leads leads) {
        this.ledger = ledger;
        this.leads = leads;
    }

    @GetMapping("/api/leads/{id}/consent")
    List<ConsentLedger.Entry> history(@PathVariable String id, Authentication user) {
        LeadAccess.check(leads, id, user);
        return ledger.entries(id);
    }

    @GetMapping("/api/consent/verify")
    ConsentLedger.Verification verify() {
        return ledger.verify();
    }
}
