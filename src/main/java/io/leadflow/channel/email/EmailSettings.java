package io.leadflow.channel.email;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param from    the sender of every email
 * @param catcher the built-in SMTP server whose mails are listed at {@code /mailbox} (dev default; off in prod)
 * @param retry   how often and how fast a failed SMTP delivery is tried again before it is marked FAILED
 * @param senders how many emails are rendered and sent at the same time
 * @param unsubscribeAddress the {@code mailto:} alternative of {@code List-Unsubscribe}: a request mailed there
 *                           (delivered into the bounce mailbox) unsubscribes like the one-click link; by default
 *                           {@code unsubscribe@} the sender's domain
 * @param openTracking a signed 1×1 image in every marketing email records {@code EMAIL_OPENED}; off by default:
 *                     mail clients and privacy proxies load images by themselves (an "open" proves little) and
 *                     blocking images is the reader's choice to respect
 * @param connections how long an SMTP connection is kept open between emails ({@link ReusedSmtpConnections})
 * @param clickLinksValidFor how long a tracked link of an email redirects ({@code P180D}); later it answers 410
 */
@ConfigurationProperties("leadflow.mail")
public record EmailSettings(String from, Catcher catcher, Retry retry, int senders, String unsubscribeAddress,
        boolean openTracking, Connections connections, Duration clickLinksValidFor) {

    public EmailSettings {
        clickLinksValidFor = clickLinksValidFor == null || clickLinksValidFor.isNegative() || clickLinksValidFor.isZero()
                ? Duration.ofDays(180) : clickLinksValidFor;
        senders = senders <= 0 ? 4 : senders;
        connections = connections == null ? new Connections(100, Duration.ofSeconds(10)) : connections;
        if ((unsubscribeAddress == null || unsubscribeAddress.isBlank()) && from != null && from.contains("@")) {
            unsubscribeAddress = "unsubscribe@" + domainOf(from);
        }
    }

    /** The sending domain, lower case: that of {@code from} ({@code Leadflow <hello@acme.com>} → {@code acme.com}). */
    public String fromDomain() {
        return from == null ? "" : domainOf(from).toLowerCase(java.util.Locale.ROOT);
    }

    private static String domainOf(String address) {
        return address.substring(address.lastIndexOf('@') + 1).replace(">", "").trim();
    }

    public record Catcher(boolean enabled, int port) {
    }

    public record Retry(int maxAttempts, Duration initialBackoff) {
    }

    /**
     * @param maxMessages emails sent on one connection before it is closed (1: a new connection per email)
     * @param maxIdle     a connection idle longer is closed rather than used again (servers drop idle clients)
     */
    public record Connections(int maxMessages, Duration maxIdle) {

        public Connections {
            maxMessages = maxMessages <= 0 ? 100 : maxMessages;
            maxIdle = maxIdle == null ? Duration.ofSeconds(10) : maxIdle;
        }
    }
}
