package io.leadflow.account;

import java.util.List;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import io.leadflow.lead.LeadCaptured;
import io.leadflow.lead.LeadErased;
import io.leadflow.lead.Leads;

/** A new lead is placed in its account in the transaction that captured it; an erased one leaves its account. */
@Component
class AccountEvents {

    private final Accounts accounts;
    private final Leads leads;

    AccountEvents(Accounts accounts, Leads leads) {
        this.accounts = accounts;
        this.leads = leads;
    }

    @EventListener
    void onCaptured(LeadCaptured captured) {
        if (captured.created()) {
            leads.find(captured.leadId()).ifPresent(lead -> accounts.place(
                    List.of(new Accounts.Candidate(lead.id(), lead.email(), lead.company()))));
        }
    }

    @EventListener
    void onErased(LeadErased erased) {
        accounts.forget(erased.leadId());
    }
}
