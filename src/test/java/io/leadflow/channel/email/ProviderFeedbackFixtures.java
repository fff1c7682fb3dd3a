package io.leadflow.channel.email;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * The providers' side of {@link ProviderFeedbackTests}: the sample bodies of {@code src/test/resources/feedback}, and
 * the test keys that sign them as Amazon SNS and SendGrid would. An HTTPS server on {@code localhost} plays the SNS
 * hosts: it serves the signing certificate and takes subscription confirmations.
 */
final class ProviderFeedbackFixtures {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String CERTIFICATE_PATH = "/SimpleNotificationService-leadflow-test.pem";
    static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:leadflow-ses-feedback";
    static final String POSTMARK_USER = "postmark-webhook";
    static final String POSTMARK_PASSWORD = "test-only-postmark-password";
    /** The fields an SNS notification signs, in AWS's order; a confirmation signs these instead. */
    private static final List<String> NOTIFICATION_FIELDS = List.of("Message", "MessageId", "Subject", "Timestamp",
            "TopicArn", "Type");
    private static final List<String> CONFIRMATION_FIELDS = List.of("Message", "MessageId", "SubscribeURL",
            "Timestamp", "Token", "TopicArn", "Type");

    static final WireMockServer SNS;
    private static final PrivateKey SNS_KEY;
    private static final PrivateKey SENDGRID_KEY;

    static {
        SNS = new WireMockServer(options().httpDisabled(true).dynamicHttpsPort()
                .keystorePath(resourcePath("feedback/sns-tls.p12")).keystoreType("PKCS12")
                .keystorePassword("changeit").keyManagerPassword("changeit"));
        SNS.start();
        SNS.stubFor(get(CERTIFICATE_PATH).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/x-x509-ca-cert")
                .withBody(resource("feedback/sns-signing-cert.pem"))));
        SNS.stubFor(get(urlPathEqualTo("/")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/xml")
                .withBody("<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>" + TOPIC
                        + ":0b7c5d1e</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>")));
        SNS_KEY = privateKey("feedback/sns-signing-key.pem", "RSA");
        SENDGRID_KEY = privateKey("feedback/sendgrid-key.pem", "EC");
    }

    private ProviderFeedbackFixtures() {
    }

    /** An address on the HTTPS server that plays the SNS hosts. */
    static String snsUrl(String pathAndQuery) {
        return "https://localhost:" + SNS.httpsPort() + pathAndQuery;
    }

    static ObjectNode object(String name) {
        return (ObjectNode) tree(name);
    }

    static ArrayNode array(String name) {
        return (ArrayNode) tree(name);
    }

    /** The SES notification inside an SNS sample, to change before {@link #withSesMessage}. */
    static ObjectNode sesMessage(ObjectNode sns) {
        try {
            return (ObjectNode) JSON.readTree(sns.get("Message").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode withSesMessage(ObjectNode sns, ObjectNode ses) {
        try {
            sns.put("Message", JSON.writeValueAsString(ses));
            return sns;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Signs an SNS message as SNS does, with the test certificate served at {@link #CERTIFICATE_PATH}.
     *
     * @param version {@code 1} (SHA1withRSA) or {@code 2} (SHA256withRSA)
     */
    static byte[] signedBySns(ObjectNode message, String version) {
        message.put("SignatureVersion", version);
        // the samples' own certificate URL (on Amazon's host) becomes ours; one a test chose stays
        if (!message.has("SigningCertURL") || java.net.URI.create(message.get("SigningCertURL").asText()).getHost()
                .endsWith(".amazonaws.com")) {
            message.put("SigningCertURL", snsUrl(CERTIFICATE_PATH));
        }
        StringBuilder canonical = new StringBuilder();
        List<String> fields = message.get("Type").asText().equals("Notification") ? NOTIFICATION_FIELDS
                : CONFIRMATION_FIELDS;
        for (String field : fields) {
            if (message.hasNonNull(field)) {
                canonical.append(field).append('\n').append(message.get(field).asText()).append('\n');
            }
        }
        message.put("Signature", sign(version.equals("1") ? "SHA1withRSA" : "SHA256withRSA", SNS_KEY,
                canonical.toString().getBytes(StandardCharsets.UTF_8)));
        return bytes(message);
    }

    /** The {@code X-Twilio-Email-Event-Webhook-Signature} of a body sent at that timestamp, with the test key. */
    static String sendGridSignature(String timestamp, byte[] body) {
        return sendGridSignature(SENDGRID_KEY, timestamp, body);
    }

    static String sendGridSignature(PrivateKey key, String timestamp, byte[] body) {
        byte[] signed = new byte[timestamp.length() + body.length];
        System.arraycopy(timestamp.getBytes(StandardCharsets.UTF_8), 0, signed, 0, timestamp.length());
        System.arraycopy(body, 0, signed, timestamp.length(), body.length);
        return sign("SHA256withECDSA", key, signed);
    }

    static byte[] bytes(Object json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sign(String algorithm, PrivateKey key, byte[] data) {
        try {
            Signature signature = Signature.getInstance(algorithm);
            signature.initSign(key);
            signature.update(data);
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode tree(String name) {
        try {
            return JSON.readTree(resource("feedback/" + name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PrivateKey privateKey(String resource, String algorithm) {
        String pem = resource(resource).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                    .decode(pem)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(resource + " is no PKCS#8 " + algorithm + " key", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ProviderFeedbackFixtures.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String resourcePath(String name) {
        try {
            return Path.of(ProviderFeedbackFixtures.class.getClassLoader().getResource(name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
