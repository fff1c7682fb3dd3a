package io.leadflow.channel.email;

import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.leadflow.channel.email.BounceParser.Kind;
import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.lead.Suppressions;

/**
 * Acts on what a provider's webhook reported, once its signature or credentials were checked: bounces and complaints
 * become the same rows and suppressions as the bounce mailbox's ({@link BounceHandler}), unsubscribes the same
 * unsubscribe as a click on our link ({@link UnsubscribeRequests}).
 * <p>
 * The lead is the one whose address the event names: the provider proved who it is, so unlike a report in the
 * bounce mailbox the event need not quote one of our emails. When it does quote one (its Message-ID), the outcome is
 * told of that email. An address no lead has is counted and logged, and nothing is stored. Each event is applied in
 * a transaction of its own, so a delivery that failed half-way is applied again whole when the provider retries it,
 * and what it applied before changes nothing the second time.
 */
@Component
class ProviderFeedback {

    private static final Logger log = LoggerFactory.getLogger(ProviderFeedback.class);
    static final String METRIC = "leadflow.emails.feedback";
    static final String UNKNOWN_ADDRESS = "unknown-address";

    private final Leads leads;
    private final Suppressions suppressions;
    private final BounceHandler bounces;
    private final UnsubscribeRequests unsubscribes;
    private final SentEmailIds ids;
    private final EmailOutbox outbox;
    private final MeterRegistry registry;

    ProviderFeedback(Leads leads, BounceHandler bounces, UnsubscribeRequests unsubscribes, SentEmailIds ids,
            EmailOutbox outbox, MeterRegistry registry, Suppressions suppressions) {
        this.suppressions = suppressions;
        this.leads = leads;
        this.bounces = bounces;
        this.unsubscribes = unsubscribes;
        this.ids = ids;
        this.outbox = outbox;
        this.registry = registry;
    }

    void applyAll(List<FeedbackEvent> events) {
        events.forEach(this::apply);
    }

    void apply(FeedbackEvent event) {
        String eventId = BounceHandler.fitted(event.provider() + ":" + event.eventId());
        if (event.kind() == FeedbackEvent.Kind.IGNORED) {
            count(event.provider(), event.kind().tag());
            log.debug("{} event {} ({}) asks nothing of Leadflow", event.provider(), eventId, event.detail());
            return;
        }
        Optional<Lead> lead = Optional.ofNullable(event.recipient()).flatMap(leads::findByEmail)
                .filter(l -> !l.erased());
        if (lead.isEmpty()) {
            count(event.provider(), UNKNOWN_ADDRESS);
            Suppressions.Reason reason = switch (event.kind()) {
                case HARD_BOUNCE -> Suppressions.Reason.BOUNCED;
                case COMPLAINT -> Suppressions.Reason.COMPLAINED;
                case UNSUBSCRIBE -> Suppressions.Reason.UNSUBSCRIBED;
                default -> null;
            };
            if (reason != null) {
                // an erased person's address, or one a form may bring later: listed by its hash only
                suppressions.listHashOf(event.recipient(), reason, "provider " + event.provider());
            }
            // never the address itself: logs hold no personal data
            log.info("{} event {} ({} {}) names an address no lead has: {}", event.provider(), eventId,
                    event.kind(), event.detail(), reason == null ? "nothing stored" : "its hash is on the suppression list");
            return;
        }
        Optional<EmailOutbox.Row> email = ourEmail(event.ourMessageId());
        if (email.isPresent() && email.get().toStaff()) {
            count(event.provider(), FeedbackEvent.Kind.IGNORED.tag());
            log.info("{} event {} is about a notification to staff (email {}): the lead is left as she is",
                    event.provider(), eventId, email.get().id());
            return;
        }
        String leadId = lead.get().id();
        // a Message-ID of ours on another lead's email (a forward): hers is the address, not that email
        String emailId = email.filter(e -> e.leadId().equals(leadId)).map(EmailOutbox.Row::id).orElse(null);
        count(event.provider(), event.kind().tag());
        try {
            switch (event.kind()) {
                case UNSUBSCRIBE -> unsubscribes.unsubscribeByProvider(leadId, emailId, event.provider(), eventId);
                case HARD_BOUNCE, SOFT_BOUNCE, COMPLAINT -> {
                    String emailKey = event.ourMessageId() != null && emailId != null ? event.ourMessageId()
                            : event.providerMessageId() == null ? null
                                    : event.provider() + ":" + event.providerMessageId();
                    if (!bounces.recordFromProvider(leadId, emailId, bounceKind(event.kind()), event.detail(), eventId,
                            emailKey)) {
                        log.debug("{} event {} was applied before", event.provider(), eventId);
                    }
                }
                default -> throw new IllegalStateException("unhandled kind " + event.kind());
            }
        } catch (DuplicateKeyException appliedInParallel) {
            log.debug("{} event {} was applied by a parallel delivery", event.provider(), eventId);
        }
    }

    private Optional<EmailOutbox.Row> ourEmail(String messageId) {
        return ids.rowOfMessageId(messageId).flatMap(outbox::findIfAny);
    }

    private static Kind bounceKind(FeedbackEvent.Kind kind) {
        return switch (kind) {
            case HARD_BOUNCE -> Kind.HARD;
            case SOFT_BOUNCE -> Kind.SOFT;
            case COMPLAINT -> Kind.COMPLAINT;
            default -> throw new IllegalArgumentException(kind + " is no bounce");
        };
    }

    /** Registered on first use: a provider that is never configured shows no series. */
    private void count(String provider, String kind) {
        Counter.builder(METRIC)
                .description("Events email service providers reported by webhook, by what they meant for Leadflow")
                .tag("provider", provider).tag("kind", kind).register(registry).increment();
    }
}
