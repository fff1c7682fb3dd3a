package io.leadflow.consent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.channel.email.EmailLinks;
import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.channel.email.EmailSent;
import io.leadflow.channel.email.MailTemplates;
import io.leadflow.channel.email.UnsubscribeRequests;
import io.leadflow.consent.ConsentLedger.Event;
import io.leadflow.consent.ConsentTokens.Purpose;
import io.leadflow.lead.Lead;
import io.leadflow.lead.Lead.Consent;
import io.leadflow.lead.LeadCaptured;
import io.leadflow.lead.LeadErased;
import io.leadflow.lead.Leads;
import io.leadflow.platform.GoneException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.RetryOnConflict;

/**
 * Double opt-in from our side: the consent state in our table is the truth (a conditional PENDING → CONFIRMED
 * update answered at once); the {@code double-opt-in} process reads it around each of its waits.
 */
@Service
public class ConsentService implements EmailLinks, UnsubscribeRequests {

    private static final Logger log = LoggerFactory.getLogger(ConsentService.class);
    static final Duration UNSUBSCRIBE_LINK_VALIDITY = Duration.ofDays(3650);

    public enum ConfirmOutcome { CONFIRMED, ALREADY_CONFIRMED, GONE }

    /** How long the link of a retention email works; the retention notice decides the lead's fate before that. */
    static final Duration KEEP_LINK_VALIDITY = Duration.ofDays(365);

    private final Leads leads;
    private final ConsentTokens tokens;
    private final ConsentLedger ledger;
    private final EmailOutbox outbox;
    private final DoiSettings settings;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final Preferences preferences;

    ConsentService(Leads leads, ConsentTokens tokens, ConsentLedger ledger, EmailOutbox outbox,
            DoiSettings settings, ApplicationEventPublisher events, Clock clock, Preferences preferences) {
        this.preferences = preferences;
        this.leads = leads;
        this.tokens = tokens;
        this.ledger = ledger;
        this.outbox = outbox;
        this.settings = settings;
        this.events = events;
        this.clock = clock;
    }

    @EventListener
    void onCaptured(LeadCaptured captured) {
        Lead lead = leads.get(captured.leadId());
        var ctx = captured.context();
        ledger.append(lead.id(), Event.SUBMITTED, lead.email(), ctx.ip(), ctx.userAgent(), captured.consentText(),
                "form " + ctx.formId());
        if (!captured.created() && lead.consent() == Consent.PENDING) {
            resendConfirmationIfDue(lead);
        }
    }

    /** A pending person asking again gets at most one new confirmation per {@code resend-min-interval}. */
    private boolean resendConfirmationIfDue(Lead lead) {
        Instant now = clock.instant();
        Instant last = lead.confirmationSentAt() != null ? lead.confirmationSentAt() : lead.createdAt();
        if (Duration.between(last, now).compareTo(settings.resendMinInterval()) < 0) {
            return false;
        }
        leads.markConfirmationSent(lead.id(), now);
        outbox.enqueue(lead.id(), MailTemplates.CONFIRMATION + ":resend:" + now.toEpochMilli(), MailTemplates.CONFIRMATION);
        return true;
    }

    /** Whether the lead has confirmed, reading under a row lock so a racing confirmation is never missed. */
    @Transactional
    public boolean isConfirmed(String leadId) {
        return leads.lock(leadId).map(l -> l.consent() == Consent.CONFIRMED).orElse(false);
    }

    @Transactional
    @RetryOnConflict
    public ConfirmOutcome confirm(String token, String ip, String userAgent) {
        Instant now = clock.instant();
        Optional<ConsentTokens.Token> found = tokens.find(token, Purpose.CONFIRM);
        if (found.isEmpty()) {
            return ConfirmOutcome.GONE;
        }
        ConsentTokens.Token t = found.get();
        Lead lead = leads.lock(t.leadId()).orElse(null);
        if (lead == null || lead.erased()) {
            return ConfirmOutcome.GONE;
        }
        if (lead.consent() == Consent.CONFIRMED) {
            return ConfirmOutcome.ALREADY_CONFIRMED;
        }
        if (t.expiresAt().isBefore(now) || lead.consent() != Consent.PENDING) {
            return ConfirmOutcome.GONE;
        }
        leads.confirmConsent(lead.id(), now);
        tokens.markUsed(t.hash(), now);
        ledger.append(lead.id(), Event.CONFIRMED, lead.email(), ip, userAgent, lead.consentText(), null);
        events.publishEvent(new ConsentConfirmed(lead.id()));
        log.info("Lead {} confirmed its address", lead.id());
        return ConfirmOutcome.CONFIRMED;
    }

