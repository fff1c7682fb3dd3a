package io.leadflow.channel.email;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param from    the sender of every email
 * @param catcher the built-in SMTP server whose mails are listed at {@code /mailbox} (dev default; off in prod)
 * @param retry   how often and how fast a failed SMTP delivery is tried again before it is marked FAILED
 * @param senders how many emails are rendered and sent at the same time
 */
@ConfigurationProperties("leadflow.mail")
public record EmailSettings(String from, Catcher catcher, Retry retry, int senders) {

    public EmailSettings {
        senders = senders <= 0 ? 4 : senders;
    }

    public record Catcher(boolean enabled, int port) {
    }

    public record Retry(int maxAttempts, Duration initialBackoff) {
    }
}
