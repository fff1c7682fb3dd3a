package io.leadflow.lead;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

import io.leadflow.platform.NotFoundException;

/** docs/api.md §1: a sales rep without a wider role reads only the leads of the handoffs they own. */
public final class LeadAccess {

    private LeadAccess() {
    }

    public static boolean mayRead(Lead lead, Authentication user) {
        return readsEveryLead(user) || user.getName().equals(lead.owner());
    }

    /** Whether the user has a role wider than a sales rep's, one that reads every lead. */
    public static boolean readsEveryLead(Authentication user) {
        return user.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .anyMatch(a -> a.equals("ROLE_ADMIN") || a.equals("ROLE_MARKETER") || a.equals("ROLE_SALES_MANAGER")
                        || a.equals("ROLE_QUALIFIER"));
    }

    /** Answers another rep's lead as unknown (404), so ids of other people's leads cannot be probed. */
    public static void check(Leads leads, String leadId, Authentication user) {
        Lead lead = leads.find(leadId).orElseThrow(() -> new NotFoundException("No lead with id " + leadId));
        if (!mayRead(lead, user)) {
            throw new NotFoundException("No lead with id " + leadId);
        }
    }
}