    /**
     * Expiry from the process: PENDING → EXPIRED. False when the lead confirmed meanwhile, so the process takes
     * the confirmed path instead of erasing a confirmed person.
     */
    @Transactional
    public boolean expire(String leadId) {
        Instant now = clock.instant();
        Lead lead = leads.lock(leadId).orElse(null);
        if (lead == null || !leads.expireConsent(leadId, now)) {
            return false;
        }
        ledger.append(leadId, Event.EXPIRED, lead.email(), null, null, null, "not confirmed in time");
        return true;
    }

    /** Asks for a new link: always answers the same, sends only to a pending lead (rate limited by the resend rule). */
    @Transactional
    public void requestNewLink(String email) {
        leads.findByEmail(email).filter(l -> l.consent() == Consent.PENDING && !l.erased())
                .ifPresent(this::resendConfirmationIfDue);
    }

    /**
     * A marketer sends the confirmation email again to a lead that has not confirmed: {@code null} when it went to
     * the outbox, else why not (confirmed already, too soon after the last one, no longer pending).
     */
    @Transactional
    @RetryOnConflict
    public String resendConfirmation(String leadId) {
        Lead lead = leads.lock(leadId).orElseThrow(() -> new NotFoundException("No lead with id " + leadId));
        if (lead.erased()) {
            throw new GoneException("Lead " + leadId + " was erased");
        }
        if (lead.consent() != Consent.PENDING) {
            return "the lead's consent is " + lead.consent() + ", not PENDING: there is nothing to confirm";
        }
        return resendConfirmationIfDue(lead) ? null : "a confirmation went out less than "
                + settings.resendMinInterval() + " ago (leadflow.doi.resend-min-interval): try again later";
    }

    /**
     * The answer to a retention email ("keep me"): the ledger records the renewed consent and the retention module
     * closes its notice ({@link ConsentRenewed}). A second press answers {@code ALREADY_CONFIRMED}; an unknown,
     * expired or erased lead's link {@code GONE}, as does a lead that unsubscribed meanwhile.
     */
    @Transactional
    @RetryOnConflict
    public ConfirmOutcome keep(String token, String ip, String userAgent) {
        Instant now = clock.instant();
        Optional<ConsentTokens.Token> found = tokens.find(token, Purpose.KEEP);
        if (found.isEmpty() || found.get().expiresAt().isBefore(now)) {
            return ConfirmOutcome.GONE;
        }
        ConsentTokens.Token t = found.get();
        Lead lead = leads.lock(t.leadId()).orElse(null);
        if (lead == null || lead.erased() || lead.consent() != Consent.CONFIRMED) {
            return ConfirmOutcome.GONE;
        }
        if (t.usedAt() != null) {
            return ConfirmOutcome.ALREADY_CONFIRMED;
        }
        tokens.markUsed(t.hash(), now);
        ledger.append(lead.id(), Event.REPERMITTED, lead.email(), ip, userAgent, lead.consentText(),
                "retention email " + t.emailId());
        events.publishEvent(new ConsentRenewed(lead.id(), now));
        log.info("Lead {} renewed its consent", lead.id());
        return ConfirmOutcome.CONFIRMED;
    }

    /** The {@code mailto:} unsubscribe: the ledger keeps the sender where a click keeps the user agent. */
    @Override
    @Transactional
    @RetryOnConflict
    public boolean unsubscribeByEmail(String token, String sender) {
        return unsubscribe(token, null, "email from " + sender, "mailto request");
    }

    /**
     * Unsubscribes the lead of an unsubscribe link; false for an unknown link.
     *
     * @param channel how the person asked (one-click, preference centre, mailto), kept in the ledger
     */
    @Transactional
    @RetryOnConflict
    public boolean unsubscribe(String token, String ip, String userAgent, String channel) {
        Optional<ConsentTokens.Token> found = tokens.find(token, Purpose.UNSUBSCRIBE);
        if (found.isEmpty()) {
            return false;
        }
        Lead lead = leads.lock(found.get().leadId()).orElse(null);
        if (lead == null || lead.erased()) {
            return false;
        }
        unsubscribeLocked(lead, found.get().emailId(), ip, userAgent, channel);
        return true;
    }

