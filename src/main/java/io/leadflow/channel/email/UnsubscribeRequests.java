package io.leadflow.channel.email;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Unsubscribe requests that arrive by email: the {@code mailto:} alternative of {@code List-Unsubscribe} sends a
 * message whose subject is {@code unsubscribe <token>}, the token of the email's one-click link.
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
