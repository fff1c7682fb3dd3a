package io.leadflow.channel.web;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import org.springframework.stereotype.Component;

import io.leadflow.platform.Hashing;

/**
 * A known visitor's identity on a site: a token Leadflow signs (HMAC with the instance secret) and hands back on a
 * form submission or appends to a tracked-click redirect, after {@code #}, so that it never reaches a server log or
 * a {@code Referer}. The site keeps it in its own first-party storage and sends it in request bodies, never in a
 * URL. Only a token we signed names a lead: nobody can make one up for somebody else.
 */
@Component
class VisitorTokens {

    private static final String PREFIX = "v1.";
    private static final int SIGNATURE_CHARS = 43;
    private static final int MAX_TOKEN = 200;

    private final Hashing hashing;

    VisitorTokens(Hashing hashing) {
        this.hashing = hashing;
    }

    String issue(String leadId) {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(leadId.getBytes(StandardCharsets.UTF_8));
        return PREFIX + payload + "." + signature(payload);
    }

    /** The lead a token names, when we signed it; else empty. */
    Optional<String> leadId(String token) {
        if (token == null || token.length() > MAX_TOKEN || !token.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = token.substring(PREFIX.length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0 || !Hashing.constantTimeEquals(signature(rest.substring(0, dot)), rest.substring(dot + 1))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new String(Base64.getUrlDecoder().decode(rest.substring(0, dot)), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
    }

    private String signature(String payload) {
        byte[] mac = Hashing.hmacBytes(hashing.hmac("web-visitor-key").getBytes(StandardCharsets.UTF_8), payload);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac).substring(0, SIGNATURE_CHARS);
    }
}
