package io.leadflow.channel.email;

import org.springframework.http.HttpStatus;

/**
 * A provider's webhook delivery that Leadflow does not act on, and the answer that says why: missing credentials
 * (401), a signature or credentials that do not hold (403), or a check that could not be made now (503, the provider
 * tries again). Its message speaks to the integrator who sets the webhook up.
 */
final class FeedbackRefused extends RuntimeException {

    private final HttpStatus status;

    private FeedbackRefused(HttpStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static FeedbackRefused unauthenticated(String message) {
        return new FeedbackRefused(HttpStatus.UNAUTHORIZED, message);
    }

    static FeedbackRefused forbidden(String message) {
        return new FeedbackRefused(HttpStatus.FORBIDDEN, message);
    }

    static FeedbackRefused unavailable(String message) {
        return new FeedbackRefused(HttpStatus.SERVICE_UNAVAILABLE, message);
    }

    HttpStatus status() {
        return status;
    }

    /**
     * A value the sender chose, fit to be repeated in an answer or a log line: cut short, without line breaks or
     * other control characters that could forge log lines.
     */
    static String quoted(String value) {
        if (value == null) {
            return "none";
        }
        String cut = value.length() > 200 ? value.substring(0, 200) + "…" : value;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
