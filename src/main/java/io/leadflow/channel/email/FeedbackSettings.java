package io.leadflow.channel.email;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Bounces, complaints and unsubscribes that an email service provider reports by webhook, for senders that relay
 * through one instead of (or besides) reading a bounce mailbox ({@code leadflow.mail.feedback.*}). Each provider is
 * off until its credentials are set; its endpoint then answers 404. A setting that cannot work stops the start with
 * the key to fix, rather than leaving an endpoint that refuses every delivery.
 *
 * @param ses      Amazon SES notifications delivered by Amazon SNS
 * @param sendgrid the SendGrid Event Webhook (signed)
 * @param postmark Postmark's bounce, spam complaint and subscription change webhooks (HTTP Basic)
 */
@ConfigurationProperties("leadflow.mail.feedback")
record FeedbackSettings(Ses ses, SendGrid sendgrid, Postmark postmark) {

    FeedbackSettings {
        ses = ses == null ? new Ses(null, null, null) : ses;
        sendgrid = sendgrid == null ? new SendGrid(null, null) : sendgrid;
        postmark = postmark == null ? new Postmark(null, null) : postmark;
    }

    /** Amazon's SNS hosts ({@code sns.eu-west-1.amazonaws.com}, {@code sns.cn-north-1.amazonaws.com.cn}). */
    static final String SNS_HOSTS = "^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$";

    /**
     * @param topicArns              the SNS topics our SES identities publish to; a message from any other topic is
     *                               refused (anyone can create a topic and subscribe our endpoint to it). On when
     *                               at least one is set
     * @param certificateHostPattern the hosts a signing certificate ({@code SigningCertURL}) and a subscription
     *                               confirmation ({@code SubscribeURL}) may come from, over https only
     * @param sslBundle              a Spring Boot SSL bundle ({@code spring.ssl.bundle.*}) whose trust store checks
     *                               those hosts' TLS certificates; none: the JVM's trust store
     */
    record Ses(List<String> topicArns, String certificateHostPattern, String sslBundle) {

        Ses {
            topicArns = topicArns == null ? List.of() : topicArns.stream().map(String::strip)
                    .filter(t -> !t.isEmpty()).toList();
            certificateHostPattern = certificateHostPattern == null || certificateHostPattern.isBlank() ? SNS_HOSTS
                    : certificateHostPattern.strip();
            try {
                Pattern.compile(certificateHostPattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("leadflow.mail.feedback.ses.certificate-host-pattern is no regular"
                        + " expression (" + e.getDescription() + "); the default is " + SNS_HOSTS);
            }
            for (String arn : topicArns) {
                if (!arn.startsWith("arn:")) {
                    throw new IllegalArgumentException("leadflow.mail.feedback.ses.topic-arns: '" + arn + "' is no"
                            + " topic ARN; copy it from the SNS console, e.g."
                            + " arn:aws:sns:eu-west-1:123456789012:ses-feedback");
                }
            }
            sslBundle = sslBundle == null || sslBundle.isBlank() ? null : sslBundle.strip();
        }

        boolean enabled() {
            return !topicArns.isEmpty();
        }

        Pattern hosts() {
            return Pattern.compile(certificateHostPattern);
        }
    }

    /**
     * @param publicKey          the verification key SendGrid shows when signing is turned on (base64 of an
     *                           X.509 SubjectPublicKeyInfo, an ECDSA P-256 key). On when set
     * @param timestampTolerance how far the signed timestamp may lie from now: an older delivery is refused, so that
     *                           a captured one cannot be played again later
     */
    record SendGrid(String publicKey, Duration timestampTolerance) {

        SendGrid {
            publicKey = publicKey == null || publicKey.isBlank() ? null : publicKey.replaceAll("\\s", "");
            timestampTolerance = timestampTolerance == null ? Duration.ofMinutes(10) : timestampTolerance;
            if (timestampTolerance.isNegative() || timestampTolerance.isZero()) {
                throw new IllegalArgumentException("leadflow.mail.feedback.sendgrid.timestamp-tolerance must be"
                        + " positive, not " + timestampTolerance);
            }
            if (publicKey != null) {
                verificationKey(publicKey);
            }
        }

        boolean enabled() {
            return publicKey != null;
        }

        PublicKey verificationKey() {
            return verificationKey(publicKey);
        }

        private static PublicKey verificationKey(String base64) {
            try {
                return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder()
                        .decode(base64)));
            } catch (IllegalArgumentException | GeneralSecurityException e) {
                throw new IllegalArgumentException("leadflow.mail.feedback.sendgrid.public-key is no ECDSA public key"
                        + " (" + e.getMessage() + "): paste the verification key SendGrid shows under Mail Settings,"
                        + " Event Webhook, Signature Verification, as it is");
            }
        }
    }

    /**
     * @param username the user name Postmark sends in each webhook's HTTP Basic credentials (no Leadflow user)
     * @param password its password; at least {@value #MIN_PASSWORD} characters, as nothing slows down guesses
     */
    record Postmark(String username, String password) {

        static final int MIN_PASSWORD = 16;

        Postmark {
            username = username == null || username.isBlank() ? null : username;
            password = password == null || password.isEmpty() ? null : password;
            if ((username == null) != (password == null)) {
                throw new IllegalArgumentException("leadflow.mail.feedback.postmark needs both .username and .password"
                        + " (the HTTP Basic credentials of the webhook URL in Postmark), or neither");
            }
            if (password != null && password.length() < MIN_PASSWORD) {
                throw new IllegalArgumentException("leadflow.mail.feedback.postmark.password must be at least "
                        + MIN_PASSWORD + " characters: use a long random one, e.g. openssl rand -base64 24");
            }
        }

        boolean enabled() {
            return username != null;
        }

        @Override
        public String toString() {
            return "Postmark[username=" + username + ", password=" + (password == null ? "none" : "***") + "]";
        }
    }
}
