package io.leadflow.platform;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code /engine-rest} takes HTTP Basic and no CSRF token (Camunda Modeler's deploy button sends neither a token
 * nor an {@code Origin}), so a browser that holds an administrator's Basic credentials would send them along with
 * a form a hostile page posts there. This refuses what only a browser on another site sends: a
 * {@code Sec-Fetch-Site} other than {@code same-origin} or {@code none}, or an {@code Origin} that is not this
 * server's own (as the browser addressed it, or {@code leadflow.public-url}).
 */
final class CrossSiteRefusal extends OncePerRequestFilter {

    private final String publicOrigin;
    private final ObjectMapper json;

    CrossSiteRefusal(String publicUrl, ObjectMapper json) {
        this.publicOrigin = origin(publicUrl);
        this.json = json;
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
            ProblemHandler.write(response, json, HttpStatus.FORBIDDEN, "Cross-site request refused",
                    "/engine-rest takes no request a page of another site sends (Sec-Fetch-Site: "
                            + (site == null ? "absent" : site) + ", Origin: " + (origin == null ? "absent" : origin)
                            + "). Call it from Camunda Modeler, a script or this server's own pages.");
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
}
