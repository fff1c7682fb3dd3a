package io.leadflow.platform;

import java.io.IOException;
import java.time.Duration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A request that takes longer than {@code leadflow.web.slow-request} (default 2 s) leaves a warning with its route,
 * status and time, so that "the page took ages" can be told apart from "the page never reached the server". The
 * route is cut after its first segment, as {@link StorageLostFilter} logs it: a path may hold a signed token.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class SlowRequestLog extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(SlowRequestLog.class);

    private final long thresholdNanos;

    public SlowRequestLog(@Value("${leadflow.web.slow-request:PT2S}") Duration threshold) {
        this.thresholdNanos = threshold.toNanos();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long start = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } finally {
            long took = System.nanoTime() - start;
            if (took > thresholdNanos) {
                log.warn("Slow request: {} {} answered {} in {} ms", request.getMethod(),
                        StorageLostFilter.route(request), response.getStatus(), took / 1_000_000);
            }
        }
    }
}