    /**
     * An email service provider's webhook says the person unsubscribed through the provider's own link: the same
     * unsubscribe as a click on ours. The ledger names the provider and its event.
     */
    @Override
    @Transactional
    @RetryOnConflict
    public boolean unsubscribeByProvider(String leadId, String emailId, String provider, String eventId) {
        Lead lead = leads.lock(leadId).orElse(null);
        if (lead == null || lead.erased()) {
            return false;
        }
        unsubscribeLocked(lead, emailId, null, null, "provider " + provider + ", event " + eventId);
        return true;
    }

    /** Once: a lead unsubscribed before (or whose consent ended otherwise) is left as she is. */
    private void unsubscribeLocked(Lead lead, String emailId, String ip, String userAgent, String channel) {
        Instant now = clock.instant();
        if (leads.unsubscribe(lead.id(), now)) {
            outbox.recordOutcome(lead.id(), emailId, EmailOutbox.Outcome.UNSUBSCRIBED, now);
            ledger.append(lead.id(), Event.UNSUBSCRIBED, lead.email(), ip, userAgent, null, channel);
            events.publishEvent(new Unsubscribed(lead.id()));
            log.info("Lead {} unsubscribed by {}", lead.id(), channel);
        }
    }

    /** The lead behind an unsubscribe link, for the preference centre; empty for an unknown link. */
    public Optional<String> leadOfUnsubscribeLink(String token) {
        return tokens.find(token, Purpose.UNSUBSCRIBE).map(ConsentTokens.Token::leadId)
                .filter(id -> leads.find(id).map(l -> !l.erased()).orElse(false));
    }

    /** Saves topics and frequency chosen in the preference centre; false for an unknown link. */
    @Transactional
    @RetryOnConflict
    public boolean savePreferences(String token, Preferences.Choice choice, String ip, String userAgent) {
        Optional<String> leadId = leadOfUnsubscribeLink(token);
        if (leadId.isEmpty()) {
            return false;
        }
        preferences.save(leadId.get(), choice, clock.instant());
        ledger.append(leadId.get(), Event.PREFERENCES_CHANGED, null, ip, userAgent, null,
                "topics=" + String.join(",", choice.topics()) + ";frequency=" + choice.frequency());
        return true;
    }

    @EventListener
    void onEmailSent(EmailSent sent) {
        Event event = switch (sent.template()) {
            case MailTemplates.CONFIRMATION -> Event.EMAIL_SENT;
            case MailTemplates.REMINDER -> Event.REMINDED;
            case MailTemplates.REPERMISSION -> Event.REPERMISSION_SENT;
            default -> null;
        };
        if (event != null) {
            ledger.append(sent.leadId(), event, sent.address(), null, null, null, sent.purpose());
        }
    }

    @EventListener
    void onErased(LeadErased erased) {
        tokens.deleteFor(erased.leadId());
        ledger.eraseRawValues(erased.leadId());
        if (LeadErased.RETENTION.equals(erased.cause())) {
            ledger.append(erased.leadId(), Event.RETAINED_EXPIRED, null, null, null, null, erased.detail());
        } else {
            ledger.append(erased.leadId(), Event.ERASED, null, null, null, null, erased.cause());
        }
    }

    /** Links for the email being rendered now: a fresh confirmation token and the unsubscribe link. */
    @Override
    public Map<String, String> linksFor(Lead lead, String template, String emailId) {
        Instant now = clock.instant();
        Map<String, String> links = new HashMap<>();
        if (MailTemplates.isDoubleOptIn(template)) {
            links.put("confirmUrl", "/optin/confirm?token=" + tokens.issue(lead.id(), Purpose.CONFIRM, now,
                    settings.tokenValidFor(), emailId));
        }
        if (MailTemplates.REPERMISSION.equals(template)) {
            links.put("keepUrl", "/optin/keep?token=" + tokens.issue(lead.id(), Purpose.KEEP, now, KEEP_LINK_VALIDITY,
                    emailId));
        }
        links.put("unsubscribeUrl", "/optin/unsubscribe?token=" + tokens.issue(lead.id(), Purpose.UNSUBSCRIBE, now,
                UNSUBSCRIBE_LINK_VALIDITY, emailId));
        return links;
    }
}
