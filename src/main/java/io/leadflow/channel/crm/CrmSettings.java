package io.leadflow.channel.crm;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where and how leads are pushed to the CRM (API.md §7).
 *
 * @param baseUrl        the CRM's API root (defaults to the built-in sandbox CRM)
 * @param leadsPath      appended to {@code baseUrl} for the push
 * @param idField        the field of a 2xx answer that holds the CRM's id for the lead
 * @param connectTimeout kept well below the job executor's lock time
 * @param readTimeout    likewise
 * @param webhookSecret  key of the inbound webhook signature (≥32 bytes in prod)
 * @param retry          how often and how far apart a push the CRM could not take is tried again
 */
@ConfigurationProperties("leadflow.crm")
public record CrmSettings(URI baseUrl, String leadsPath, String idField, Duration connectTimeout,
        Duration readTimeout, Auth auth, String webhookSecret, Retry retry) {

    public CrmSettings {
        retry = retry == null ? new Retry(5, Duration.ofMinutes(2), 2.0, Duration.ofHours(1)) : retry;
        if (auth != null && auth.type() == AuthType.oauth2) {
            throw new IllegalArgumentException(
                    "leadflow.crm.auth.type=oauth2 is not available yet: use none, bearer or basic");
        }
    }

    public enum AuthType { none, bearer, basic, oauth2 }

    public record Auth(AuthType type, String token, String username, String password) {
    }

    /**
     * Tries of one push and the waits between them: {@code initialBackoff}, then multiplied by {@code multiplier}
     * (defaults: 5 tries, 2 + 4 + 8 + 16 minutes apart, about half an hour). A {@code Retry-After} answer waits as
     * long as the CRM asked, at most {@code maxRetryAfter}. Then the push becomes an incident.
     */
    public record Retry(Integer maxAttempts, Duration initialBackoff, Double multiplier, Duration maxRetryAfter) {

        public Retry {
            maxAttempts = maxAttempts == null ? 5 : maxAttempts;
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("leadflow.crm.retry.max-attempts must be at least 1, not " + maxAttempts);
            }
            initialBackoff = initialBackoff == null ? Duration.ofMinutes(2) : initialBackoff;
            multiplier = multiplier == null || multiplier < 1 ? 2.0 : multiplier;
            maxRetryAfter = maxRetryAfter == null ? Duration.ofHours(1) : maxRetryAfter;
        }

        /** The wait after the given failed attempt (1-based). */
        public Duration backoffAfter(int attempt) {
            double factor = Math.pow(multiplier, Math.max(0, attempt - 1));
            return Duration.ofMillis((long) Math.min(Long.MAX_VALUE / 2.0, initialBackoff.toMillis() * factor));
        }

        /** The CRM's wish, within reason. */
        public Duration honour(Duration retryAfter) {
            return retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
        }
    }

    URI leadsUri() {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + leadsPath);
    }
}
