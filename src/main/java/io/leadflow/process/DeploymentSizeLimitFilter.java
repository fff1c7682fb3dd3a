package io.leadflow.process;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.BufferedRequestBody;

/**
 * Deployments through the engine's REST APIs are limited to 20 MB. The lint itself runs inside the engine
 * ({@link LintingDeployer}), so that no path around this filter reaches the engine unlinted.
 */
class DeploymentSizeLimitFilter extends OncePerRequestFilter {

    static final int MAX_BODY = 20 * 1024 * 1024;

    private final ObjectMapper json;

    DeploymentSizeLimitFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > MAX_BODY) {
            tooLarge(response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            tooLarge(response);
            return;
        }
        chain.doFilter(new BufferedRequestBody(request, body), response);
    }

    private void tooLarge(HttpServletResponse response) throws IOException {
        response.setStatus(413);
        response.setContentType("application/problem+json");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("title", "Deployment too large");
        body.put("status", 413);
        body.put("detail", "Deployments are limited to 20 MB: deploy fewer or smaller files at once");
        json.writeValue(response.getOutputStream(), body);
    }
}
