package io.leadflow.platform;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
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
        chain.doFilter(new BufferedBody(request, body), response);
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        var problem = ProblemHandler.problem(HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large",
                "Request bodies here are limited to 64 KiB", null);
        response.setStatus(413);
        response.setContentType("application/problem+json");
        json.writeValue(response.getOutputStream(), problem.getBody());
    }

    /** Replays a body read up front; form fields are parsed from it as the container would have done. */
    private static final class BufferedBody extends HttpServletRequestWrapper {

        private final byte[] body;
        private Map<String, String[]> parameters;

        BufferedBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body was already read");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), charset()));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            if (parameters == null) {
                // the query string's fields (the container no longer reads the body, which we consumed)
                Map<String, List<String>> merged = new LinkedHashMap<>();
                super.getParameterMap().forEach((k, v) -> merged.computeIfAbsent(k, x -> new ArrayList<>()).addAll(List.of(v)));
                if (isForm()) {
                    for (String pair : new String(body, StandardCharsets.ISO_8859_1).split("&")) {
                        if (pair.isEmpty()) {
                            continue;
                        }
                        int eq = pair.indexOf('=');
                        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), charset());
                        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), charset());
                        merged.computeIfAbsent(name, x -> new ArrayList<>()).add(value);
                    }
                }
                Map<String, String[]> result = new LinkedHashMap<>();
                merged.forEach((k, v) -> result.put(k, v.toArray(String[]::new)));
                parameters = Collections.unmodifiableMap(result);
            }
            return parameters;
        }

        @Override
        public String getParameter(String name) {
            String[] values = getParameterMap().get(name);
            return values == null || values.length == 0 ? null : values[0];
        }

        @Override
        public String[] getParameterValues(String name) {
            return getParameterMap().get(name);
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return Collections.enumeration(getParameterMap().keySet());
        }

        private boolean isForm() {
            String type = getContentType();
            return type != null && MediaType.APPLICATION_FORM_URLENCODED.isCompatibleWith(MediaType.parseMediaType(type));
        }

        private Charset charset() {
            String encoding = getCharacterEncoding();
            return encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
        }
    }
}
