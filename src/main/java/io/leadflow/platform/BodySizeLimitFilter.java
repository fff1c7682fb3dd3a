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

/** Capture endpoints accept at most 64 KiB: larger bodies are refused with 413 before anything is read. */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class BodySizeLimitFilter extends OncePerRequestFilter {

    static final long CAPTURE_LIMIT = 64 * 1024;
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
        if (length > CAPTURE_LIMIT || (length < 0 && "chunked".equalsIgnoreCase(request.getHeader("Transfer-Encoding")))) {
            var problem = ProblemHandler.problem(HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large",
                    "Request bodies here are limited to 64 KiB (with a Content-Length)", null);
            response.setStatus(413);
            response.setContentType("application/problem+json");
            json.writeValue(response.getOutputStream(), problem.getBody());
            return;
        }
        chain.doFilter(request, response);
    }
}
