package io.leadflow.channel.email;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The mailbox that receives bounces (delivery status notifications) and complaints (ARF feedback reports): the
 * address in the Return-Path of our emails, or the one a mailbox provider's feedback loop reports to.
 *
 * @param enabled      read the mailbox at all (off unless configured)
 * @param host         the IMAP server
 * @param port         its port; 0 means the protocol's (143 for imap, 993 for imaps)
 * @param username     login of the bounce mailbox
 * @param password     its password
 * @param folder       the folder bounces arrive in
 * @param protocol     {@code imaps} (TLS) or {@code imap}
 * @param pollInterval how long the reader waits after reading everything that was unread
 */
@ConfigurationProperties("leadflow.mail.bounces")
record BounceSettings(boolean enabled, String host, int port, String username, String password, String folder,
        String protocol, Duration pollInterval) {

    BounceSettings {
        folder = folder == null || folder.isBlank() ? "INBOX" : folder;
        protocol = protocol == null || protocol.isBlank() ? "imaps" : protocol.strip().toLowerCase(Locale.ROOT);
        port = port > 0 ? port : "imap".equals(protocol) ? 143 : 993;
        pollInterval = pollInterval == null ? Duration.ofMinutes(1) : pollInterval;
    }

    /** Problems that keep the bounce reader from starting, each naming the key to set; empty when it can start. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (!protocol.equals("imap") && !protocol.equals("imaps")) {
            problems.add("leadflow.mail.bounces.protocol must be imap or imaps, not '" + protocol + "'");
        }
        if (host == null || host.isBlank()) {
            problems.add("leadflow.mail.bounces.host must name the IMAP server of the bounce mailbox");
        }
        if (username == null || username.isBlank()) {
            problems.add("leadflow.mail.bounces.username must be the login of the bounce mailbox");
        }
        if (password == null || password.isEmpty()) {
            problems.add("leadflow.mail.bounces.password must be the password of the bounce mailbox");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            problems.add("leadflow.mail.bounces.poll-interval must be positive, not " + pollInterval);
        }
        return problems;
    }

    @Override
    public String toString() {
        return "BounceSettings[" + protocol + "://" + username + "@" + host + ":" + port + "/" + folder + ", every "
                + pollInterval + "]";
    }
}
