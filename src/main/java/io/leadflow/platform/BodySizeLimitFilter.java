package io.leadflow.platform;

import java.io.IOException;

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

/**
 * Capture endpoints accept at most 64 KiB: larger bodies are refused with 413, before reading when the
 * Content-Length says so, after reading one byte past the limit otherwise (chunked).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class BodySizeLimitFilter extends OncePerRequestFilter {

    static final int CAPTURE_LIMIT = 64 * 1024;
    private final ObjectMapper json;

    public BodySizeLimitFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !"POST".equals(request.getMethod())
                || !(path.startsWith("/forms/") || path.equals("/api/leads") || path.equals("/api/events")
                || path.startsWith("/optin/") || path.equals("/t/collect") || path.equals("/api/crm/events"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        if (length > CAPTURE_LIMIT) {
            tooLarge(response);
            return;
        }
        if (length >= 0) {
            chain.doFilter(request, response);
            return;
        }
        // No Content-Length (chunked): read up to one byte past the limit here, so that neither Jackson (which would
        // turn an exception into "unreadable JSON") nor Tomcat's own form parsing (which bypasses wrapped streams)
        // ever sees more than 64 KiB.
        byte[] body = request.getInputStream().readNBytes(CAPTURE_LIMIT + 1);
        if (body.length > CAPTURE_LIMIT) {
            tooLarge(response);
            return;
        }
        chain.doFilter(new BufferedRequestBody(request, body), response);
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        ProblemHandler.write(response, json, HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large",
                "Request bodies here are limited to 64 KiB");
    }
}
