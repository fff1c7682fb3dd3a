package io.leadflow.channel.crm;

import java.time.Clock;
import java.time.Instant;

import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * OAuth 2.0 client credentials (RFC 6749 §4.4) for the CRM: one access token shared by every push, cached until a
 * minute before its {@code expires_in} (or until the CRM refuses it, for servers that give no lifetime).
 */
final class OAuthTokens {

    /** The token endpoint refused us: retrying will not help until the credentials are fixed. */
    static final class TokenRefused extends RuntimeException {
        TokenRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Token(String value, Instant expiresAt) {
    }

    private final CrmSettings.Auth auth;
    private final RestClient http;
    private final Clock clock;
    private Token token;

    OAuthTokens(CrmSettings settings, Clock clock) {
        this.auth = settings.auth();
        this.clock = clock;
        var factory = CrmFlows.requestFactory(settings);
        this.http = RestClient.builder().requestFactory(factory).build();
    }

    synchronized String current() {
        if (token == null || (token.expiresAt() != null && !clock.instant().isBefore(token.expiresAt()))) {
            token = fetch();
        }
        return token.value();
    }

    /** The CRM refused {@code stale}: fetch a new one, unless another push did so meanwhile. */
    synchronized String renew(String stale) {
        if (token == null || token.value().equals(stale)) {
            token = fetch();
        }
        return token.value();
    }

    private Token fetch() {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("grant_type", "client_credentials");
        form.add("client_id", auth.clientId());
        form.add("client_secret", auth.clientSecret());
        if (auth.scope() != null && !auth.scope().isBlank()) {
            form.add("scope", auth.scope());
        }
        JsonNode answer;
        try {
            answer = http.post().uri(auth.tokenUri()).contentType(MediaType.APPLICATION_FORM_URLENCODED)
                    .accept(MediaType.APPLICATION_JSON).body(form).retrieve().body(JsonNode.class);
        } catch (RestClientResponseException refused) {
            throw new TokenRefused("OAuth token endpoint " + auth.tokenUri() + " answered "
                    + refused.getStatusCode().value() + ": " + refused.getResponseBodyAsString()
                    + ". Check leadflow.crm.auth.client-id, .client-secret and .scope.", refused);
        }
        JsonNode value = answer == null ? null : answer.get("access_token");
        if (value == null || value.asText().isBlank()) {
            throw new TokenRefused("OAuth token endpoint " + auth.tokenUri() + " gave no access_token", null);
        }
        JsonNode expiresIn = answer.get("expires_in");
        Instant expiresAt = expiresIn == null || !expiresIn.canConvertToLong() ? null
                : clock.instant().plusSeconds(Math.max(0, expiresIn.asLong() - 60));
        return new Token(value.asText(), expiresAt);
    }
}
