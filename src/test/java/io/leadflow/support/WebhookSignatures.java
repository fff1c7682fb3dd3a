package io.leadflow.support;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs CRM webhook deliveries as an integrator's CRM would (docs/integrators.md, "Events from the CRM"), computed here
 * independently of Leadflow's own code.
 */
public final class WebhookSignatures {

    private WebhookSignatures() {
    }

    /** The hex HMAC-SHA256 of the payload under the key. */
    public static String hmac(String key, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code X-Leadflow-Signature} of the body, signed now. */
    public static String signatureNow(String secret, String body) {
        long t = Instant.now().getEpochSecond();
        return "t=" + t + ",v1=" + hmac(secret, t + "." + body);
    }
}
