package io.leadflow.channel.crm;

import java.time.Duration;
import java.util.Optional;

/**
 * The CRM could not take the lead now (429, 5xx, timeout, connection refused or reset, or a refusal of our request
 * such as 401 or 404): the push is tried again
 * later, after the CRM's {@code Retry-After} when it gave one, else after the back-off of {@code leadflow.crm.retry}.
 */
public class CrmUnavailable extends RuntimeException {

    /** Why the CRM could not take the lead; also the {@code class} tag of the failure metric. */
    public enum Kind {
        THROTTLED("throttled"), SERVER_ERROR("server-error"), TIMEOUT("timeout"), CONNECTION("connection"),
        /** another refusal of the request rather than the lead (401, 403, 404 …): a setting to fix */
        REFUSED("refused");

        private final String tag;

        Kind(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    private final Kind kind;
    private final Duration retryAfter;
    private final String failureId;

    public CrmUnavailable(Kind kind, String message, Duration retryAfter, Throwable cause) {
        this(kind, message, retryAfter, cause, null);
    }

    CrmUnavailable(Kind kind, String message, Duration retryAfter, Throwable cause, String failureId) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.failureId = failureId;
    }

    /** The entry of {@code GET /api/crm/failures} that records this fault, if it could be recorded. */
    public Optional<String> failureId() {
        return Optional.ofNullable(failureId);
    }

    public Kind kind() {
        return kind;
    }

    /** The wait the CRM asked for with {@code Retry-After}, if any. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
