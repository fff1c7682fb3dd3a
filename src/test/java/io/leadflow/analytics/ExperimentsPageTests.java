package io.leadflow.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.experiment.ExperimentPlan;
import io.leadflow.experiment.Experiments;
import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * The Experiments section of {@code /analytics} in a real browser: each experiment with the figures the API answers,
 * a marketer choosing a winner after the confirmation (and the page drawing the answer), the problem of a refused
 * action shown in the section, and a sales manager reading it without any button. Then the API's refusals: a sales
 * manager may not decide (403), an unknown variant is named (400), an experiment is stopped once (409).
 */
class ExperimentsPageTests extends ServiceTestBase {

    private static final String USER = "demo";
    /** A sales manager and nothing else: reads /analytics, may not stop an experiment or choose its winner. */
    private static final String MANAGER = "exp-manager";
    private static final String SHIPPED = "general-first-email";
    private static final String API = "/api/analytics/experiments/";

    private static Path chromium;

    @TempDir
    Path profile;

    @Autowired
    IdentityService identity;

    @Autowired
    Experiments experiments;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    @BeforeEach
    void salesManagerExists() {
        if (identity.createUserQuery().userId(MANAGER).count() == 0) {
            User user = identity.newUser(MANAGER);
            user.setFirstName(MANAGER);
            user.setLastName("");
            user.setPassword("demo");
            identity.saveUser(user);
        }
        if (identity.createUserQuery().userId(MANAGER).memberOfGroup("SALES_MANAGER").count() == 0) {
            identity.createMembership(MANAGER, "SALES_MANAGER");
        }
    }

    /** An experiment of this test alone (the shared context keeps every other test's). */
    private String ownExperiment(String prefix) {
        String key = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        experiments.register(ExperimentPlan.parse(Map.of("experiment", key, "variants", "A 50, B 50", "metric", "click",
                "window", "P14D")), "nurture", "Task_X");
        return key;
    }

