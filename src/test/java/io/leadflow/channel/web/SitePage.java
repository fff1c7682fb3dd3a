package io.leadflow.channel.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls as a page of another web site makes them from a browser: with its {@code Origin} and a browser's user agent
 * (the JDK client, unlike the test template's, lets a test set {@code Origin}), never following redirects.
 */
final class SitePage {

    static final String BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/131.0 Safari/537.36";

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;
    private final String origin;

    SitePage(int port, String origin) {
        this.base = "http://localhost:" + port;
        this.origin = origin;
    }

    HttpResponse<String> get(String path, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), headers);
    }

    HttpResponse<String> post(String path, String contentType, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    HttpResponse<String> preflight(String path, String method, String requestHeaders) {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", requestHeaders));
    }

    /**
     * The visitor token a click on a tracked link of one of our emails hands to the site it leads to (after
     * {@code #lf_v=}): the only way a visitor becomes known.
     */
    String visitorFromEmailLink(io.leadflow.channel.email.TrackedLinks links, String leadId, String site) {
        String link = links.link(leadId, "welcome", site);
        String location = get(link.substring(link.indexOf("/r/"))).headers().firstValue("Location").orElseThrow();
        return location.substring(location.indexOf("#lf_v=") + "#lf_v=".length());
    }

    /** A page view as t.js sends it. */
    HttpResponse<String> collect(String body, String... headers) {
        return post("/t/collect", "text/plain;charset=UTF-8", body, headers);
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
        if (origin != null) {
            request.header("Origin", origin);
        }
        boolean userAgent = false;
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            userAgent |= headers[i].equalsIgnoreCase("User-Agent");
        }
        if (!userAgent) {
            request.header("User-Agent", BROWSER);
        }
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
