package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import io.leadflow.support.OwnContext;
import io.leadflow.support.ServiceTestBase;

/**
 * What a penetration tester tries on the public surface, over HTTP: paths spelled with percent escapes, huge bodies,
 * password guessing and locking others out, clients hidden behind a proxy. Here the proxy in front is 127.0.0.1, as
 * an operator would declare it ({@code server.tomcat.remoteip.internal-proxies}), so each test is a client of its own
 * ({@code X-Forwarded-For}) with its own limits.
 */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = {"server.tomcat.remoteip.internal-proxies=127\\.0\\.0\\.1",
        "leadflow.ratelimit.per-ip-per-minute=4", "leadflow.ratelimit.login-failures-per-ip=6",
        "leadflow.ratelimit.login-failures-per-user=3"})
class PublicSurfaceTests extends ServiceTestBase {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    private JdbcClient jdbc;

    @AfterEach
    void realTime() {
        ClockUtil.reset();
    }

    /**
     * Stops the clock half-way into a minute: the limits count in windows aligned on the epoch, and a burst that a
     * minute's turn split in two would be counted in two windows.
     */
    private static void clockStoppedInOneWindow() {
        ClockUtil.setCurrentTime(Date.from(Instant.now().truncatedTo(ChronoUnit.MINUTES).plusSeconds(90)));
    }

    @Test
    void aPathSpelledWithPercentEscapesMeetsTheSameLimitAsThePlainOne() throws Exception {
        clockStoppedInOneWindow();
        String client = client();
        String[] spellings = {"/forms/newsletter", "/%66orms/newsletter", "/forms/%6eewsletter", "/%66%6f%72%6d%73/newsletter"};
        for (String path : spellings) {
            assertThat(submit(client, path).statusCode()).as(path).isEqualTo(202);
        }

        HttpResponse<String> fifth = submit(client, "/%66orms/newsletter");

        assertThat(fifth.statusCode()).isEqualTo(429);
        assertThat(fifth.headers().firstValue("Retry-After")).isPresent();
        assertThat(submit(client(), "/%66orms/newsletter").statusCode()).as("another client").isEqualTo(202);
    }