    @Test
    void showsEachExperimentAsTheApiDoesAndAMarketerChoosesItsWinner() throws Exception {
        String refused = ownExperiment("page-test-refused");
        try (Chromium browser = new Chromium(chromium, profile.resolve("marketer"),
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), USER, "demo");

            // the shipped experiment, with the figures the API gives (leads may come in meanwhile: read again then)
            JsonNode before = assertShowsWhatTheApiSays(browser, SHIPPED);
            assertThat(before.path("journey").asText()).isEqualTo("nurture");
            assertThat(before.path("metric").asText()).isEqualTo("mql");
            assertThat(before.path("window").asText()).isEqualTo("P30D");
            assertThat(before.path("minLeads").asInt()).isEqualTo(200);
            assertThat(shown(browser, SHIPPED).path("windowText").asText()).isEqualTo("30 days");
            assertThat(browser.eval(article(SHIPPED) + ".querySelectorAll('button.make-winner').length").asInt())
                    .as("a marketer may choose either variant").isEqualTo(2);
            assertThat(browser.eval(article(SHIPPED) + ".querySelectorAll('button.stop').length").asInt()).isEqualTo(1);
            assertThat(browser.eval("Array.from(document.querySelectorAll('#experiments button')).filter(function (b)"
                    + " { return !b.textContent.trim(); }).length").asInt()).as("every button says what it does")
                    .isZero();

            // declined: nothing happens
            browser.eval("window.__asked = []; window.confirm = function (m) { window.__asked.push(m); return false; }");
            browser.eval(article(SHIPPED) + ".querySelector('button.make-winner[data-variant=B]').click()");
            browser.await(article(SHIPPED) + ".querySelector('.result').textContent",
                    v -> v.asText().equals("Nothing was changed."), Duration.ofSeconds(10));
            assertThat(read(get(API + SHIPPED, USER)).path("state").asText()).isEqualTo(before.path("state").asText());

            // accepted: B is the winner, for the API and on the page
            browser.eval("window.confirm = function (m) { window.__asked.push(m); return true; }");
            browser.eval(article(SHIPPED) + ".querySelector('button.make-winner[data-variant=B]').click()");
            browser.await(article(SHIPPED) + ".dataset.state", v -> v.asText().equals("DECIDED"),
                    Duration.ofSeconds(40));
            assertThat(browser.eval("window.__asked[1]").asText()).contains("Make B the winner of " + SHIPPED);
            JsonNode decided = read(get(API + SHIPPED, USER));
            assertThat(decided.path("state").asText()).isEqualTo("DECIDED");
            assertThat(decided.path("winner").asText()).isEqualTo("B");
            assertThat(decided.path("decidedBy").asText()).isEqualTo(USER);
            assertThat(decided.path("routing").asText()).isEqualTo("Every new lead takes B.");
            JsonNode page = shown(browser, SHIPPED);
            assertThat(page.path("stateText").asText()).isEqualTo("DECIDED");
            assertThat(browser.eval(article(SHIPPED) + ".querySelector('.state').className").asText())
                    .contains("state-decided");
            assertThat(page.path("winnerRow").asText()).isEqualTo("B");
            assertThat(page.path("decision").asText()).contains("Chosen by demo", "every new lead takes B");
            assertThat(browser.eval(article(SHIPPED) + ".querySelector('.result').textContent").asText())
                    .startsWith("B is the winner.");
            assertThat(browser.eval(article(SHIPPED) + ".querySelectorAll('button.make-winner').length").asInt())
                    .as("B already takes every new lead: only A is offered").isEqualTo(1);
            assertShowsWhatTheApiSays(browser, SHIPPED);

            // a refusal: its problem's detail, in the experiment's own box (the page was opened again: confirm too)
            browser.eval("window.__asked = []; window.confirm = function (m) { window.__asked.push(m); return true; }");
            assertThat(postJson(API + refused + "/stop", USER, "").getStatusCode().value()).isEqualTo(200);
            browser.eval(article(refused) + ".querySelector('button.stop').click()");
            browser.await(article(refused) + ".querySelector('.result').className + ' '"
                    + " + " + article(refused) + ".querySelector('.result').textContent",
                    v -> v.asText().startsWith("result error ") && v.asText().contains("was stopped already"),
                    Duration.ofSeconds(40));
            assertThat(browser.eval("window.__asked[0]").asText()).contains("Stop the experiment " + refused);

            // after a reload the page reads the decision back
            browser.open(url("/analytics"));
            assertShowsWhatTheApiSays(browser, SHIPPED);
            assertThat(shown(browser, SHIPPED).path("winnerRow").asText()).isEqualTo("B");
            assertThat(browser.scriptErrors()).isEmpty();
        }

