package io.leadflow.lead;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.platform.ConflictRetry;
import io.leadflow.platform.GoneException;
import io.leadflow.platform.Hashing;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.RateLimitSettings;
import io.leadflow.platform.RateLimiter;
import io.leadflow.platform.RetryOnConflict;

/** Capture (create or merge by address) and erasure. */
@Service
public class LeadService {

    private static final Logger log = LoggerFactory.getLogger(LeadService.class);

    private final LeadRepository leads;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final TransactionTemplate tx;
    private final LeadMetrics metrics;

    private final RateLimiter rateLimiter;
    private final RateLimitSettings rateLimits;
    private final Leads transitions;
    private final Suppressions suppressions;

    LeadService(LeadRepository leads, ApplicationEventPublisher events, Clock clock, TransactionTemplate tx,
            LeadMetrics metrics, RateLimiter rateLimiter, RateLimitSettings rateLimits, Leads transitions,
            Suppressions suppressions) {
        this.transitions = transitions;
        this.suppressions = suppressions;
        this.rateLimiter = rateLimiter;
        this.rateLimits = rateLimits;
        this.leads = leads;
        this.events = events;
        this.clock = clock;
        this.tx = tx;
        this.metrics = metrics;
    }

    public record CaptureResult(String id, Lead.Consent consent, boolean created) {
    }

    /**
     * Stores a submission and publishes {@link LeadCaptured} in the same transaction, so that the listeners'
     * writes (ledger, process start) commit with it or not at all.
     */
    public CaptureResult capture(CaptureRequest request, CaptureContext context) {
        LeadValidator.CleanCapture clean = LeadValidator.validate(request);
        rateLimiter.acquire("address:" + clean.email(), rateLimits.perAddressPerHour(), Duration.ofHours(1),
                "submissions for this address");
        // A returning lead's submission is engagement that may meet its busy journey: run again on a lost update.
        return ConflictRetry.retrying("LeadService.capture", () -> {
            try {
                return tx.execute(s -> captureOnce(clean, context));
            } catch (DuplicateKeyException raced) {
                // Two submissions of one new address at once: the other one created the lead, so merge into it.
                return tx.execute(s -> captureOnce(clean, context));
            }
        });
    }

    private CaptureResult captureOnce(LeadValidator.CleanCapture clean, CaptureContext context) {
        Instant now = clock.instant();
        Optional<Lead> existing = leads.findByEmail(clean.email());
        String id;
        boolean created;
        if (existing.isPresent()) {
            id = existing.get().id();
            if (context.anonymous()) {
                leads.fillBlanks(id, clean, now);
            } else {
                leads.merge(id, clean, now);
            }
            created = false;
        } else {
            id = UUID.randomUUID().toString();
            leads.insert(id, clean, now);
            created = true;
        }
        Lead lead = leads.get(id);
        if (lead.suppressedReason() == null) {
            // a listed address: the lead is kept (the form answers as for anyone), nothing is ever sent to it
            var listed = suppressions.reasonFor(clean.email());
            if (listed.isPresent()) {
                transitions.suppress(id, listed.get().name(), now);
                lead = leads.get(id);
                log.info("Lead {} captured with an address on the suppression list ({}): suppressed", id,
                        listed.get());
            }
        }
        events.publishEvent(new LeadCaptured(id, created, lead.consent(), clean.consentText(), context));
        if (created) {
            metrics.captured();
        }
        log.info("Lead {} {} from form {}", id, created ? "created" : "merged", context.formId());
        return new CaptureResult(id, lead.consent(), created);
    }

    /** A lead as the API shows it: 404 when unknown, 410 once erased. */
    public Lead view(String id) {
        Lead lead = leads.find(id).orElseThrow(() -> new NotFoundException("No lead with id " + id));
        if (lead.erased()) {
            throw new GoneException("Lead " + id + " was erased");
        }
        return lead;
    }

    /**
     * Anonymises a lead a retention rule no longer lets us keep: the person's data goes everywhere, as with
     * {@link #erase}, while the row stays as an anonymous statistic (stage, dates, scores, source and campaign), so
     * funnel counts do not change. False when the lead was erased already.
     */
    @Transactional
    @RetryOnConflict
    public boolean anonymise(String id, String rule) {
        return eraseLocked(id, true, LeadErased.RETENTION, "rule " + rule);
    }

    /** Erases the person everywhere: our row here, the other modules' data through {@link LeadErased}. */
    @Transactional
    @RetryOnConflict
    public void erase(String id, String cause) {
        eraseLocked(id, false, cause, null);
    }

    /** The erasure both kinds share, under the lead's row lock; false when the lead was erased already. */
    private boolean eraseLocked(String id, boolean keepCampaign, String cause, String detail) {
        Lead lead = leads.lock(id).orElseThrow(() -> new NotFoundException("No lead with id " + id));
        if (lead.erased()) {
            return false;
        }
        String addressHash = lead.email() == null ? null : Hashing.sha256(lead.email());
        leads.erase(id, clock.instant(), keepCampaign);
        suppressions.forgetAddress(addressHash);
        events.publishEvent(new LeadErased(id, addressHash, cause, detail));
        log.info("Lead {} {} ({}{})", id, keepCampaign ? "anonymised" : "erased", cause,
                detail == null ? "" : ", " + detail);
        return true;
    }
}