    @Test
    void eachClientBehindTheProxyHasItsOwnLimitAndItsOwnAddressInTheLedger() throws Exception {
        clockStoppedInOneWindow();
        String crowded = client();
        for (int i = 0; i < 4; i++) {
            submit(crowded, "/forms/newsletter");
        }
        assertThat(submit(crowded, "/forms/newsletter").statusCode()).isEqualTo(429);

        String other = client();
        String email = "behind-proxy." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        assertThat(submit(other, "/forms/newsletter", email).statusCode()).isEqualTo(202);
        // proofs are chained into the ledger just after the request
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(jdbc.sql("""
                select c.ip from consent_ledger c join leads l on l.id = c.lead_id
                 where l.email = ? and c.event = 'SUBMITTED'""").param(email).query(String.class).list())
                .as("the SUBMITTED proof of %s", email).containsExactly(other));
    }

    @Test
    void anAnnouncedHugeBodyIsRefusedBeforeAnyOfItIsRead() throws Exception {
        // the attack of the review: 1.5 GB announced to a route whose body is read into memory
        for (String path : new String[] {"/api/crm/%65vents", "/api/crm/events", "/api/%65vents", "/%66orms/newsletter"}) {
            assertThat(rawPost(path, "Content-Length: 1500000000", new byte[1024])).as(path).startsWith("HTTP/1.1 413");
        }
        // every other route has a cap too, also behind a login
        String admin = "Authorization: Basic " + base64("demo:demo");
        assertThat(rawPost("/api/handoffs/some-id/accept", admin + "\r\nContent-Length: 1500000000", new byte[1024]))
                .startsWith("HTTP/1.1 413");
        assertThat(rawPost("/engine-rest/message", admin + "\r\nContent-Length: 1500000000", new byte[1024]))
                .startsWith("HTTP/1.1 413");
    }

    @Test
    void aChunkedBodyIsCountedAsItIsReadAndRefusedPastTheDefaultCap() throws Exception {
        byte[] justOver = chunked(new byte[BodySizeLimitFilter.DEFAULT_LIMIT + 16]);

        String answer = rawPost("/api/handoffs/some-id/accept", "Authorization: Basic " + base64("demo:demo")
                + "\r\nTransfer-Encoding: chunked", justOver);

        assertThat(answer).startsWith("HTTP/1.1 413").contains("limited to 1 MB");
    }

    @Test
    void guessingAPasswordIsStoppedWithoutLockingTheAccountForGood() throws Exception {
        String guesser = client();
        for (int i = 0; i < 3; i++) {
            assertThat(signIn(guesser, "bob", "guess-" + i).statusCode()).isEqualTo(401);
        }

        HttpResponse<String> refused = signIn(client(), "bob", "demo");
        assertThat(refused.statusCode()).as("bob himself, from elsewhere, within the window").isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
                s -> assertThat(Long.parseLong(s)).isBetween(1L, 15 * 60L));
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(signIn(client(), "alice", "demo").statusCode()).as("another user").isEqualTo(200);
        // a header Spring reads as Basic although it is spelled otherwise: the password is still not checked
        HttpResponse<String> misspelt = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/handoffs")))
                .header("X-Forwarded-For", client()).header("Authorization", "BasicX" + base64("bob:demo")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(misspelt.statusCode()).as("bob's right password behind an odd header, within the window")
                .isEqualTo(429);
        // the login form is throttled as HTTP Basic is, before its CSRF token is even looked at
        assertThat(loginForm(client(), "bob", "demo").statusCode()).isEqualTo(429);

        // no administrator needed: the limit lifts by itself when the window ends
        ClockUtil.setCurrentTime(Date.from(Instant.now().plusSeconds(16 * 60)));
        assertThat(signIn(client(), "bob", "demo").statusCode()).isEqualTo(200);
    }

    @Test
    void oneAddressGuessingManyUsersIsStoppedForAllOfThem() throws Exception {
        clockStoppedInOneWindow();
        String guesser = client();
        for (int i = 0; i < 6; i++) {
            assertThat(signIn(guesser, "user-" + i, "guess").statusCode()).isEqualTo(401);
        }

        assertThat(signIn(guesser, "demo", "demo").statusCode()).isEqualTo(429);
        assertThat(signIn(client(), "demo", "demo").statusCode()).as("another address").isEqualTo(200);
    }

    @Test
    void theEnginesPasswordCheckIsClosedSinceItWouldAnswerPastTheThrottle() throws Exception {
        for (String path : new String[] {"/engine-rest/identity/verify",
                "/camunda/api/engine/engine/default/identity/verify"}) {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url(path)))
                    .header("Content-Type", "application/json").header("Authorization", "Basic " + base64("demo:demo"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\": \"bob\", \"password\": \"demo\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(path).isEqualTo(403);
        }
    }

    @Test
    void aStrangersChunkedBodyToARouteTakingLargeOnesIsTurnedAwayBeforeItIsRead() throws Exception {
        // small enough to sit in the socket's buffers while the server answers without reading it
        byte[] chunk = chunked(new byte[32 * 1024]);

        assertThat(rawPost("/api/scoring/backtest", "Transfer-Encoding: chunked", chunk)).startsWith("HTTP/1.1 401");
        assertThat(rawPost("/engine-rest/deployment/create", "Transfer-Encoding: chunked", chunk))
                .startsWith("HTTP/1.1 401");
        // signed in, the same route counts a chunked body up to its own cap
        byte[] over = chunked(new byte[BodySizeLimitFilter.DEPLOYMENT_LIMIT + 16]);
        assertThat(rawPost("/api/scoring/backtest", "Authorization: Basic " + base64("demo:demo")
                + "\r\nTransfer-Encoding: chunked", over)).startsWith("HTTP/1.1 413").contains("20 MB");
    }

    private static byte[] chunked(byte[] body) throws java.io.IOException {
        ByteArrayOutputStream chunked = new ByteArrayOutputStream();
        chunked.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        chunked.write(body);
        chunked.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return chunked.toByteArray();
    }

    @Test
    void anIpv6ClientIsCountedByItsSlash64() {
        assertThat(LoginThrottle.ipKey("2001:db8:1:2::1")).isEqualTo(LoginThrottle.ipKey("2001:db8:1:2:ffff:1:2:3"))
                .isNotEqualTo(LoginThrottle.ipKey("2001:db8:1:3::1"));
        assertThat(LoginThrottle.ipKey("203.0.113.7")).isEqualTo("login-ip:203.0.113.7");
    }

    @Test
    void theWebappsOwnSignInIsClosedSinceItWouldCheckPasswordsPastTheThrottle() throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
                URI.create(url("/camunda/api/admin/auth/user/default/login/cockpit")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + base64("demo:demo"))
                .POST(HttpRequest.BodyPublishers.ofString("username=bob&password=demo")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(403);
    }

    /** A made-up client address in TEST-NET-3, new for each call. */
    private static String client() {
        int n = (int) (Math.random() * 250_000);
        return "203." + (n / 62_500 % 256) + "." + (n / 250 % 250) + "." + (n % 250 + 1);
    }

    private HttpResponse<String> submit(String client, String path) throws Exception {
        return submit(client, path, "surface." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io");
    }

    private HttpResponse<String> submit(String client, String path, String email) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).header("X-Forwarded-For", client)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\": \"" + email + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> signIn(String client, String user, String password) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/handoffs"))).header("X-Forwarded-For", client)
                .header("Authorization", "Basic " + base64(user + ":" + password)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> loginForm(String client, String user, String password) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url("/login"))).header("X-Forwarded-For", client)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + user + "&password=" + password)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A POST written by hand: a client may announce any length, which Java's HTTP client would not let us do. */
    private String rawPost(String path, String headers, byte[] body) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "X-Forwarded-For: " + client() + "\r\nConnection: close\r\n" + headers + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            // the answer's head and body, not up to the end of the connection: the server may still be swallowing
            // what was announced
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            int contentLength = -1;
            int headEnd = -1;
            while (headEnd < 0 || answer.size() < headEnd + contentLength) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                answer.write(b);
                String text = answer.toString(StandardCharsets.US_ASCII);
                if (headEnd < 0 && text.endsWith("\r\n\r\n")) {
                    headEnd = text.length();
                    var length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
                    contentLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
                }
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
