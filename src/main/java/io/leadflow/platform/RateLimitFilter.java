package io.leadflow.platform;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Public POSTs (forms, confirmation, new-link requests) are limited per IP address: 429 with Retry-After. Routes are
 * matched on the decoded path, as Spring matches them ({@code /%66orms/newsletter} is {@code /forms/newsletter}); the
 * address is the client's, also behind a proxy listed in {@code server.tomcat.remoteip.internal-proxies}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class RateLimitFilter extends OncePerRequestFilter {

    private static final UrlPathHelper PATHS = new UrlPathHelper();

    private final RateLimiter limiter;
    private final RateLimitSettings settings;
    private final ObjectMapper json;

    public RateLimitFilter(RateLimiter limiter, RateLimitSettings settings, ObjectMapper json) {
        this.limiter = limiter;
        this.settings = settings;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = PATHS.getPathWithinApplication(request);
        return !"POST".equals(request.getMethod()) || !(path.startsWith("/forms/") || path.startsWith("/optin/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            limiter.acquire("ip:" + request.getRemoteAddr(), settings.perIpPerMinute(), Duration.ofMinutes(1),
                    "requests from your address");
        } catch (TooManyRequestsException e) {
            response.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
            ProblemHandler.write(response, json, HttpStatus.TOO_MANY_REQUESTS, "Too many requests", e.getMessage());
            return;
        }
        chain.doFilter(request, response);
    }
}
