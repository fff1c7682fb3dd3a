package io.leadflow.channel.web;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The web channel on sites Leadflow does not host: which sites may embed our forms and send page views, and how
 * the tracking snippet behaves ({@code leadflow.web.*}).
 *
 * @param allowedOrigins sites (scheme, host and port, e.g. {@code https://www.acme.com}) whose pages may embed forms
 *                       and send page views; Leadflow's own address is always allowed
 * @param demoPage       whether {@code /demo/site} shows the demo website (off in prod)
 */
@ConfigurationProperties("leadflow.web")
public record WebSettings(List<String> allowedOrigins, Tracking tracking, boolean demoPage) {

    /**
     * @param honourDoNotTrack            a browser saying {@code DNT: 1} is not tracked, consent or not
     * @param honourGlobalPrivacyControl  a browser saying {@code Sec-GPC: 1} is not tracked, consent or not
     * @param pricingPages                path segments ({@code /pricing}) that make a view {@code PRICING_PAGE_VIEW}
     *                                    wherever they stand in the path; others are {@code PAGE_VIEW}
     * @param anonymousRetention          how long page views of visitors not known yet are kept
     * @param perIpPerMinute              page views accepted from one IP address per minute
     * @param perVisitorPerMinute         page views accepted from one browser (first-party id) per minute
     * @param botUserAgents               user agents containing one of these (case-insensitive) are ignored
     * @param repeatViewWindow            a browser viewing the same page again within this time (a reload, the
     *                                    back button) is not counted again
     */
    public record Tracking(boolean honourDoNotTrack, boolean honourGlobalPrivacyControl, List<String> pricingPages,
            Duration anonymousRetention, int perIpPerMinute, int perVisitorPerMinute, List<String> botUserAgents,
            Duration repeatViewWindow) {

        public Tracking {
            pricingPages = pricingPages == null ? List.of("/pricing") : List.copyOf(pricingPages);
            anonymousRetention = anonymousRetention == null ? Duration.ofDays(30) : anonymousRetention;
            repeatViewWindow = repeatViewWindow == null ? Duration.ofMinutes(30) : repeatViewWindow;
            perIpPerMinute = perIpPerMinute <= 0 ? 300 : perIpPerMinute;
            perVisitorPerMinute = perVisitorPerMinute <= 0 ? 60 : perVisitorPerMinute;
            botUserAgents = botUserAgents == null ? List.of() : botUserAgents.stream()
                    .map(s -> s.toLowerCase(Locale.ROOT)).toList();
        }

        boolean isBot(String userAgent) {
            if (userAgent == null || userAgent.isBlank()) {
                return true;
            }
            String ua = userAgent.toLowerCase(Locale.ROOT);
            return botUserAgents.stream().anyMatch(ua::contains);
        }

        /** Whether the path holds one of the pricing segments: {@code /pricing} matches {@code /en/pricing/teams}. */
        boolean isPricingPage(String path) {
            String padded = path.endsWith("/") ? path : path + "/";
            return pricingPages.stream().map(p -> (p.startsWith("/") ? p : "/" + p))
                    .map(p -> p.endsWith("/") ? p : p + "/").anyMatch(padded::contains);
        }
    }

    public WebSettings {
        allowedOrigins = allowedOrigins == null ? List.of() : allowedOrigins.stream().map(a -> {
            String origin = origin(a);
            if (origin == null) {
                throw new IllegalArgumentException("leadflow.web.allowed-origins: '" + a
                        + "' is no origin; write scheme, host and port, e.g. https://www.acme.com");
            }
            return origin;
        }).toList();
        tracking = tracking == null ? new Tracking(true, true, null, null, 0, 0, null, null) : tracking;
    }

    /** {@code scheme://host[:port]} of an address, lower-cased, default ports left out; null when it has none. */
    static String origin(String address) {
        if (address == null) {
            return null;
        }
        try {
            URI uri = URI.create(address.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return null;
            }
            String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
            int port = uri.getPort();
            boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80)
                    || ("https".equals(scheme) && port == 443);
            return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
