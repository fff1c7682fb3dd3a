package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.leadflow.support.ServiceTestBase;

/**
 * A browser asks for the site's icon at the moment it posts the sign-in form, with the session cookie it had before.
 * Signing in gives the session a new id, so that request no longer had a session: when the icon needed a login, it
 * was sent to {@code /login}, whose form made a new anonymous session, and that cookie, arriving last, replaced the
 * signed-in one; the next page sent the person back to sign in (the browser tests met it in one full run in two).
 * The icon is public now, served without a session.
 */
class SignInRaceTests extends ServiceTestBase {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Pattern SESSION = Pattern.compile("JSESSIONID=([^;]+)");
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    private HttpResponse<String> send(HttpRequest.Builder request, String session) throws Exception {
        if (session != null) {
            request.header("Cookie", "JSESSIONID=" + session);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String session(HttpResponse<?> response) {
        return response.headers().allValues("Set-Cookie").stream().map(SESSION::matcher).filter(Matcher::find)
                .map(m -> m.group(1)).findFirst().orElse(null);
    }

    @Test
    void theIconAskedForWithThePreSignInCookieLeavesTheSignedInSessionAlone() throws Exception {
        HttpResponse<String> loginPage = send(HttpRequest.newBuilder(URI.create(url("/login"))), null);
        String before = session(loginPage);
        Matcher csrf = CSRF.matcher(loginPage.body());
        assertThat(csrf.find()).as("the sign-in form's CSRF token").isTrue();

        HttpResponse<String> signedIn = send(HttpRequest.newBuilder(URI.create(url("/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=demo&password=demo&_csrf="
                        + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8))), before);
        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(signedIn.headers().firstValue("Location").orElse("")).doesNotContain("error");
        String after = session(signedIn);
        assertThat(after).as("signing in changes the session's id").isNotNull().isNotEqualTo(before);

        for (String icon : new String[] {"/favicon.ico", "/favicon.svg"}) {
            HttpResponse<String> asked = send(HttpRequest.newBuilder(URI.create(url(icon))), before);
            assertThat(asked.statusCode()).as(icon).isEqualTo(200);
            assertThat(session(asked)).as("%s sets no session cookie", icon).isNull();
        }
        assertThat(send(HttpRequest.newBuilder(URI.create(url("/leads"))), after).statusCode())
                .as("still signed in").isEqualTo(200);
    }
}
