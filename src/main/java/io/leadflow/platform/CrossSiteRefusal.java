package io.leadflow.platform;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code /engine-rest} takes HTTP Basic and no CSRF token (Camunda Modeler's deploy button sends neither a token
 * nor an {@code Origin}), so a browser that holds an administrator's Basic credentials would send them along with
 * a form a hostile page posts there. This refuses what only a browser on another site sends: a
 * {@code Sec-Fetch-Site} other than {@code same-origin} or {@code none}, or an {@code Origin} that is not this
 * server's own (as the browser addressed it, or {@code leadflow.public-url}).
 */
final class CrossSiteRefusal extends OncePerRequestFilter {

    private final String publicOrigin;

    CrossSiteRefusal(String publicUrl) {
        this.publicOrigin = origin(publicUrl);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String site = request.getHeader("Sec-Fetch-Site");
        String origin = request.getHeader("Origin");
        boolean crossSite = site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none");
        boolean foreignOrigin = origin != null && !origin.equalsIgnoreCase(ownOrigin(request))
                && !origin.equalsIgnoreCase(publicOrigin);
        if (crossSite || foreignOrigin) {
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            response.setContentType("application/problem+json");
            response.getWriter().write("{\"title\":\"Cross-site request refused\",\"status\":403,\"detail\":"
                    + "\"/engine-rest takes no request a page of another site sends (Sec-Fetch-Site: "
                    + json(site) + ", Origin: " + json(origin) + "). Call it from Camunda Modeler, a script or"
                    + " this server's own pages.\"}");
            return;
        }
        chain.doFilter(request, response);
    }

    private static String ownOrigin(HttpServletRequest request) {
        String host = request.getHeader("Host");
        return request.getScheme() + "://" + (host != null ? host : request.getServerName());
    }

    private static String origin(String url) {
        if (url == null || url.isBlank()) {
            return "";
        }
        URI uri = URI.create(url.trim());
        return (uri.getScheme() + "://" + uri.getRawAuthority()).toLowerCase(Locale.ROOT);
    }

    private static String json(String value) {
        return value == null ? "absent" : value.replaceAll("[^A-Za-z0-9:/._-]", "?");
    }
}
