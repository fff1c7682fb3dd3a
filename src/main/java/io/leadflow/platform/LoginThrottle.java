package io.leadflow.platform;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Failed sign-ins (the login form and HTTP Basic alike) are counted per IP address (an IPv6 address by its /64) and
 * per user name, in windows all nodes share. Two gates:
 * <ul>
 * <li>{@link #checked}, around the password check itself (the authentication provider calls it): past either limit
 * the password is not checked at all, whatever way the credentials came in; checks of one user name run one at a
 * time on a node, so parallel guesses cannot all slip under the limit before their failures are counted;</li>
 * <li>this filter, ahead of Spring Security, which answers a request carrying credentials {@code 429} with
 * {@code Retry-After} once a limit is reached, so that a client hears why.</li>
 * </ul>
 * Nothing locks an account for good: the limit lifts when its window ends, and a guesser spread over many addresses
 * holds one user's sign-ins for at most one window at a time.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 25)
public class LoginThrottle extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(LoginThrottle.class);
    private static final UrlPathHelper PATHS = new UrlPathHelper();
    private static final String WHAT = "failed sign-ins";
    /** How long a sign-in waits for another check of the same user name on this node. */
    private static final long LOCK_WAIT_SECONDS = 5;

    private final RateLimiter limiter;
    private final RateLimitSettings settings;
    private final ObjectMapper json;
    private final ReentrantLock[] userLocks = new ReentrantLock[64];

    /** A sign-in refused before its password was checked: a limit of failed sign-ins was reached. */
    public static final class Throttled extends AuthenticationException {

        private final long retryAfterSeconds;

        public Throttled(String message, long retryAfterSeconds) {
            super(message);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public long retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** Answers a sign-in the provider refused unchecked as the filter does: 429 with Retry-After. */
    public void tooMany(HttpServletResponse response, Throttled e) throws IOException {
        response.setHeader("Retry-After", String.valueOf(e.retryAfterSeconds()));
        ProblemHandler.write(response, json, HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                e.getMessage() + ", or ask an administrator");
    }

    public LoginThrottle(RateLimiter limiter, RateLimitSettings settings, ObjectMapper json) {
        this.limiter = limiter;
        this.settings = settings;
        this.json = json;
        for (int i = 0; i < userLocks.length; i++) {
            userLocks[i] = new ReentrantLock();
        }
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // an email provider's webhook credentials are no sign-in (SecurityConfig#emailFeedback)
        return user(request) == null || PATHS.getPathWithinApplication(request).startsWith("/api/email-feedback/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            requireBelowLimits(user(request), request.getRemoteAddr());
        } catch (Throttled e) {
            tooMany(response, e);
            return;
        }
        chain.doFilter(request, response);
    }

    /**
     * Checks a password under the limits: refused unchecked ({@link Throttled}) past either limit, a wrong one
     * ({@link BadCredentialsException}) counted against the user name and the address.
     */
    public Authentication checked(String user, String ip, Supplier<Authentication> check) {
        String name = user == null ? "" : user;
        ReentrantLock lock = userLocks[Math.floorMod(userKey(name).hashCode(), userLocks.length)];
        try {
            if (!lock.tryLock(LOCK_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new Throttled("Too many sign-ins at once for this user; try again in a few seconds",
                        LOCK_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Throttled("Sign-in interrupted; try again", 1);
        }
        try {
            requireBelowLimits(name, ip);
            try {
                return check.get();
            } catch (BadCredentialsException wrong) {
                if (ip != null) {
                    limiter.add(ipKey(ip), settings.loginWindow());
                }
                limiter.add(userKey(name), settings.loginWindow());
                // never the user name: people type their password into that field by mistake
                log.info("Failed sign-in from {}", ip);
                throw wrong;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Throws {@link Throttled} when the address or the user name already reached its limit of failed sign-ins. */
    private void requireBelowLimits(String user, String ip) {
        try {
            if (ip != null) {
                limiter.requireBelow(ipKey(ip), settings.loginFailuresPerIp(), settings.loginWindow(),
                        WHAT + " from your address");
            }
            limiter.requireBelow(userKey(user), settings.loginFailuresPerUser(), settings.loginWindow(),
                    WHAT + " for this user");
        } catch (TooManyRequestsException e) {
            throw new Throttled(e.getMessage(), e.retryAfterSeconds());
        }
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

    /** An IPv6 client holds a whole /64 (its provider hands it one): counted as one address. */
    static String ipKey(String ip) {
        if (ip.indexOf(':') >= 0) {
            try {
                byte[] address = InetAddress.getByName(ip).getAddress();
                if (address.length == 16) {
                    return "login-ip:" + HexFormat.of().formatHex(address, 0, 8) + "::/64";
                }
            } catch (UnknownHostException | SecurityException notAnAddress) {
                // counted as written
            }
        }
        return "login-ip:" + ip;
    }

    private static String userKey(String user) {
        return "login-user:" + user.strip().toLowerCase(Locale.ROOT);
    }
}
