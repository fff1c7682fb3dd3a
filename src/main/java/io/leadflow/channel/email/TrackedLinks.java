package io.leadflow.channel.email;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import io.leadflow.platform.Hashing;
import io.leadflow.platform.LeadflowSettings;

/**
 * Click tracking: links of marketing emails become {@code {public-url}/r/{payload}.{signature}}, where the payload
 * names the lead, the email's purpose and the original URL, and the signature (HMAC with the instance secret)
 * proves Leadflow wrote it. The redirect therefore goes only to a URL we put in an email: no open redirect.
 * Our own consent links (confirm, unsubscribe, preferences) are left as they are. Open tracking, when on
 * ({@code leadflow.mail.open-tracking}), adds an image {@code {public-url}/r/o/{payload}.{signature}} signed the
 * same way under another key, so neither kind of token passes for the other.
 */
@Component
public class TrackedLinks {

    /** What a verified tracking link says. */
    public record Click(String leadId, String purpose, String url) {
    }

    /** What a verified open-tracking image says. */
    public record Open(String leadId, String purpose) {
    }

    private static final Pattern BODY_END = Pattern.compile("(?i)</body>");

    private static final Pattern HREF = Pattern.compile("href=\"(https?://[^\"]+)\"");
    private static final Pattern URL = Pattern.compile("https?://[^\\s<>\"')]+");
    private static final int SIGNATURE_CHARS = 32;
    private static final int MAX_URL = 2000;

    private final Hashing hashing;
    private final LeadflowSettings settings;

    TrackedLinks(Hashing hashing, LeadflowSettings settings) {
        this.hashing = hashing;
        this.settings = settings;
    }

    /** The HTML part with every trackable {@code href} rewritten. */
    String trackHtml(String html, String leadId, String purpose) {
        Matcher m = HREF.matcher(html);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String url = m.group(1).replace("&amp;", "&");
            String replacement = trackable(url) ? "href=\"" + link(leadId, purpose, url) + "\"" : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The text part with every trackable URL rewritten. */
    String trackText(String text, String leadId, String purpose) {
        Matcher m = URL.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String url = m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(trackable(url) ? link(leadId, purpose, url) : url));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The tracking link of one URL. */
    public String link(String leadId, String purpose, String url) {
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString((leadId + "\n" + purpose + "\n" + url).getBytes(StandardCharsets.UTF_8));
        return settings.link("/r/" + payload + "." + signature(payload));
    }

    /** The click a link stands for, when Leadflow signed it and it points to a web address; else empty. */
    public Optional<Click> verify(String token) {
        if (token == null || token.length() > 4 * MAX_URL) {
            return Optional.empty();
        }
        int dot = token.lastIndexOf('.');
        if (dot <= 0 || !Hashing.constantTimeEquals(signature(token.substring(0, dot)), token.substring(dot + 1))) {
            return Optional.empty();
        }
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8)
                    .split("\n", 3);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        if (parts.length != 3 || !parts[2].matches("(?i)https?://[^\\s]+")) {
            return Optional.empty();
        }
        return Optional.of(new Click(parts[0], parts[1], parts[2]));
    }

    /** The HTML part with the open-tracking image at the end of its body. */
    String withOpenPixel(String html, String leadId, String purpose) {
        String img = "<img src=\"" + openPixel(leadId, purpose) + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0\">";
        Matcher end = BODY_END.matcher(html);
        int at = -1;
        while (end.find()) {
            at = end.start();
        }
        return at < 0 ? html + img : html.substring(0, at) + img + html.substring(at);
    }

    /** The open-tracking image of one email. */
    public String openPixel(String leadId, String purpose) {
        String payload = Base64.getUrlEncoder().withoutPadding()
                .encodeToString((leadId + "\n" + purpose).getBytes(StandardCharsets.UTF_8));
        return settings.link("/r/o/" + payload + "." + openSignature(payload));
    }

    /** The email an open-tracking image stands for, when Leadflow signed it; else empty. */
    public Optional<Open> verifyOpen(String token) {
        if (token == null || token.length() > 1000) {
            return Optional.empty();
        }
        int dot = token.lastIndexOf('.');
        if (dot <= 0 || !Hashing.constantTimeEquals(openSignature(token.substring(0, dot)), token.substring(dot + 1))) {
            return Optional.empty();
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8)
                    .split("\n", 2);
            return parts.length == 2 ? Optional.of(new Open(parts[0], parts[1])) : Optional.empty();
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
    }

    private String openSignature(String payload) {
        return hashing.hmac("tracked-open:" + payload).substring(0, SIGNATURE_CHARS);
    }

    private boolean trackable(String url) {
        return url.length() <= MAX_URL && !url.startsWith(settings.link("/optin/")) && !url.startsWith(settings.link("/r/"));
    }

    private String signature(String payload) {
        return hashing.hmac("tracked-link:" + payload).substring(0, SIGNATURE_CHARS);
    }
}
