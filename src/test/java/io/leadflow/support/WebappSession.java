package io.leadflow.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser session: signed in through the login form, holding the cookies the Camunda webapps set (their CSRF
 * token), so that a test calls Cockpit's and Tasklist's own REST API as a person in a browser does.
 */
public record WebappSession(HttpClient http, CookieManager cookies, String base) {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"");

    public static WebappSession signIn(String base, String user) throws Exception {
        return signIn(base, user, "demo");
    }

    public static WebappSession signIn(String base, String user, String password) throws Exception {
        CookieManager cookies = new CookieManager();
        HttpClient http = HttpClient.newBuilder().cookieHandler(cookies).build();
        String login = http.send(HttpRequest.newBuilder(URI.create(base + "/login")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher csrf = CSRF_FIELD.matcher(login);
        assertThat(csrf.find()).as("the login page carries a CSRF token").isTrue();
        HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + user + "&password=" + password + "&_csrf="
                        + java.net.URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.headers().firstValue("Location").orElse("")).as("signed in").doesNotContain("error");
        // Cockpit's first page sets the webapps' CSRF cookie, as in a browser.
        http.send(HttpRequest.newBuilder(URI.create(base + "/camunda/api/engine/engine/")).build(),
                HttpResponse.BodyHandlers.ofString());
        return new WebappSession(http, cookies, base);
    }

    public HttpResponse<String> post(String path, String multipartBody) throws Exception {
        return post(path, "multipart/form-data; boundary=b", multipartBody);
    }

    public HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        return send("POST", path, contentType, body);
    }

    public HttpResponse<String> put(String path, String contentType, String body) throws Exception {
        return send("PUT", path, contentType, body);
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        String token = cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("XSRF-TOKEN"))
                .map(HttpCookie::getValue).findFirst().orElseThrow(() -> new AssertionError(
                        "The webapps set no XSRF-TOKEN cookie: " + cookies.getCookieStore().getCookies()));
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", contentType).header("X-XSRF-TOKEN", token)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
