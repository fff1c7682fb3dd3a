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
    /** What the page's network and renderer did lately, for the message of a wait that timed out. */
    private final java.util.Deque<String> happenings = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final Instant started = Instant.now();

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
        call("Network.enable", Map.of());
        call("Inspector.enable", Map.of());
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

    /** Saves what the page shows now as a PNG, to look at a page rather than assume it renders. */
    public void screenshot(java.nio.file.Path png) throws IOException {
        String data = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true))
                .path("data").asText();
        java.nio.file.Files.write(png, java.util.Base64.getDecoder().decode(data));
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

    /**
     * Evaluates the expression until its value satisfies the condition, for at most the given time. A wait that times
     * out says where the page stood and what the browser did lately (requests answered or failed, a renderer crash),
     * so that a page that never came tells whether the server, the network or the browser held it.
     */
    public JsonNode await(String expression, Predicate<JsonNode> condition, Duration within) {
        try {
            return org.awaitility.Awaitility.await(expression).atMost(within).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> eval(expression), condition::test);
        } catch (org.awaitility.core.ConditionTimeoutException timedOut) {
            throw new org.awaitility.core.ConditionTimeoutException(timedOut.getMessage() + "\n" + whereItStood());
        }
    }

    /** The page's address, state and first words, and the browser's recent network and renderer events. */
    public String whereItStood() {
        String page;
        try {
            page = evalWithin("location.href + ' | ' + document.readyState + ' | ' + document.title + ' | '"
                    + " + (document.body ? document.body.innerText.slice(0, 300) : '')", 5).asText();
        } catch (AssertionError noAnswer) {
            page = "no answer from the page (" + noAnswer.getMessage() + ")";
        }
        return "The page: " + page + "\nThe browser lately (seconds since it started):\n  "
                + String.join("\n  ", happenings);
    }

    private JsonNode evalWithin(String expression, int seconds) {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true), seconds);
        return result.path("result").path("value");
    }

    private JsonNode call(String method, Map<String, Object> params) {
        return call(method, params, 30);
    }

    private JsonNode call(String method, Map<String, Object> params, int seconds) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        answers.put(id, answer);
        try {
            socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                    .get(10, TimeUnit.SECONDS);
            JsonNode message = answer.get(seconds, TimeUnit.SECONDS);
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

    /** Keeps the last events that say where a page load went: requests, answers, failures, crashes. */
    private void remember(String method, JsonNode params) {
        String what = switch (method) {
            case "Network.requestWillBeSent" -> "asked " + params.path("request").path("method").asText() + " "
                    + params.path("request").path("url").asText();
            case "Network.responseReceived" -> "answered " + params.path("response").path("status").asInt() + " "
                    + params.path("response").path("url").asText();
            case "Network.loadingFailed" -> "failed " + params.path("errorText").asText()
                    + (params.path("canceled").asBoolean() ? " (canceled)" : "");
            case "Page.frameNavigated" -> params.path("frame").has("parentId") ? null
                    : "navigated to " + params.path("frame").path("url").asText();
            case "Page.loadEventFired" -> "load event";
            case "Inspector.targetCrashed" -> "THE PAGE'S RENDERER CRASHED";
            case "Inspector.detached" -> "detached: " + params.path("reason").asText();
            default -> null;
        };
        if (what == null || what.contains("data:") || what.startsWith("asked GET") && what.contains("/webjars/")) {
            return;
        }
        happenings.addLast(String.format(java.util.Locale.ROOT, "%.1f %s",
                Duration.between(started, Instant.now()).toMillis() / 1000.0, what.length() > 200
                        ? what.substring(0, 200) : what));
        while (happenings.size() > 40) {
            happenings.pollFirst();
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
                    } else if (message.has("method")) {
                        remember(message.get("method").asText(), message.path("params"));
                    }
                } catch (IOException | RuntimeException ignored) {
                    // not JSON, or an event of a shape we do not know: no answer of ours
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }
}
