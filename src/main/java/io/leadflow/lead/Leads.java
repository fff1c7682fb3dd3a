package io.leadflow.lead;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.stereotype.Component;

import io.leadflow.lead.Lead.Consent;
import io.leadflow.lead.Lead.Stage;

/**
 * The lead module's door for every other module: reads of leads and each change of a lead's state, by name. Stage
 * and consent move only through {@link Transition}'s table. Every method runs in the caller's transaction; the row
 * lock of {@link #lock} is the one journeys and changes synchronise on.
 */
@Component
public class Leads {

    /** The column holding when a lead first entered each funnel stage after NEW (NEW is {@code created_at}). */
    public static final Map<Stage, String> FIRST_ENTRY = LeadRepository.FIRST_ENTRY;

    private final LeadRepository repository;
    private final Suppressions suppressions;

    Leads(LeadRepository repository, Suppressions suppressions) {
        this.repository = repository;
        this.suppressions = suppressions;
    }

    public Optional<Lead> find(String id) {
        return repository.find(id);
    }

    /** These leads, those that exist, in no particular order (a query per 500 ids). */
    public List<Lead> findAll(Collection<String> ids) {
        return repository.findAll(ids);
    }

    /** The {@code limit} most engaged of these leads, erased ones left out (an account's leads, for one). */
    public List<Lead> mostEngaged(Collection<String> ids, int limit) {
        return repository.mostEngaged(ids, limit);
    }

    /** The lead, which the caller knows exists (an id from its own table or a process). */
    public Lead get(String id) {
        return repository.get(id);
    }

    public Optional<Lead> findByEmail(String email) {
        return repository.findByEmail(email);
    }

    /**
     * Other leads, neither erased nor disqualified, with the same first name, last name and company as this one (case
     * and spaces aside):
     * maybe the same person under a second address. At most {@code limit}, the oldest first.
     */
    public List<Lead> sameNameAndCompany(Lead lead, int limit) {
        return repository.sameNameAndCompany(lead, limit);
    }

    /** The lead the CRM knows under this id (the one its push answered with). */
    public Optional<Lead> findByCrmId(String crmId) {
        return repository.findByCrmId(crmId);
    }

    /**
     * The lead, its row locked until the transaction ends. Whoever changes a lead's consent, score or stage, and every
     * journey step that ends in a wait for one of those changes, takes this first: the step and the change then see
     * each other whole, never half-way, on one node or several.
     */
    public Optional<Lead> lock(String id) {
        return repository.lock(id);
    }

    /** Leads of that consent, not erased, after {@code afterId} in id order: keyset pages for long scans. */
    public List<Lead> page(Consent consent, String afterId, int size) {
        return repository.page(consent, afterId, size);
    }

    public long count(Consent consent) {
        return repository.count(consent);
    }

    /** Those of these leads that were erased. */
    public Set<String> erasedAmong(Collection<String> ids) {
        return repository.erasedAmong(ids);
    }

    // --- stage ---------------------------------------------------------------------------------------------------

    /** Its first nurture journey started: NEW → NURTURE. */
    public boolean enterNurture(String id, Instant now) {
        return move(id, Transition.ENTER_NURTURE, now);
    }

    /** The scoring decision says MQL. */
    public boolean qualify(String id, Instant now) {
        return move(id, Transition.QUALIFY, now);
    }

    /** Sales accepted the handoff (SAL). */
    public boolean acceptBySales(String id, Instant now) {
        return move(id, Transition.ACCEPT_BY_SALES, now);
    }

    /** Sales qualified the lead as an opportunity (SQL). */
    public boolean convert(String id, Instant now) {
        return move(id, Transition.CONVERT, now);
    }

    /** Sales rejected the lead back to marketing. */
    public boolean recycle(String id, Instant now) {
        return move(id, Transition.RECYCLE, now);
    }

    public boolean disqualify(String id, Instant now) {
        return move(id, Transition.DISQUALIFY, now);
    }

    // --- consent -------------------------------------------------------------------------------------------------

    /** The person proved the address (or an import holds proof of opt-in). */
    public boolean confirmConsent(String id, Instant now) {
        return move(id, Transition.CONFIRM, now);
    }

    /** The confirmation link was not used in time. */
    public boolean expireConsent(String id, Instant now) {
        return move(id, Transition.EXPIRE, now);
    }

    /** The person unsubscribed: the consent ends and the address is suppressed for every later email. */
    public boolean unsubscribe(String id, Instant now) {
        if (!move(id, Transition.UNSUBSCRIBE, now)) {
            return false;
        }
        suppress(id, "UNSUBSCRIBED", now);
        return true;
    }

    /**
     * No email goes to this address any more (a hard bounce, a complaint); the first reason stays. The address joins
     * the {@linkplain Suppressions suppression list}, which outlives the lead's erasure.
     */
    public void suppress(String id, String reason, Instant now) {
        repository.suppress(id, reason, now);
        repository.find(id).ifPresent(lead -> suppressions.recordLead(lead.email(), reason, now));
    }

    public void markConfirmationSent(String id, Instant now) {
        repository.markConfirmationSent(id, now);
    }

    // --- what other modules record on the lead -------------------------------------------------------------------

    public void assign(String id, String team, String owner, Instant now) {
        repository.assign(id, team, owner, now);
    }

    public void linkCrmRecord(String id, String crmId) {
        repository.setCrmId(id, crmId);
    }

    public void recordScore(String id, int fit, double engagement, String grade, Instant now) {
        repository.updateScore(id, fit, engagement, grade, now);
    }

    /** Erased leads whose engine history has not been deleted yet. */
    public List<String> erasedAwaitingEnginePurge(int limit) {
        return repository.erasedAwaitingEnginePurge(limit);
    }

    public void markEnginePurged(String id, Instant now) {
        repository.markEnginePurged(id, now);
    }

    /**
     * Applies a transition of the table: true when this call moved the lead; false when it stays (already there, a
     * later state, erased or unknown); {@link IllegalTransition} when its state does not allow the transition.
     */
    boolean move(String id, Transition transition, Instant now) {
        if (repository.move(id, transition, now)) {
            return true;
        }
        Lead lead = repository.find(id).orElse(null);
        if (lead == null || lead.erased()) {
            return false;
        }
        Enum<?> state = transition.stateOf(lead);
        if (transition.effectOn(state) == Transition.Effect.ILLEGAL) {
            throw new IllegalTransition(id, transition, state);
        }
        return false;
    }
}
