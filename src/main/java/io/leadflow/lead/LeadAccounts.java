package io.leadflow.lead;

import java.util.Optional;

/**
 * The account a lead belongs to, for the lead's own views ({@code GET /api/leads/{id}}, its timeline). The account
 * module answers it; the lead module does not know how leads are grouped.
 */
public interface LeadAccounts {

    /** The lead's account id, or empty when it has none (a free-mail address no account claims). */
    Optional<String> accountOf(String leadId);
}
