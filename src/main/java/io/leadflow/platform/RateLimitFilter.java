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

import com.fasterxml.jackson.databind.ObjectMapper;

/** Public POSTs (forms, confirmation, new-link requests) are limited per IP address: 429 with Retry-After. */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class RateLimitFilter extends OncePerRequestFilter {

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
        String path = request.getRequestURI().substring(request.getContextPath().length());
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
