package io.leadflow.channel.email;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.stereotype.Component;

import io.leadflow.platform.Hashing;

/**
 * Names every email we send in a way only Leadflow can write, so that a bounce or complaint report is believed only
 * when it is about one of our emails:
 * <ul>
 * <li>its {@code Message-ID}, {@code <outbox row id>.<signature>@<our domain>}, which reports quote;</li>
 * <li>its envelope sender (VERP, the address non-delivery reports are mailed to),
 * {@code <bounce mailbox>+<outbox row id>.<signature>@<domain>}, built on {@code spring.mail.properties.mail.smtp.from}
 * (else the sender's address).</li>
 * </ul>
 * The signature is an HMAC with the instance secret: a stranger cannot name an email of ours he did not receive.
 */
@Component
class SentEmailIds {

    private static final int SIGNATURE_CHARS = 16;
    private static final int MAX_LOCAL_PART = 64;
    /** {@code +}, the row id without dashes, {@code .}, the signature. */
    private static final int VERP_TAG = 1 + 32 + 1 + SIGNATURE_CHARS;
    private static final Logger log = LoggerFactory.getLogger(SentEmailIds.class);
    private static final Pattern MESSAGE_ID = Pattern.compile(
            "<?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\.([0-9a-f]{" + SIGNATURE_CHARS + "})@[^>\\s]+>?");
    private static final Pattern VERP = Pattern.compile("[^+@\\s]+\\+([0-9a-f]{32})\\.([0-9a-f]{" + SIGNATURE_CHARS
            + "})@[^@\\s>]+");

    private final Hashing hashing;
    private final String domain;
    private final String bounceLocal;
    private final String bounceDomain;

    SentEmailIds(Hashing hashing, EmailSettings settings, JavaMailSender sender) {
        this.hashing = hashing;
        String from = address(settings.from());
        this.domain = from == null ? "leadflow.local" : from.substring(from.lastIndexOf('@') + 1);
        String returnPath = sender instanceof JavaMailSenderImpl impl ? address(impl.getJavaMailProperties()
                .getProperty("mail." + (impl.getProtocol() == null ? "smtp" : impl.getProtocol()) + ".from")) : null;
        String base = returnPath != null ? returnPath : from;
        this.bounceLocal = base == null ? null : base.substring(0, base.lastIndexOf('@'));
        this.bounceDomain = base == null ? null : base.substring(base.lastIndexOf('@') + 1);
        if (bounceLocal != null && bounceLocal.length() + VERP_TAG > MAX_LOCAL_PART) {
            log.warn("The bounce mailbox {} has too long a name for a tagged return path (at most {} characters before"
                    + " the @): bounce reports are matched by the Message-ID they quote only", base,
                    MAX_LOCAL_PART - VERP_TAG);
        }
    }

    /** The Message-ID of the email of this outbox row. */
    String messageId(String rowId) {
        return "<" + rowId + "." + signature(rowId) + "@" + domain + ">";
    }

    /** The envelope sender of the email of this outbox row; null when the mailbox's name leaves no room for it. */
    String returnPath(String rowId) {
        if (bounceLocal == null) {
            return null;
        }
        String local = bounceLocal + "+" + rowId.replace("-", "") + "." + signature(rowId);
        return local.length() > MAX_LOCAL_PART ? null : local + "@" + bounceDomain;
    }

    /** The outbox row a quoted Message-ID names, when Leadflow wrote it. */
    Optional<String> rowOfMessageId(String messageId) {
        if (messageId == null) {
            return Optional.empty();
        }
        Matcher m = MESSAGE_ID.matcher(messageId.strip().toLowerCase(Locale.ROOT));
        return m.matches() && Hashing.constantTimeEquals(signature(m.group(1)), m.group(2))
                ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The outbox row a return path (where a report was mailed) names, when Leadflow wrote it. */
    Optional<String> rowOfReturnPath(String address) {
        if (address == null) {
            return Optional.empty();
        }
        Matcher m = VERP.matcher(address.strip().toLowerCase(Locale.ROOT));
        if (!m.find()) {
            return Optional.empty();
        }
        String hex = m.group(1);
        String rowId = hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
        return Hashing.constantTimeEquals(signature(rowId), m.group(2)) ? Optional.of(rowId) : Optional.empty();
    }

    private String signature(String rowId) {
        return hashing.hmac("sent-email:" + rowId).substring(0, SIGNATURE_CHARS);
    }

    private static String address(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            String address = new InternetAddress(value.strip()).getAddress();
            return address != null && address.contains("@") ? address.toLowerCase(Locale.ROOT) : null;
        } catch (AddressException unreadable) {
            return null;
        }
    }
}
