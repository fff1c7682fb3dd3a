package io.leadflow.process;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.apache.commons.fileupload.FileItemIterator;
import org.apache.commons.fileupload.FileItemStream;
import org.apache.commons.fileupload.FileUpload;
import org.apache.commons.fileupload.RequestContext;
import org.apache.commons.fileupload.disk.DiskFileItemFactory;
import org.springframework.web.filter.OncePerRequestFilter;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.BufferedRequestBody;

/**
 * Lints what Camunda Modeler's deploy button sends to {@code /engine-rest/deployment/create} with the same rules
 * as the folder deployer, and answers a refused model with 400 naming the file and element.
 */
class DeploymentLintFilter extends OncePerRequestFilter {

    private static final int MAX_BODY = 20 * 1024 * 1024;

    private final ModelDeployer deployer;
    private final ObjectMapper json;

    DeploymentLintFilter(ModelDeployer deployer, ObjectMapper json) {
        this.deployer = deployer;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equals(request.getMethod()) || !request.getRequestURI().endsWith("/deployment/create");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        byte[] body = request.getInputStream().readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            reject(response, 413, "Deployments are limited to 20 MB", List.of());
            return;
        }
        Map<String, byte[]> files;
        try {
            files = parts(request, body);
        } catch (Exception e) {
            reject(response, 400, "The deployment is not a valid multipart/form-data body: " + e.getMessage(),
                    List.of());
            return;
        }
        ModelLinter linter = deployer.linter();
        Set<String> decisionsHere = new HashSet<>();
        files.forEach((n, b) -> {
            if (n.endsWith(".dmn")) {
                decisionsHere.addAll(ModelLinter.decisionKeys(b));
            }
        });
        List<String> problems = new ArrayList<>();
        files.forEach((n, b) -> linter.lint(n, b, decisionsHere).forEach(p -> problems.add(p.toString())));
        if (!problems.isEmpty()) {
            reject(response, 400, "Model refused: " + String.join("; ", problems), problems);
            return;
        }
        chain.doFilter(new BufferedRequestBody(request, body), response);
    }

    private void reject(HttpServletResponse response, int status, String message, List<String> problems)
            throws IOException {
        response.setStatus(status);
        response.setContentType("application/problem+json");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "ParseException");
        body.put("title", "Model refused");
        body.put("status", status);
        body.put("message", message);
        body.put("detail", message);
        body.put("problems", problems);
        json.writeValue(response.getOutputStream(), body);
    }

    private static Map<String, byte[]> parts(HttpServletRequest request, byte[] body) throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        FileUpload upload = new FileUpload(new DiskFileItemFactory());
        FileItemIterator items = upload.getItemIterator(new RequestContext() {
            @Override
            public String getCharacterEncoding() {
                return request.getCharacterEncoding();
            }

            @Override
            public String getContentType() {
                return request.getContentType();
            }

            @Override
            @Deprecated
            public int getContentLength() {
                return body.length;
            }

            @Override
            public InputStream getInputStream() {
                return new ByteArrayInputStream(body);
            }
        });
        while (items.hasNext()) {
            FileItemStream item = items.next();
            try (InputStream in = item.openStream()) {
                byte[] bytes = in.readAllBytes();
                if (!item.isFormField() || item.getName() != null) {
                    files.put(item.getName() != null ? item.getName() : item.getFieldName(), bytes);
                }
            }
        }
        return files;
    }
}