        try (Chromium browser = new Chromium(chromium, profile.resolve("manager"),
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), MANAGER, "demo");
            assertShowsWhatTheApiSays(browser, SHIPPED);
            assertThat(browser.eval("document.querySelectorAll('#experiments button').length").asInt())
                    .as("a sales manager reads, and is offered nothing the API would refuse").isZero();
            assertThat(browser.eval("document.querySelectorAll('#experiments th').length").asInt())
                    .as("no Action column").isEqualTo(13 * browser.eval("document.querySelectorAll("
                            + "'#experiments article').length").asInt());
            assertThat(browser.scriptErrors()).isEmpty();
        }
    }

    @Test
    void onlyAMarketerDecidesAVariantIsNamedAndAnExperimentStopsOnce() {
        String key = ownExperiment("page-test-stop");
        assertThat(get(API + key, MANAGER).getStatusCode().value()).as("a sales manager reads").isEqualTo(200);
        assertThat(postJson(API + key + "/winner", MANAGER, Map.of("variant", "B")).getStatusCode().value())
                .isEqualTo(403);
        assertThat(postJson(API + key + "/stop", MANAGER, "").getStatusCode().value()).isEqualTo(403);
        assertThat(read(get(API + key, USER)).path("state").asText()).isEqualTo("RUNNING");

        ResponseEntity<String> unknown = postJson(API + key + "/winner", USER, Map.of("variant", "C"));
        assertThat(unknown.getStatusCode().value()).isEqualTo(400);
        assertThat(unknown.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(read(unknown).path("errors").get(0).path("field").asText()).isEqualTo("variant");
        assertThat(read(unknown).path("detail").asText()).contains("variant", "A", "B");
        assertThat(postJson(API + key + "/winner", USER, Map.of()).getStatusCode().value())
                .as("no variant at all").isEqualTo(400);

        ResponseEntity<String> stopped = postJson(API + key + "/stop", USER, "");
        assertThat(stopped.getStatusCode().value()).isEqualTo(200);
        assertThat(read(stopped).path("state").asText()).isEqualTo("STOPPED");
        assertThat(read(stopped).path("decidedBy").asText()).isEqualTo(USER);
        assertThat(read(stopped).path("routing").asText()).isEqualTo("Every new lead takes A.");
        ResponseEntity<String> again = postJson(API + key + "/stop", USER, "");
        assertThat(again.getStatusCode().value()).isEqualTo(409);
        assertThat(again.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(read(again).path("detail").asText()).contains("stopped already");
        assertThat(get(API + "no-such-experiment", USER).getStatusCode().value()).isEqualTo(404);
    }

    private static String article(String key) {
        return "document.querySelector('#experiments article[data-key=\"" + key + "\"]')";
    }

    /** What the page shows of an experiment, once it has drawn it. */
    private JsonNode shown(Chromium browser, String key) throws Exception {
        try {
            browser.await("!!" + article(key), JsonNode::asBoolean, Duration.ofSeconds(40));
        } catch (org.awaitility.core.ConditionTimeoutException notDrawn) {
            throw new AssertionError("experiment " + key + " not drawn; the page met: " + browser.eval(
                    "location.href + ' | ' + (document.getElementById('experiments-status') || {}).textContent"
                            + " + ' | ' + (document.getElementById('experiments') || {}).innerText"), notDrawn);
        }
        return json.readTree(browser.eval("(function (a) { var text = function (s) { var e = a.querySelector(s);"
                + " return e ? e.textContent : null; }; return JSON.stringify({"
                + " state: a.dataset.state, stateText: text('.state'), journey: text('.journey'),"
                + " splitTask: text('.split-task'), metric: a.querySelector('.metric').dataset.metric,"
                + " window: a.querySelector('.window').dataset.window, windowText: text('.window'),"
                + " routing: text('.routing'), decision: text('.decision'), verdict: text('.verdict'),"
                + " winnerRow: (a.querySelector('tr.winner') || {dataset: {}}).dataset.variant || null,"
                + " variants: Array.from(a.querySelectorAll('tbody tr[data-variant]')).map(function (tr) {"
                + " return Object.fromEntries(Array.from(tr.querySelectorAll('[data-field]')).map(function (c) {"
                + " return [c.dataset.field, c.textContent]; })); }),"
                + " reasons: Array.from(a.querySelectorAll('tbody tr.reason')).map(function (tr) {"
                + " return tr.textContent; }) }); })(" + article(key) + ")").asText());
    }

    /**
     * Opens {@code /analytics} until the page and the API, read before and after it, agree on the experiment (a lead
     * split meanwhile changes the figures); answers the API's report.
     */
    private JsonNode assertShowsWhatTheApiSays(Chromium browser, String key) throws Exception {
        Map<String, Object> expected = null;
        Map<String, Object> page = null;
        JsonNode report = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            browser.open(url("/analytics"));
            report = read(get(API + key, USER));
            page = asShown(shown(browser, key));
            JsonNode after = read(get(API + key, USER));
            expected = expected(report);
            if (report.equals(after) && expected.equals(page)) {
                return report;
            }
        }
        assertThat(page).as("the page shows what the API says").isEqualTo(expected);
        return report;
    }

    private Map<String, Object> asShown(JsonNode page) {
        Map<String, Object> shown = new LinkedHashMap<>();
        for (String field : List.of("state", "stateText", "journey", "splitTask", "metric", "window", "routing",
                "decision", "verdict", "winnerRow")) {
            shown.put(field, page.path(field).isNull() ? null : page.path(field).asText());
        }
        // "Decision (Mar 12, 2026, 10:04 AM, by demo): Chosen by demo: …": who, and what (the time is the reader's own)
        if (shown.get("decision") instanceof String decision) {
            shown.put("decision", decision.replaceFirst("^Decision \\((.*?), by ([^,()]+)\\): ", "$2: "));
        }
        List<Map<String, String>> variants = new ArrayList<>();
        page.path("variants").forEach(v -> {
            Map<String, String> row = new LinkedHashMap<>();
            v.fields().forEachRemaining(f -> row.put(f.getKey(), f.getValue().asText()));
            variants.add(row);
        });
        shown.put("variants", variants);
        List<String> reasons = new ArrayList<>();
        // "B: Guard: … allows (Mar 12, 2026, 10:04 AM)": the time is the reader's own
        page.path("reasons").forEach(t -> reasons.add(t.asText().replaceFirst(" \\([^()]*\\)$", "")));
        shown.put("reasons", reasons);
        return shown;
    }

    /** The same, as the page should draw the API's report. */
    private static Map<String, Object> expected(JsonNode r) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("state", r.path("state").asText());
        e.put("stateText", r.path("state").asText());
        e.put("journey", r.path("journey").asText());
        e.put("splitTask", r.path("splitTask").asText());
        e.put("metric", r.path("metric").asText());
        e.put("window", r.path("window").asText());
        e.put("routing", "Now: " + r.path("routing").asText());
        String by = "statistical-test".equals(r.path("decidedBy").asText()) ? "the test" : r.path("decidedBy").asText();
        e.put("decision", r.hasNonNull("decision") ? by + ": " + r.path("decision").asText() : null);
        e.put("verdict", "The test on today's figures: " + r.path("verdict").asText());
        e.put("winnerRow", r.hasNonNull("winner") ? r.path("winner").asText() : null);
        List<Map<String, String>> variants = new ArrayList<>();
        r.path("variants").forEach(v -> {
            boolean winner = v.path("variant").asText().equals(r.path("winner").asText());
            Map<String, String> row = new LinkedHashMap<>();
            row.put("variant", v.path("variant").asText() + (winner ? " winner" : ""));
            row.put("weight", v.path("weight").asText());
            row.put("status", v.path("active").asBoolean() ? "active"
                    : v.path("weight").asInt() == 0 && !v.hasNonNull("stopReason") ? "removed" : "stopped");
            for (String figure : List.of("leads", "matured", "emails", "clicks", "unsubscribes", "complaints", "mqls",
                    "sqls")) {
                row.put(figure, v.path(figure).asText());
            }
            row.put("rate", v.path("matured").asLong() == 0 ? "–"
                    : percent(v.path("rate").asDouble()) + " % (" + percent(v.path("low").asDouble()) + "–"
                            + percent(v.path("high").asDouble()) + " %)");
            row.put("routed", v.path("routed").asText());
            variants.add(row);
        });
        e.put("variants", variants);
        List<String> reasons = new ArrayList<>();
        r.path("variants").forEach(v -> {
            if (!v.path("active").asBoolean()) {
                reasons.add(v.path("variant").asText() + ": " + (v.hasNonNull("stopReason")
                        ? v.path("stopReason").asText() : "no longer in the model: it gets no new leads."));
            }
        });
        e.put("reasons", reasons);
        return e;
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f", share * 100);
    }
}
