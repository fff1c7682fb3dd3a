package io.leadflow.channel.crm;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code X-Leadflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">} (docs/api.md §7). Several
 * {@code v1} values may be sent while a secret is rotated; one must match. Compared in constant time; {@code t} must
 * lie within five minutes of now, so a captured request cannot be replayed later.
 */
final class WebhookSignature {

    static final Duration TOLERANCE = Duration.ofMinutes(5);

    enum Verdict {
        VALID(null),
        MISSING("X-Leadflow-Signature header is missing"),
        MALFORMED("X-Leadflow-Signature must read t=<unix seconds>,v1=<hex HMAC-SHA256>"),
        MISMATCH("signature does not match the body: sign \"<t>.<raw body>\" with leadflow.crm.webhook-secret"),
        STALE("t is more than 5 minutes away from now: sign each delivery when sending it");

        final String reason;

        Verdict(String reason) {
            this.reason = reason;
        }
    }

    private final byte[] secret;

    WebhookSignature(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    Verdict verify(String header, byte[] body, Instant now) {
        if (header == null || header.isBlank()) {
            return Verdict.MISSING;
        }
        Long t = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String part : header.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = part.substring(0, eq).trim();
            String value = part.substring(eq + 1).trim();
            try {
                if (key.equals("t")) {
                    t = Long.parseLong(value);
                } else if (key.equals("v1")) {
                    signatures.add(HexFormat.of().parseHex(value.toLowerCase(Locale.ROOT)));
                }
            } catch (IllegalArgumentException unreadable) {
                return Verdict.MALFORMED;
            }
        }
        if (t == null || signatures.isEmpty()) {
            return Verdict.MALFORMED;
        }
        byte[] expected = hmac(t, body);
        boolean matches = false;
        for (byte[] candidate : signatures) {
            matches |= MessageDigest.isEqual(expected, candidate);
        }
        if (!matches) {
            return Verdict.MISMATCH;
        }
        Duration skew = Duration.between(Instant.ofEpochSecond(t), now).abs();
        return skew.compareTo(TOLERANCE) > 0 ? Verdict.STALE : Verdict.VALID;
    }

    private byte[] hmac(long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
