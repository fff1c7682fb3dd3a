package io.leadflow.channel.web;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.InvalidInputException.FieldError;
import io.leadflow.platform.PayloadTooLargeException;
import io.leadflow.platform.RateLimiter;

/**
 * The tracking snippet ({@code GET /t.js}) and the page views it sends ({@code POST /t/collect}, {@code 204}). What reaches collect is checked before anything is
 * stored: its origin (by {@link CrossOriginFilter}), its size, the rate per IP and per browser, Do Not Track and
 * Global Privacy Control, known bots, and every field.
 */
@RestController
class TrackingController {

    static final int MAX_COLLECT_BODY = 4 * 1024;
    private static final Pattern ANONYMOUS_ID = Pattern.compile("[A-Za-z0-9_-]{16,64}");
    private static final Pattern PERSONAL_SEGMENT = Pattern.compile("(?i).*(@|%40).*");

    private final WebSettings settings;
    private final SiteOrigins sites;
    private final VisitorTokens visitors;
    private final Forms forms;
    private final PageViews pageViews;
    private final RateLimiter limiter;
    private final ObjectMapper json;
    private final String trackingScript;

    TrackingController(WebSettings settings, SiteOrigins sites, VisitorTokens visitors, Forms forms,
            PageViews pageViews, RateLimiter limiter, ObjectMapper json) throws IOException {
        this.settings = settings;
        this.sites = sites;
        this.visitors = visitors;
        this.forms = forms;
        this.pageViews = pageViews;
        this.limiter = limiter;
        this.json = json;
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("honourDoNotTrack", settings.tracking().honourDoNotTrack());
        config.put("honourGlobalPrivacyControl", settings.tracking().honourGlobalPrivacyControl());
        this.trackingScript = Scripts.read("t.js").replace("/*CONFIG*/{}/*CONFIG*/", json.writeValueAsString(config));
    }

    @GetMapping("/t.js")
    ResponseEntity<String> trackingScript() {
        return Scripts.serve(trackingScript, Duration.ofHours(1));
    }

    @PostMapping(value = "/t/collect", consumes = {MediaType.TEXT_PLAIN_VALUE, MediaType.APPLICATION_JSON_VALUE})
    ResponseEntity<Void> collect(@RequestBody(required = false) String body, HttpServletRequest http) {
        if (body != null && body.length() > MAX_COLLECT_BODY) {
            throw new PayloadTooLargeException("A page view is at most " + MAX_COLLECT_BODY + " bytes");
        }
        WebSettings.Tracking tracking = settings.tracking();
        limiter.acquire("collect-ip:" + http.getRemoteAddr(), tracking.perIpPerMinute(), Duration.ofMinutes(1),
                "page views from your address");
        if ((tracking.honourDoNotTrack() && "1".equals(http.getHeader("DNT")))
                || (tracking.honourGlobalPrivacyControl() && "1".equals(http.getHeader("Sec-GPC")))
                || tracking.isBot(http.getHeader("User-Agent"))) {
            return ResponseEntity.noContent().build();
        }
        PageView view = pageView(parse(body), http);
        limiter.acquire("collect-visitor:" + view.anonymousId(), tracking.perVisitorPerMinute(), Duration.ofMinutes(1),
                "page views from this browser");
        if (view.leadId().isPresent() && forms.knownVisitor(view.visitor()).isEmpty()) {
            // an erased person: nothing of theirs is recorded again, not even anonymously
            return ResponseEntity.noContent().build();
        }
        pageViews.record(view.anonymousId(), view.page().toString(), view.page().getPath(), view.leadId());
        return ResponseEntity.noContent().build();
    }

    private record PageView(String anonymousId, URI page, String visitor, Optional<String> leadId) {
    }

    /** The fields of a page view, checked all at once: a 400 names every wrong one. */
    private PageView pageView(JsonNode view, HttpServletRequest http) {
        List<FieldError> errors = new ArrayList<>();
        String anonymousId = text(view, "anonymousId", errors);
        if (anonymousId == null) {
            errors.add(new FieldError("anonymousId", "is required: the random id t.js keeps for this browser"));
        } else if (!ANONYMOUS_ID.matcher(anonymousId).matches()) {
            errors.add(new FieldError("anonymousId", "must be 16 to 64 letters, digits, '_' or '-'"));
        }
        String address = text(view, "url", errors);
        URI page = null;
        if (address == null) {
            errors.add(new FieldError("url", "is required: the address of the page viewed"));
        } else {
            page = page(address, errors, http);
        }
        String visitor = text(view, "visitor", errors);
        Optional<String> leadId = Optional.empty();
        if (visitor != null) {
            leadId = visitors.leadId(visitor);
            if (leadId.isEmpty()) {
                errors.add(new FieldError("visitor", "is not a visitor token Leadflow issued; forget it and send none"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new PageView(anonymousId, page, visitor, leadId);
    }

    /**
     * The page's address as we keep it: scheme, host, port and path of an allowed site, without query or fragment
     * (where sites put emails, names and tokens), path segments that look like an address replaced by {@code _}.
     */
    private URI page(String address, List<FieldError> errors, HttpServletRequest http) {
        URI uri;
        try {
            uri = URI.create(address);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("url", "is not a web address"));
            return null;
        }
        if (uri.getScheme() == null || !uri.getScheme().matches("(?i)https?") || uri.getHost() == null) {
            errors.add(new FieldError("url", "must be an absolute http(s) address"));
            return null;
        }
        if (address.length() > 2000) {
            errors.add(new FieldError("url", "must be at most 2000 characters"));
            return null;
        }
        String origin = WebSettings.origin(address);
        if (!sites.allows(origin, http)) {
            errors.add(new FieldError("url", "is not on a site of leadflow.web.allowed-origins (" + origin + ")"));
            return null;
        }
        String raw = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String[] segments = raw.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            segments[i] = PERSONAL_SEGMENT.matcher(segments[i]).matches() ? "_" : segments[i];
        }
        String path = String.join("/", segments);
        return URI.create(origin + path);
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            throw InvalidInputException.of("body", "is empty: send {\"anonymousId\": …, \"url\": …} as JSON");
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw InvalidInputException.of("body", "must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw InvalidInputException.of("body", "is not JSON");
        }
    }

    private static String text(JsonNode node, String field, List<FieldError> errors) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            errors.add(new FieldError(field, "must be a string"));
            return null;
        }
        String text = value.asText().strip();
        if (text.isEmpty()) {
            return null;
        }
        if (text.chars().anyMatch(Character::isISOControl)) {
            errors.add(new FieldError(field, "must not contain control characters"));
            return null;
        }
        return text;
    }

}
