package io.leadflow.channel.web;

import java.util.LinkedHashSet;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.stereotype.Component;

import io.leadflow.platform.LeadflowSettings;

/** Which web sites may embed our forms and send page views: the configured ones and Leadflow's own address. */
@Component
class SiteOrigins {

    private final Set<String> allowed;
    private final Set<String> configured;

    SiteOrigins(WebSettings web, LeadflowSettings leadflow) {
        this.configured = Set.copyOf(web.allowedOrigins());
        Set<String> all = new LinkedHashSet<>(web.allowedOrigins());
        all.add(WebSettings.origin(leadflow.publicUrl().toString()));
        this.allowed = Set.copyOf(all);
    }

    /** A page of a configured site or of Leadflow's public address: somewhere a redirect may always go. */
    boolean ours(String address) {
        String normalised = WebSettings.origin(address);
        return normalised != null && allowed.contains(normalised);
    }

    /** A configured site, Leadflow's public address, or the very address this request was sent to (same origin). */
    boolean allows(String origin, HttpServletRequest request) {
        String normalised = WebSettings.origin(origin);
        if (normalised == null) {
            return false;
        }
        return allowed.contains(normalised) || normalised.equals(ownOrigin(request));
    }

    /** One of the sites of {@code leadflow.web.allowed-origins}, the marketers' own sites. */
    boolean configured(String address) {
        String normalised = WebSettings.origin(address);
        return normalised != null && configured.contains(normalised);
    }

    private static String ownOrigin(HttpServletRequest request) {
        String host = request.getHeader("Host");
        return host == null ? null : WebSettings.origin(request.getScheme() + "://" + host);
    }
}
