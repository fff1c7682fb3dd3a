package io.leadflow.channel.email;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.platform.InvalidInputException;

/**
 * Amazon SNS messages posted to the SES feedback endpoint are believed only when SNS signed them for one of our
 * topics: the {@code TopicArn} must be configured (anyone can create a topic and subscribe our endpoint to it), and
 * the signature (version 1 SHA1withRSA, 2 SHA256withRSA) must hold over the fields AWS lists for the message's type,
 * with the certificate at {@code SigningCertURL}. That URL is fetched only over https from an SNS host, and so is a
 * subscription's {@code SubscribeURL}: a sender who could make Leadflow fetch any URL would use it to reach inside
 * our network. Certificates are kept once downloaded (SNS signs with few, rotated rarely) and checked for expiry at
 * each use. Redirects are not followed: they could lead anywhere.
 */
@Component
class SnsMessages {

    private static final Logger log = LoggerFactory.getLogger(SnsMessages.class);
    static final String NOTIFICATION = "Notification";
    static final String SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation";
    static final String UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation";
    /** The fields each type signs, in the order AWS documents ("Verifying the signatures of Amazon SNS messages"). */
    private static final Map<String, List<String>> SIGNED_FIELDS = Map.of(
            NOTIFICATION, List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
            SUBSCRIPTION_CONFIRMATION, List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                    "Type"),
            UNSUBSCRIBE_CONFIRMATION, List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                    "Type"));
    private static final int MAX_CERTIFICATES = 50;
    private static final int MAX_CERTIFICATE_BYTES = 64 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final FeedbackSettings.Ses settings;
    private final Pattern hosts;
    private final HttpClient http;
    private final Clock clock;
    private final Map<String, X509Certificate> certificates = new ConcurrentHashMap<>();

    SnsMessages(FeedbackSettings settings, SslBundles bundles, Clock clock) {
        this.settings = settings.ses();
        this.hosts = settings.ses().hosts();
        this.clock = clock;
        this.http = this.settings.enabled() ? client(this.settings, bundles) : null;
    }

    private static HttpClient client(FeedbackSettings.Ses settings, SslBundles bundles) {
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (settings.sslBundle() != null) {
            try {
                client.sslContext(bundles.getBundle(settings.sslBundle()).createSslContext());
            } catch (NoSuchSslBundleException e) {
                throw new IllegalStateException("leadflow.mail.feedback.ses.ssl-bundle names the SSL bundle '"
                        + settings.sslBundle() + "', which no spring.ssl.bundle.* setting defines: define it,"
                        + " or remove the setting to trust the JVM's certificate authorities", e);
            }
        }
        return client.build();
    }

    /** The message's {@code Type}; a type SNS does not send is no SNS message. */
    static String type(JsonNode message) {
        String type = text(message, "Type");
        if (type == null || !SIGNED_FIELDS.containsKey(type)) {
            throw InvalidInputException.of("Type", "must be Notification, SubscriptionConfirmation or"
                    + " UnsubscribeConfirmation, as Amazon SNS sends; was " + FeedbackRefused.quoted(type));
        }
        return type;
    }

    /** Refuses ({@link FeedbackRefused}) a message that SNS did not sign for one of our topics. */
    void verify(JsonNode message) {
        String type = type(message);
        String signature = text(message, "Signature");
        String version = text(message, "SignatureVersion");
        String certificateUrl = text(message, "SigningCertURL");
        if (signature == null || version == null || certificateUrl == null) {
            throw FeedbackRefused.unauthenticated("An Amazon SNS message carries Signature, SignatureVersion and"
                    + " SigningCertURL; this one does not, so nothing shows that SNS sent it");
        }
        String topic = text(message, "TopicArn");
        if (topic == null || !settings.topicArns().contains(topic)) {
            throw FeedbackRefused.forbidden("TopicArn " + FeedbackRefused.quoted(topic) + " is not one of"
                    + " leadflow.mail.feedback.ses.topic-arns: add it there if your SES identities publish to it");
        }
        String algorithm = switch (version) {
            case "1" -> "SHA1withRSA";
            case "2" -> "SHA256withRSA";
            default -> throw FeedbackRefused.forbidden("SignatureVersion " + FeedbackRefused.quoted(version)
                    + " is unknown: Amazon SNS signs with version 1 or 2");
        };
        URI certificate = snsUrl(certificateUrl, "SigningCertURL");
        byte[] canonical = canonical(message, type);
        byte[] signed;
        try {
            signed = Base64.getMimeDecoder().decode(signature);
        } catch (IllegalArgumentException notBase64) {
            throw FeedbackRefused.forbidden("Signature is not base64: the message was not signed by Amazon SNS");
        }
        boolean valid;
        try {
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate(certificate));
            verifier.update(canonical);
            valid = verifier.verify(signed);
        } catch (GeneralSecurityException unusable) {
            valid = false;
        }
        if (!valid) {
            throw FeedbackRefused.forbidden("The signature does not match the message and the certificate at"
                    + " SigningCertURL: the message was changed or not signed by Amazon SNS");
        }
    }

    /**
     * Confirms the subscription of one of our topics to this endpoint, as its {@code SubscribeURL} asks; a failure
     * leaves the subscription pending and answers 503, so that SNS sends the confirmation again.
     */
    void confirmSubscription(JsonNode message) {
        URI url = snsUrl(text(message, "SubscribeURL"), "SubscribeURL");
        HttpResponse<Void> response;
        try {
            response = http.send(HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw FeedbackRefused.unavailable("Confirming the subscription at SubscribeURL failed (" + e
                    + "): SNS sends the confirmation again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FeedbackRefused.unavailable("Confirming the subscription was interrupted: SNS sends it again");
        }
        if (response.statusCode() != 200) {
            throw FeedbackRefused.unavailable("Amazon SNS answered " + response.statusCode() + " to the subscription"
                    + " confirmation: confirm it in the SNS console, or wait for SNS to send it again");
        }
        log.info("Subscribed to Amazon SNS topic {}: SES feedback arrives here from now on",
                text(message, "TopicArn"));
    }

    /** "Name\nvalue\n" for each signed field the message has, in AWS's order (a missing Subject is left out). */
    private static byte[] canonical(JsonNode message, String type) {
        StringBuilder canonical = new StringBuilder();
        for (String field : SIGNED_FIELDS.get(type)) {
            String value = text(message, field);
            if (value == null) {
                if (field.equals("Subject")) {
                    continue;
                }
                throw InvalidInputException.of(field, "is missing: an Amazon SNS " + type + " always carries it");
            }
            canonical.append(field).append('\n').append(value).append('\n');
        }
        return canonical.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The URL, when it is https on a host of {@code certificate-host-pattern}; else the message is refused. */
    private URI snsUrl(String value, String field) {
        URI url = null;
        try {
            url = value == null ? null : new URI(value);
        } catch (URISyntaxException unreadable) {
            // refused below
        }
        String host = url == null || url.getHost() == null ? null : url.getHost().toLowerCase(Locale.ROOT);
        if (url == null || !"https".equalsIgnoreCase(url.getScheme()) || url.getRawUserInfo() != null || host == null
                || !hosts.matcher(host).matches()) {
            throw FeedbackRefused.forbidden(field + " " + FeedbackRefused.quoted(value) + " is not an https URL on an"
                    + " Amazon SNS host (leadflow.mail.feedback.ses.certificate-host-pattern "
                    + settings.certificateHostPattern() + "): the message did not come from SNS");
        }
        return url;
    }

    private X509Certificate certificate(URI url) {
        String key = url.toString();
        X509Certificate certificate = certificates.get(key);
        if (certificate == null) {
            certificate = download(url);
            if (certificates.size() >= MAX_CERTIFICATES) {
                // a flood of distinct URLs on SNS hosts: start again rather than grow
                certificates.clear();
            }
            certificates.put(key, certificate);
        }
        try {
            certificate.checkValidity(Date.from(clock.instant()));
        } catch (CertificateException outOfDate) {
            certificates.remove(key);
            throw FeedbackRefused.forbidden("The signing certificate at SigningCertURL is expired or not yet valid");
        }
        return certificate;
    }

    private X509Certificate download(URI url) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw FeedbackRefused.unavailable("The signing certificate could not be downloaded from SigningCertURL ("
                    + e + "): SNS delivers the message again later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FeedbackRefused.unavailable("Downloading the signing certificate was interrupted: SNS delivers the"
                    + " message again later");
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() >= 500) {
                throw FeedbackRefused.unavailable("SigningCertURL answered " + response.statusCode()
                        + ": SNS delivers the message again later");
            }
            if (response.statusCode() != 200) {
                throw FeedbackRefused.forbidden("SigningCertURL answered " + response.statusCode()
                        + ": there is no signing certificate there");
            }
            byte[] bytes = body.readNBytes(MAX_CERTIFICATE_BYTES + 1);
            if (bytes.length > MAX_CERTIFICATE_BYTES) {
                throw FeedbackRefused.forbidden("SigningCertURL serves more than a certificate");
            }
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(bytes));
        } catch (CertificateException | ClassCastException unreadable) {
            throw FeedbackRefused.forbidden("SigningCertURL serves no X.509 certificate");
        } catch (IOException e) {
            throw FeedbackRefused.unavailable("The signing certificate could not be read from SigningCertURL ("
                    + e + "): SNS delivers the message again later");
        }
    }

    /** A field's text, or null when absent or JSON null. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
