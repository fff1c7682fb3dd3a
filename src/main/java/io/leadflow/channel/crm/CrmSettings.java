package io.leadflow.channel.crm;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where and how leads are pushed to the CRM (docs/api.md §7).
 *
 * @param baseUrl        the CRM's API root (defaults to the built-in sandbox CRM)
 * @param leadsPath      appended to {@code baseUrl} for the push ({@code generic} preset)
 * @param idField        the field of a 2xx answer that holds the CRM's id for the lead, or a JSON pointer
 *                       ({@code /data/id}) ({@code generic} preset)
 * @param connectTimeout kept well below the job executor's lock time
 * @param readTimeout    likewise
 * @param auth           how Leadflow signs in to the CRM
 * @param webhookSecret  key of the inbound webhook signature (≥32 bytes in prod)
 * @param retry          how often and how far apart a push the CRM could not take is tried again
 * @param preset         the CRM's API: {@code generic}, {@code salesforce} or {@code hubspot}
 * @param mapping        our field → the CRM's field, with formats ({@link CrmMapping}); replaces the preset's
 * @param constants      {@code <CRM field>=<value>} sent with every lead
 * @param salesforce     settings of the {@code salesforce} preset
 */
@ConfigurationProperties("leadflow.crm")
public record CrmSettings(URI baseUrl, String leadsPath, String idField, Duration connectTimeout,
        Duration readTimeout, Auth auth, String webhookSecret, Retry retry, CrmPreset preset,
        Map<String, String> mapping, List<String> constants, Salesforce salesforce) {

    public CrmSettings {
        leadsPath = leadsPath == null ? "/leads" : leadsPath;
        idField = idField == null || idField.isBlank() ? "id" : idField;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        readTimeout = readTimeout == null ? Duration.ofSeconds(10) : readTimeout;
        auth = auth == null ? new Auth(AuthType.none, null, null, null, null, null, null, null) : auth;
        retry = retry == null ? new Retry(null, null, null, null) : retry;
        preset = preset == null ? CrmPreset.generic : preset;
        mapping = mapping == null ? Map.of() : mapping;
        constants = constants == null ? List.of() : constants;
        salesforce = salesforce == null ? new Salesforce(null, null, null) : salesforce;
    }

    public enum AuthType { none, bearer, basic, oauth2 }

    /**
     * {@code bearer}: {@code token}; {@code basic}: {@code username}, {@code password}; {@code oauth2} (client
     * credentials): {@code tokenUri}, {@code clientId}, {@code clientSecret}, optional {@code scope}. The OAuth token
     * is cached until it expires and fetched again once when the CRM answers 401.
     */
    public record Auth(AuthType type, String token, String username, String password, URI tokenUri, String clientId,
            String clientSecret, String scope) {

        public Auth {
            type = type == null ? AuthType.none : type;
            if (type == AuthType.oauth2 && (tokenUri == null || blank(clientId) || blank(clientSecret))) {
                throw new IllegalArgumentException("leadflow.crm.auth.type=oauth2 needs leadflow.crm.auth.token-uri,"
                        + " .client-id and .client-secret (client credentials grant)");
            }
        }

        private static boolean blank(String s) {
            return s == null || s.isBlank();
        }
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

    /**
     * @param apiVersion      e.g. {@code v61.0}
     * @param object          the sObject, {@code Lead}
     * @param externalIdField the External ID field holding our lead id, e.g. {@code Leadflow_Id__c}
     */
    public record Salesforce(String apiVersion, String object, String externalIdField) {

        public Salesforce {
            apiVersion = apiVersion == null ? "v61.0" : apiVersion.startsWith("v") ? apiVersion : "v" + apiVersion;
            object = object == null ? "Lead" : object;
            externalIdField = externalIdField == null ? "Leadflow_Id__c" : externalIdField;
        }
    }

    URI leadsUri() {
        return CrmPreset.join(baseUrl, leadsPath);
    }
}
