package io.leadflow.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * {@code /scoring}, the scoring lab, in a real browser: the tables and versions it offers, a backtest of a deployed
 * version and of a candidate file, and the bulk rescore after its confirmation, each showing what the API answers
 * for the same run; the result stays on the page after a reload.
 */
class ScoringLabPageTests extends ServiceTestBase {

    private static final String USER = "demo";
    private static final List<String> FIGURES = List.of("leads", "mqlNow", "mqlCandidate", "becomeMql",
            "stopBeingMql", "gradeChanges");
    private static final List<String> RUN_FIELDS = List.of("status", "total", "processed", "changed", "becameMql",
            "gradeChanges");

    private static Path chromium;

    @TempDir
    Path profile;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    @Test
    void backtestsAndRescoresEveryoneFromThePageShowingWhatTheApiSays() throws Exception {
        // a grade A lead with no engagement: not an MQL now, one with the candidate below
        confirmedDecisionMaker("scoring-lab");
        String deployed = Files.readString(Path.of("dmn/mql-decision.dmn"));
        String candidate = deployed.replace("&gt;= 30</text>", "&gt;= 0</text>");
        assertThat(candidate).as("the candidate asks no engagement of a good fit").isNotEqualTo(deployed);
        JsonNode tables = read(get("/api/scoring/tables", USER));

        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), USER, "demo");
            browser.open(url("/scoring"));
            browser.await("document.querySelectorAll('#version option').length", v -> v.asInt() > 0,
                    Duration.ofSeconds(20));

            // the versions offered are those the API lists
            List<String> offered = new ArrayList<>();
            json.readTree(browser.eval("JSON.stringify(Array.from(document.querySelectorAll('#version option'))"
                    + ".map(function (o) { return o.dataset.table + ' v' + o.value + (o.dataset.latest === 'true'"
                    + " ? ' latest' : ''); }))").asText()).forEach(o -> offered.add(o.asText()));
            List<String> listed = new ArrayList<>();
            tables.forEach(t -> t.path("versions").forEach(v -> listed.add(t.path("decisionKey").asText() + " v"
                    + v.path("version").asInt() + (v.path("latest").asBoolean() ? " latest" : ""))));
            assertThat(offered).isEqualTo(listed);
            assertThat(browser.eval("Array.from(document.querySelectorAll('main select, main input:not([type=hidden]),"
                    + " main button')).filter(function (e) { return !(e.labels && e.labels.length)"
                    + " && !e.getAttribute('aria-label') && !e.textContent.trim(); }).length").asInt())
                    .as("every control has a name a screen reader reads out").isZero();

            // a deployed version: choosing the table offers its versions, the one deployed now first
            browser.eval("(function (t) { t.value = 'engagement-points'; t.dispatchEvent(new Event('change')); })"
                    + "(document.getElementById('table'))");
            assertThat(browser.eval("(function (s) { var o = s.options[s.selectedIndex]; return o.dataset.table"
                    + " + ' v' + o.value; })(document.getElementById('version'))").asText())
                    .isEqualTo("engagement-points v" + tables.get(1).path("versions").get(0).path("version").asInt());
            browser.eval("document.getElementById('run-backtest').click()");
            String deployedRun = awaitBacktest(browser, "");
            JsonNode ofDeployed = read(get("/api/scoring/backtest/" + deployedRun, USER));
            assertThat(ofDeployed.path("result").path("table").asText()).isEqualTo("engagement-points");
            assertShowsBacktest(browser, ofDeployed);
            assertThat(browser.eval("document.activeElement.id").asText()).as("the result is read out next")
                    .isEqualTo("backtest-result-title");

            // a candidate file, read by the page and sent as it is
            browser.eval("document.querySelector('input[name=source][value=file]').click()");
            browser.eval("(function () { var files = new DataTransfer(); files.items.add(new File(["
                    + json.writeValueAsString(candidate) + "], 'mql-decision.dmn', {type: 'application/xml'}));"
                    + " document.getElementById('candidate').files = files.files; })()");
            browser.eval("document.getElementById('run-backtest').click()");
            String candidateRun = awaitBacktest(browser, deployedRun);
            JsonNode ofCandidate = read(get("/api/scoring/backtest/" + candidateRun, USER));
            assertThat(ofCandidate.path("result").path("table").asText()).isEqualTo("mql-decision");
            assertThat(ofCandidate.path("result").has("candidateVersion")).as("a file, not deployed").isFalse();
            assertThat(ofCandidate.path("result").path("becomeMql").asLong()).isPositive();
            assertThat(ofCandidate.path("result").path("examples")).isNotEmpty();
            assertShowsBacktest(browser, ofCandidate);

            // the rescore asks first: declined, nothing starts
            JsonNode runsBefore = read(get("/api/scoring/rescore", USER));
            browser.eval("window.__asked = [];"
                    + " window.confirm = function (m) { window.__asked.push(m); return false; }");
            browser.eval("document.getElementById('rescore').click()");
            browser.await("document.getElementById('rescore-status').textContent",
                    v -> v.asText().equals("Nothing was started."), Duration.ofSeconds(10));
            assertThat(read(get("/api/scoring/rescore", USER))).isEqualTo(runsBefore);

            // accepted: it runs, and the page shows the run as the API has it
            browser.eval("window.confirm = function (m) { window.__asked.push(m); return true; }");
            browser.eval("document.getElementById('rescore').click()");
            String shownStatus = "(function (r) { return r.hidden ? '' : r.querySelector('[data-field=status]')"
                    + ".textContent; })(document.getElementById('rescore-result'))";
            browser.await(shownStatus, v -> v.asText().equals("DONE") || v.asText().equals("FAILED"),
                    Duration.ofSeconds(120));
            String runId = browser.eval("document.getElementById('rescore-result').dataset.runId").asText();
            JsonNode run = read(get("/api/scoring/rescore/" + runId, USER));
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("DONE");
            assertThat(run.path("decisionKey").asText()).as("the table last backtested").isEqualTo("mql-decision");
            assertThat(shownFields(browser, "#rescore-result")).isEqualTo(fields(run));
            assertThat(browser.eval("window.__asked[1]").asText()).contains("confirmed leads", "cannot be undone");
            browser.await("(document.querySelector('#runs tbody tr') || {dataset: {}}).dataset.runId",
                    v -> v.asText().equals(runId), Duration.ofSeconds(10));
            assertThat(shownFields(browser, "#runs tbody tr")).isEqualTo(fields(run));
            assertThat(browser.scriptErrors()).isEmpty();

            // the page keeps the result: after a reload, the last run as the API lists it
            browser.open(url("/scoring"));
            browser.await("(document.querySelector('#runs tbody tr') || {dataset: {}}).dataset.runId",
                    v -> v.asText().equals(runId), Duration.ofSeconds(20));
            assertThat(shownFields(browser, "#runs tbody tr")).isEqualTo(fields(read(get("/api/scoring/rescore",
                    USER)).get(0)));
            assertThat(browser.scriptErrors()).isEmpty();
        }
    }

    /** Waits for the page to show a backtest other than {@code previous}; its id. */
    private static String awaitBacktest(Chromium browser, String previous) {
        return browser.await("(function (r) { return r.hidden ? '' : r.dataset.runId; })"
                + "(document.getElementById('backtest-result'))",
                v -> !v.asText().isEmpty() && !v.asText().equals(previous), Duration.ofSeconds(60)).asText();
    }

    private void assertShowsBacktest(Chromium browser, JsonNode run) throws Exception {
        JsonNode result = run.path("result");
        JsonNode shown = json.readTree(browser.eval("JSON.stringify({"
                + "figures: Object.fromEntries(Array.from(document.querySelectorAll("
                + "'#backtest-result table.figures [data-field]')).map(function (c) {"
                + " return [c.dataset.field, c.textContent]; })),"
                + "grades: Array.from(document.querySelectorAll('#grades tbody tr')).map(function (r) {"
                + " return Array.from(r.cells).map(function (c) { return c.textContent; }).join(' '); }),"
                + "examples: Array.from(document.querySelectorAll('#examples tbody tr')).map(function (r) {"
                + " return r.dataset.leadId + ' ' + r.cells[3].textContent; })})").asText());
        for (String figure : FIGURES) {
            assertThat(shown.path("figures").path(figure).asText()).as(figure)
                    .isEqualTo(result.path(figure).asText());
        }
        TreeSet<String> grades = new TreeSet<>();
        result.path("gradesNow").fieldNames().forEachRemaining(grades::add);
        result.path("gradesCandidate").fieldNames().forEachRemaining(grades::add);
        List<String> expectedGrades = grades.stream().map(g -> g + " " + result.path("gradesNow").path(g).asLong()
                + " " + result.path("gradesCandidate").path(g).asLong()).toList();
        List<String> shownGrades = new ArrayList<>();
        shown.path("grades").forEach(g -> shownGrades.add(g.asText()));
        assertThat(shownGrades).isEqualTo(expectedGrades);
        List<String> expectedExamples = new ArrayList<>();
        result.path("examples").forEach(e -> expectedExamples.add(e.path("leadId").asText() + " "
                + e.path("reasonCandidate").asText()));
        List<String> shownExamples = new ArrayList<>();
        shown.path("examples").forEach(e -> shownExamples.add(e.asText()));
        assertThat(shownExamples).as("each example with its explanation").isEqualTo(expectedExamples);
    }

    private List<String> shownFields(Chromium browser, String selector) throws Exception {
        JsonNode shown = json.readTree(browser.eval("JSON.stringify(Object.fromEntries(Array.from(document"
                + ".querySelector('" + selector + "').querySelectorAll('[data-field]')).map(function (c) {"
                + " return [c.dataset.field, c.textContent]; })))").asText());
        return RUN_FIELDS.stream().map(f -> f + "=" + shown.path(f).asText()).toList();
    }

    private static List<String> fields(JsonNode run) {
        return RUN_FIELDS.stream().map(f -> f + "=" + run.path(f).asText()).toList();
    }
}
