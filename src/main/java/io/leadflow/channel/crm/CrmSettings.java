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
 */
@ConfigurationProperties("leadflow.crm")
public record CrmSettings(URI baseUrl, String leadsPath, String idField, Duration connectTimeout,
        Duration readTimeout, Auth auth, String webhookSecret) {

    public CrmSettings {
        if (auth != null && auth.type() == AuthType.oauth2) {
            throw new IllegalArgumentException(
                    "leadflow.crm.auth.type=oauth2 is not available yet: use none, bearer or basic");
        }
    }

    public enum AuthType { none, bearer, basic, oauth2 }

    public record Auth(AuthType type, String token, String username, String password) {
    }

    URI leadsUri() {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + leadsPath);
    }
}
