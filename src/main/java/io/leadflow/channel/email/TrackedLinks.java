package io.leadflow.channel.email;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;

import io.leadflow.platform.Hashing;
import io.leadflow.platform.LeadflowSettings;

/**
 * Click tracking: links of marketing emails become {@code {public-url}/r/{payload}.{signature}}, where the payload
 * names the lead, the email's purpose and the original URL, and the signature (HMAC with the instance secret)
 * proves Leadflow wrote it. The redirect therefore goes only to a URL we put in an email: no open redirect.
 * Only the links the template itself holds are rewritten: a URL a lead typed into a form field and the email shows
 * stays plain text, never a signed redirect through our domain. A link expires after
 * {@code leadflow.mail.click-links-valid-for} (months): the payload carries its end. Links written before ends were
 * signed into them still redirect, but only to Leadflow's own address or a site of
 * {@code leadflow.web.allowed-origins}.
 * Our own consent links (confirm, unsubscribe, preferences) are left as they are. Open tracking, when on
 * ({@code leadflow.mail.open-tracking}), adds an image {@code {public-url}/r/o/{payload}.{signature}} signed the
 * same way under another key, so neither kind of token passes for the other.
 */
@Component
public class TrackedLinks {

    /** What a verified tracking link says; {@code expiresAt} is null for a link of the first format, without end. */
    public record Click(String leadId, String purpose, String url, Instant expiresAt) {

        /** Whether the link still records clicks and redirects anywhere: it carries an end, and that is ahead. */
        public boolean validAt(Instant now) {
            return expiresAt != null && now.isBefore(expiresAt);
        }
    }

    /** What a verified open-tracking image says. */
    public record Open(String leadId, String purpose) {
    }

    private static final Pattern BODY_END = Pattern.compile("(?i)</body>");

    private static final Pattern HREF = Pattern.compile("href=\"(https?://[^\"]+)\"");
    private static final Pattern URL = Pattern.compile("https?://[^\\s<>\"')]+");
    private static final int SIGNATURE_CHARS = 32;
    private static final int MAX_URL = 2000;
    /** The first field of a link that carries its end; a link of the first format starts with the lead id. */
    private static final String WITH_END = "2";

    private final Hashing hashing;
    private final LeadflowSettings settings;
    private final Duration validFor;
    private final Clock clock;

    TrackedLinks(Hashing hashing, LeadflowSettings settings, EmailSettings email, Clock clock) {
        this.hashing = hashing;
        this.settings = settings;
        this.validFor = email.clickLinksValidFor();
        this.clock = clock;
    }

    /** The web addresses of a rendered text or HTML part: what {@link #trackText} and {@link #trackHtml} rewrite. */
    static Set<String> urls(String text, String html) {
        Set<String> urls = new LinkedHashSet<>();
        URL.matcher(text).results().map(m -> m.group()).forEach(urls::add);
        HREF.matcher(html).results().map(m -> m.group(1).replace("&amp;", "&")).forEach(urls::add);
        return urls;
    }

    /** The HTML part with every trackable {@code href} the template holds rewritten. */
    String trackHtml(String html, String leadId, String purpose, Set<String> templateUrls) {
        Matcher m = HREF.matcher(html);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String url = m.group(1).replace("&amp;", "&");
            String replacement = trackable(url, templateUrls) ? "href=\"" + link(leadId, purpose, url) + "\"" : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The text part with every trackable URL the template holds rewritten. */
    String trackText(String text, String leadId, String purpose, Set<String> templateUrls) {
        Matcher m = URL.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String url = m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(
                    trackable(url, templateUrls) ? link(leadId, purpose, url) : url));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The tracking link of one URL, valid for {@code leadflow.mail.click-links-valid-for} from now. */
    public String link(String leadId, String purpose, String url) {
        long end = clock.instant().plus(validFor).getEpochSecond();
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                (WITH_END + "\n" + end + "\n" + leadId + "\n" + purpose + "\n" + url).getBytes(StandardCharsets.UTF_8));
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
        Instant end = null;
        try {
            String payload = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
            if (payload.startsWith(WITH_END + "\n")) {
                String[] all = payload.split("\n", 5);
                if (all.length != 5) {
                    return Optional.empty();
                }
                end = Instant.ofEpochSecond(Long.parseLong(all[1]));
                parts = new String[] {all[2], all[3], all[4]};
            } else {
                parts = payload.split("\n", 3);
            }
        } catch (IllegalArgumentException notBase64OrNoNumber) {
            return Optional.empty();
        }
        if (parts.length != 3 || !parts[2].matches("(?i)https?://[^\\s]+")) {
            return Optional.empty();
        }
        return Optional.of(new Click(parts[0], parts[1], parts[2], end));
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

    private boolean trackable(String url, Set<String> templateUrls) {
        return templateUrls.contains(url) && url.length() <= MAX_URL && !url.startsWith(settings.link("/optin/"))
                && !url.startsWith(settings.link("/r/"));
    }

    private String signature(String payload) {
        return hashing.hmac("tracked-link:" + payload).substring(0, SIGNATURE_CHARS);
    }
}
