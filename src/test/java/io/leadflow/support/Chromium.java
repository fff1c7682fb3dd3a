package io.leadflow.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Headless Chromium driven over the DevTools protocol (the JDK's WebSocket, no driver to install): open a page, run
 * a line of JavaScript in it (a click, a form filled in), wait with a deadline until the page shows something.
 */
public final class Chromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> answers = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    /** The browser binary, if this machine has one. */
    public static Optional<Path> find() {
        return Stream.of(System.getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                "/usr/bin/google-chrome").filter(p -> p != null && Files.isExecutable(Path.of(p))).map(Path::of)
                .findFirst();
    }

    /**
     * The browser binary. Without one the calling test is reported as skipped, saying how to install it; under CI
     * ({@code CI} set) a missing Chromium fails it.
     */
    public static Path required() {
        Optional<Path> found = find();
        String missing = "headless Chromium is needed for the browser tests: apt-get install -y chromium "
                + "(or set CHROMIUM to its path)";
        if (found.isEmpty() && System.getenv("CI") != null) {
            throw new AssertionError(missing);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(found.isPresent(), missing);
        return found.get();
    }

    public Chromium(Path binary, Path profile, String userAgent) throws IOException, InterruptedException {
        process = new ProcessBuilder(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "--user-agent=" + userAgent, "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String browserUrl = devToolsAddress();
        URI base = URI.create(browserUrl);
        HttpClient http = HttpClient.newHttpClient();
        String pageSocket = null;
        Instant deadline = Instant.now().plusSeconds(20);
        while (pageSocket == null && Instant.now().isBefore(deadline)) {
            JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
                    URI.create("http://" + base.getHost() + ":" + base.getPort() + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            for (JsonNode t : targets) {
                if ("page".equals(t.path("type").asText())) {
                    pageSocket = t.path("webSocketDebuggerUrl").asText();
                }
            }
        }
        if (pageSocket == null) {
            close();
            throw new AssertionError("Chromium opened no page to drive");
        }
        try {
            socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new Listener())
                    .get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            close();
            throw new AssertionError("No DevTools connection to Chromium's page", e);
        }
        call("Page.enable", Map.of());
    }

    private String devToolsAddress() throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = err.readLine()) != null) {
            int at = line.indexOf("ws://");
            if (line.startsWith("DevTools listening on") && at >= 0) {
                Thread drain = new Thread(() -> err.lines().forEach(l -> { }), "chromium-stderr");
                drain.setDaemon(true);
                drain.start();
                return line.substring(at).trim();
            }
        }
        throw new AssertionError("Chromium stopped before it listened for DevTools");
    }

    /** Signs in through Leadflow's sign-in page ({@code loginUrl}), as a person would, and waits to be let in. */
    public void signIn(String loginUrl, String user, String password) {
        open(loginUrl);
        await("!!document.getElementById('username')", JsonNode::asBoolean, Duration.ofSeconds(20));
        eval("(function (f) { f.username.value = '" + user + "'; f.password.value = '" + password + "'; f.submit(); })"
                + "(document.querySelector('form'))");
        // until the page after the sign-in has loaded: between the two, the address may be about:blank for a moment
        await("location.protocol + '//' + location.host + location.pathname + ' ' + document.readyState",
                v -> v.asText().startsWith("http") && !v.asText().contains("/login ")
                        && v.asText().endsWith(" complete"), Duration.ofSeconds(20));
    }

    /** From the next page on, keeps every uncaught script error of each page for {@link #scriptErrors()}. */
    public void collectScriptErrors() {
        beforeEveryPage("window.__errors = []; window.addEventListener('error', function (e) {"
                + " window.__errors.push(String(e.message)); });");
    }

    /** The script errors of the current page so far, joined; empty when there were none. */
    public String scriptErrors() {
        return eval("(window.__errors || []).join('; ')").asText();
    }

    /** Runs the script in every page before the page's own scripts (to stand in for a browser setting). */
    public void beforeEveryPage(String script) {
        call("Page.addScriptToEvaluateOnNewDocument", Map.of("source", script));
    }

    public void open(String url) {
        call("Page.navigate", Map.of("url", url));
    }

    /** Runs an expression in the page and answers its value (JSON-compatible). */
    public JsonNode eval(String expression) {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (result.has("exceptionDetails")) {
            throw new AssertionError("The page threw on " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Evaluates the expression until its value satisfies the condition, for at most the given time. */
    public JsonNode await(String expression, Predicate<JsonNode> condition, Duration within) {
        return org.awaitility.Awaitility.await(expression).atMost(within).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> eval(expression), condition::test);
    }

    private JsonNode call(String method, Map<String, Object> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        answers.put(id, answer);
        try {
            socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                    .get(10, TimeUnit.SECONDS);
            JsonNode message = answer.get(30, TimeUnit.SECONDS);
            if (message.has("error")) {
                throw new AssertionError(method + " failed: " + message.get("error"));
            }
            return message.path("result");
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(method + " got no answer from Chromium", e);
        } finally {
            answers.remove(id);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
        // its helpers (renderer, GPU, crash handler) too: one still writing in the profile folder keeps the test's
        // temporary folder from being deleted
        List<ProcessHandle> helpers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            for (ProcessHandle helper : helpers) {
                helper.destroyForcibly();
                helper.onExit().get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException stillRunning) {
            // the folder is left behind: nothing worse
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    CompletableFuture<JsonNode> waiting = message.has("id") ? answers.get(message.get("id").asInt())
                            : null;
                    if (waiting != null) {
                        waiting.complete(message);
                    }
                } catch (IOException ignored) {
                    // not JSON: no answer of ours
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
