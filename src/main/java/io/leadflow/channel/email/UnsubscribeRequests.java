package io.leadflow.channel.email;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Unsubscribe requests that reach the email channel rather than the consent pages: by email (the {@code mailto:}
 * alternative of {@code List-Unsubscribe} sends a message whose subject is {@code unsubscribe <token>}, the token of
 * the email's one-click link), or from an email service provider's webhook, whose own unsubscribe link the person
 * used. The consent module answers them, as it answers a click on our link.
 */
public interface UnsubscribeRequests {

    String SUBJECT_WORD = "unsubscribe";

    /** Tokens are URL-safe Base64; replies may prefix the subject ("Re:", "AW:") or wrap it in spaces. */
    Pattern SUBJECT = Pattern.compile("(?i)^\\s*(?:[a-z]{2,3}:\\s*)*" + SUBJECT_WORD + "\\s+([A-Za-z0-9_-]{16,100})\\s*$");

    /**
     * Unsubscribes the lead of this token, as the one-click link would; false for an unknown token.
     *
     * @param sender the address the request came from, kept in the consent ledger as its proof
     */
    boolean unsubscribeByEmail(String token, String sender);

    /**
     * Unsubscribes the lead as the one-click link would, because an email service provider reported that she
     * unsubscribed through it; a lead unsubscribed before stays as she is. False for an unknown or erased lead.
     *
     * @param emailId  our email she unsubscribed from, when the provider quoted it; null: her latest
     * @param provider the provider that reported it ({@code sendgrid}), kept in the consent ledger
     * @param eventId  the provider's id of the event, kept in the consent ledger as its proof
     */
    boolean unsubscribeByProvider(String leadId, String emailId, String provider, String eventId);

    /** The token an unsubscribe request's subject carries, if it is one. */
    static Optional<String> tokenInSubject(String subject) {
        if (subject == null) {
            return Optional.empty();
        }
        Matcher m = SUBJECT.matcher(subject);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The token of a link {@code /optin/unsubscribe?token=…}, or null. */
    static String tokenOf(String unsubscribeLink) {
        int at = unsubscribeLink == null ? -1 : unsubscribeLink.indexOf("token=");
        return at < 0 ? null : unsubscribeLink.substring(at + "token=".length());
    }
}
