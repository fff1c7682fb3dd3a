package io.leadflow.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A database that went away answers {@code 503} with {@code Retry-After} also where no controller is involved yet:
 * signing in reads the user from the database inside the security filters, and a connection a failover killed
 * surfaces there, outside the reach of {@link ProblemHandler}, as do the rate limits and the sign-in throttle, which
 * count in the database before any work. Without this the caller got the servlet container's {@code 500}. Whatever
 * reaches this filter failed before a controller ran (a controller's failures, a failed commit among them, are
 * {@link ProblemHandler}'s), so nothing of the request was saved.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class StorageLostFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(StorageLostFilter.class);

    private final ObjectMapper json;

    /** The path's first segment only: the rest may be a signed token (/r/…, /optin/…) that has no place in a log. */
    static String route(HttpServletRequest request) {
        String path = request.getServletPath() == null ? "" : request.getServletPath();
        int second = path.indexOf('/', 1);
        return second < 0 ? path : path.substring(0, second) + "/…";
    }

    public StorageLostFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (RuntimeException | ServletException e) {
            if (!Errors.isStorageFailure(e) || response.isCommitted()) {
                throw e;
            }
            log.error("Storage unavailable during {} {}: {}", request.getMethod(), route(request),
                    Errors.rootMessage(e));
            response.resetBuffer();
            response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(ProblemHandler.STORAGE_RETRY_AFTER_SECONDS));
            ProblemHandler.write(response, json, HttpStatus.SERVICE_UNAVAILABLE, "Storage unavailable",
                    "The database did not answer. Nothing was saved. Please retry in a few seconds.");
        }
    }
}
