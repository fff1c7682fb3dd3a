package io.leadflow.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Failed sign-ins (the login form and HTTP Basic alike) are counted per IP address and per user name, in windows all
 * nodes share; past either limit, a request carrying credentials is answered {@code 429} with {@code Retry-After}
 * before they are checked. Nothing locks an account for good: the limit lifts when its window ends, and a guesser
 * spread over many addresses holds one user's sign-ins for at most one window at a time.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 25)
public class LoginThrottle extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);
    private static final UrlPathHelper PATHS = new UrlPathHelper();
    private static final String WHAT = "failed sign-ins";

    private final RateLimiter limiter;
    private final RateLimitSettings settings;
    private final ObjectMapper json;

    public LoginThrottle(RateLimiter limiter, RateLimitSettings settings, ObjectMapper json) {
        this.limiter = limiter;
        this.settings = settings;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return user(request) == null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            limiter.requireBelow(ipKey(request.getRemoteAddr()), settings.loginFailuresPerIp(),
                    settings.loginWindow(), WHAT + " from your address");
            limiter.requireBelow(userKey(user(request)), settings.loginFailuresPerUser(), settings.loginWindow(),
                    WHAT + " for this user");
        } catch (TooManyRequestsException e) {
            response.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
            ProblemHandler.write(response, json, HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                    e.getMessage() + ", or ask an administrator");
            return;
        }
        chain.doFilter(request, response);
    }

    /** Spring Security publishes every wrong password, from the login form and from HTTP Basic. */
    @EventListener
    void failed(AuthenticationFailureBadCredentialsEvent event) {
        String user = event.getAuthentication().getName();
        String ip = event.getAuthentication().getDetails() instanceof WebAuthenticationDetails web
                ? web.getRemoteAddress() : null;
        if (ip != null) {
            limiter.add(ipKey(ip), settings.loginWindow());
        }
        if (user != null && !user.isBlank()) {
            limiter.add(userKey(user), settings.loginWindow());
        }
        // never the user name: people type their password into that field by mistake
        log.info("Failed sign-in from {}", ip);
    }

    /** The user name a request signs in with, or null when it carries no credentials. */
    private static String user(HttpServletRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
                        StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? decoded : decoded.substring(0, colon);
            } catch (IllegalArgumentException notBase64) {
                return "";
            }
        }
        if ("POST".equals(request.getMethod()) && "/login".equals(PATHS.getPathWithinApplication(request))) {
            String user = request.getParameter("username");
            return user == null ? "" : user;
        }
        return null;
    }

    private static String ipKey(String ip) {
        return "login-ip:" + ip;
    }

    private static String userKey(String user) {
        return "login-user:" + user.strip().toLowerCase(Locale.ROOT);
    }
}
