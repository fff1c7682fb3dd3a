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

/** Capture endpoints accept at most 64 KiB: larger bodies are refused with 413, before reading when the
 * Content-Length says so, while reading otherwise. */
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
        if (length > CAPTURE_LIMIT) {
            var problem = ProblemHandler.problem(HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large",
                    "Request bodies here are limited to 64 KiB (with a Content-Length)", null);
            response.setStatus(413);
            response.setContentType("application/problem+json");
            json.writeValue(response.getOutputStream(), problem.getBody());
            return;
        }
        // Without a Content-Length (chunked), count while reading and stop at the limit.
        chain.doFilter(length < 0 ? new LimitedBody(request) : request, response);
    }

    private static final class LimitedBody extends jakarta.servlet.http.HttpServletRequestWrapper {

        LimitedBody(HttpServletRequest request) {
            super(request);
        }

        @Override
        public jakarta.servlet.ServletInputStream getInputStream() throws IOException {
            jakarta.servlet.ServletInputStream in = super.getInputStream();
            return new jakarta.servlet.ServletInputStream() {
                private long read;

                @Override
                public int read() throws IOException {
                    int b = in.read();
                    if (b >= 0) {
                        count(1);
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int off, int len) throws IOException {
                    int n = in.read(buffer, off, len);
                    if (n > 0) {
                        count(n);
                    }
                    return n;
                }

                private void count(int n) {
                    read += n;
                    if (read > CAPTURE_LIMIT) {
                        throw new PayloadTooLargeException("Request bodies here are limited to 64 KiB");
                    }
                }

                @Override
                public boolean isFinished() {
                    return in.isFinished();
                }

                @Override
                public boolean isReady() {
                    return in.isReady();
                }

                @Override
                public void setReadListener(jakarta.servlet.ReadListener listener) {
                    in.setReadListener(listener);
                }
            };
        }
    }
}
