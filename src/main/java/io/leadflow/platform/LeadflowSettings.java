package io.leadflow.platform;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings shared by every module.
 *
 * @param publicUrl the only base used for links in emails (never the request's Host header)
 * @param secret    key for the HMACs of the consent ledger and for signed links; at least 32 bytes in prod
 */
@ConfigurationProperties("leadflow")
public record LeadflowSettings(URI publicUrl, String secret) {

    public String link(String pathAndQuery) {
        String base = publicUrl.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + pathAndQuery;
    }
}
