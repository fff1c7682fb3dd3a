package io.leadflow.channel.email;

import java.util.Locale;

/**
 * One thing a provider's webhook says about one recipient, in our words: what each provider calls a hard bounce, a
 * complaint or an unsubscribe differs, what Leadflow does about it does not ({@link ProviderFeedback}).
 *
 * @param provider          {@code ses}, {@code sendgrid} or {@code postmark}
 * @param kind              what it means for the lead
 * @param eventId           the provider's id of the delivery or event (SNS {@code MessageId}, {@code sg_event_id},
 *                          Postmark's {@code ID} and record type): the same event delivered again has the same id
 * @param recipient         the address it is about; null for an ignored event that names none
 * @param ourMessageId      the {@code Message-ID} of our email, when the event quotes it
 * @param providerMessageId the provider's own id of the email, when it gives one: several events about one email
 *                          (repeated deferrals) are one soft bounce
 * @param detail            the provider's status or type ({@code 5.1.1}, {@code abuse}, {@code deferred}), for the
 *                          bounce row and the logs; never an address
 */
record FeedbackEvent(String provider, Kind kind, String eventId, String recipient, String ourMessageId,
        String providerMessageId, String detail) {

    enum Kind {
        HARD_BOUNCE, SOFT_BOUNCE, COMPLAINT, UNSUBSCRIBE,
        /** Said nothing Leadflow acts on (a delivery, a deferral, an open): acknowledged and counted. */
        IGNORED;

        /** The metric tag: {@code hard-bounce}, {@code unsubscribe}… */
        String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static FeedbackEvent ignored(String provider, String eventId, String detail) {
        return new FeedbackEvent(provider, Kind.IGNORED, eventId, null, null, null, detail);
    }
}
