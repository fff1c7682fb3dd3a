package io.leadflow.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Every request body is capped: capture endpoints at 64 KiB, model deployments, backtests and suppression lists (about
 * 400,000 addresses) at 20 MB, anything else
 * at 1 MiB. Only a CSV import is left to its own, larger limit ({@code leadflow.imports.max-size}), which it enforces
 * while streaming the file to disk. Larger bodies are refused with 413, before reading when the Content-Length says
 * so, after reading one byte past the limit otherwise (chunked). A chunked body is held in memory while it is
 * counted: here, before anyone signed in, only up to the default cap; a route that takes more (all of them need a
 * login) counts it after sign-in ({@link AfterSignIn}), so a stranger's chunked upload holds no more than 1 MiB.
 * Routes are matched on the decoded path, as Spring and the engine's REST API match them.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class BodySizeLimitFilter extends OncePerRequestFilter {

    static final int CAPTURE_LIMIT = 64 * 1024;
    static final int DEPLOYMENT_LIMIT = 20 * 1024 * 1024;
    static final int DEFAULT_LIMIT = 1024 * 1024;
    private static final UrlPathHelper PATHS = new UrlPathHelper();

    private final ObjectMapper json;

    public BodySizeLimitFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !carriesBody(request) || limit(request) < 0;
    }

    /** The methods whose requests come with a body. */
    private static boolean carriesBody(HttpServletRequest request) {
        String method = request.getMethod();
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method) || "DELETE".equals(method);
    }

    private static int limit(HttpServletRequest request) {
        String path = PATHS.getPathWithinApplication(request);
        if (path.equals("/api/imports") && "POST".equals(request.getMethod())) {
            return -1;
        }
        if (path.startsWith("/forms/") || path.equals("/api/leads") || path.equals("/api/events")
                || path.startsWith("/optin/") || path.equals("/t/collect") || path.equals("/api/crm/events")) {
            return CAPTURE_LIMIT;
        }
        if (path.equals("/engine-rest/deployment/create") || path.equals("/api/scoring/backtest")
                || path.equals("/api/suppressions")
                || path.startsWith("/camunda/api/engine/") && path.endsWith("/deployment/create")) {
            return DEPLOYMENT_LIMIT;
        }
        return DEFAULT_LIMIT;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int limit = limit(request);
        long length = request.getContentLengthLong();
        if (length > limit) {
            tooLarge(response, json, limit);
            return;
        }
        if (length >= 0 || limit > DEFAULT_LIMIT) {
            chain.doFilter(request, response);
            return;
        }
        chunked(request, response, chain, json, limit);
    }

    /**
     * No Content-Length (chunked): reads up to one byte past the limit, so that neither Jackson (which would turn an
     * exception into "unreadable JSON") nor Tomcat's own form parsing (which bypasses wrapped streams) ever sees more
     * than the limit.
     */
    private static void chunked(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
            ObjectMapper json, int limit) throws ServletException, IOException {
        byte[] body = request.getInputStream().readNBytes(limit + 1);
        if (body.length > limit) {
            tooLarge(response, json, limit);
            return;
        }
        chain.doFilter(new BufferedRequestBody(request, body), response);
    }

    /** The chunked bodies of the routes that take more than the default cap, counted once the caller signed in. */
    static final class AfterSignIn extends OncePerRequestFilter {

        private final ObjectMapper json;

        AfterSignIn(ObjectMapper json) {
            this.json = json;
        }

        @Override
        protected boolean shouldNotFilter(HttpServletRequest request) {
            return !carriesBody(request) || request.getContentLengthLong() >= 0 || limit(request) <= DEFAULT_LIMIT;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            chunked(request, response, chain, json, limit(request));
        }
    }

    /** Right after Spring Security: an anonymous caller has been turned away before any of its body is read. */
    @Configuration(proxyBeanMethods = false)
    static class AfterSignInRegistration {

        @Bean
        FilterRegistrationBean<AfterSignIn> largeBodyLimit(ObjectMapper json) {
            var registration = new FilterRegistrationBean<>(new AfterSignIn(json));
            registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER + 1);
            return registration;
        }
    }

    private static void tooLarge(HttpServletResponse response, ObjectMapper json, int limit) throws IOException {
        String size = limit >= 1024 * 1024 ? limit / (1024 * 1024) + " MB" : limit / 1024 + " KiB";
        ProblemHandler.write(response, json, HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large",
                "Request bodies here are limited to " + size
                        + (limit == DEPLOYMENT_LIMIT ? ": deploy fewer or smaller files at once" : ""));
    }
}
