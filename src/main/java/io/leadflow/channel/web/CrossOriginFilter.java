package io.leadflow.channel.web;

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
import org.springframework.web.util.UrlPathHelper;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.platform.ProblemHandler;

/**
 * CORS for the endpoints other web sites call from their pages (embedded forms, {@code /t/collect}): a page of an
 * allowed site gets the {@code Access-Control-Allow-*} headers, any other site {@code 403}, before anything is read
 * or stored. Credentials are never allowed: these calls carry no cookie of ours, so a forged request has nothing to
 * ride on (CSRF), and nothing depends on third-party cookies. {@code /t/collect} also refuses calls that name no
 * origin at all, since every browser sends one with a POST.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class CrossOriginFilter extends OncePerRequestFilter {

    private static final UrlPathHelper PATHS = new UrlPathHelper();
    private static final String ALLOWED_HEADERS = "Content-Type, Leadflow-Visitor";

    private final SiteOrigins sites;
    private final ObjectMapper json;

    CrossOriginFilter(SiteOrigins sites, ObjectMapper json) {
        this.sites = sites;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = path(request);
        return !(path.startsWith("/forms/") || path.equals("/t/collect"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String origin = request.getHeader("Origin");
        boolean collect = path(request).equals("/t/collect");
        if (origin == null) {
            if (collect && "POST".equals(request.getMethod())) {
                refuse(response, "(none)");
                return;
            }
            chain.doFilter(request, response);
            return;
        }
        if (!sites.allows(origin, request)) {
            refuse(response, origin);
            return;
        }
        response.setHeader("Access-Control-Allow-Origin", origin);
        response.addHeader("Vary", "Origin");
        if ("OPTIONS".equals(request.getMethod()) && request.getHeader("Access-Control-Request-Method") != null) {
            response.setHeader("Access-Control-Allow-Methods", "GET, POST");
            response.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
            response.setHeader("Access-Control-Max-Age", "3600");
            response.setStatus(HttpStatus.NO_CONTENT.value());
            return;
        }
        chain.doFilter(request, response);
    }

    private void refuse(HttpServletResponse response, String origin) throws IOException {
        ProblemHandler.write(response, json, HttpStatus.FORBIDDEN, "Origin not allowed", "Pages of " + origin
                + " may not call this endpoint; add the site to leadflow.web.allowed-origins");
    }

    /** Decoded, as Spring matches routes: {@code /%66orms/x} is {@code /forms/x} here too. */
    private static String path(HttpServletRequest request) {
        return PATHS.getPathWithinApplication(request);
    }
}
