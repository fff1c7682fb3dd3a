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
 */
@ConfigurationProperties("leadflow.mail")
public record EmailSettings(String from, Catcher catcher, Retry retry, int senders, String unsubscribeAddress,
        boolean openTracking) {

    public EmailSettings {
        senders = senders <= 0 ? 4 : senders;
        if ((unsubscribeAddress == null || unsubscribeAddress.isBlank()) && from != null && from.contains("@")) {
            String domain = from.substring(from.lastIndexOf('@') + 1).replace(">", "").trim();
            unsubscribeAddress = "unsubscribe@" + domain;
        }
    }

    public record Catcher(boolean enabled, int port) {
    }

    public record Retry(int maxAttempts, Duration initialBackoff) {
    }
}
