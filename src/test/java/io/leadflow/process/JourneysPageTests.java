package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * {@code /journeys}: each journey's versions and where its leads wait, as {@code GET /api/journeys} says, and the dry
 * run of moving them to the latest version, in a real browser.
 */
class JourneysPageTests extends ServiceTestBase {

    /** A journey of this test alone, so that its versions and leads are known whatever other tests deploy. */
    private static final String PROBE = """
            <?xml version="1.0" encoding="UTF-8"?>
            <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://leadflow.io/test">
              <bpmn:process id="journey-probe" name="Journey probe" isExecutable="true" camunda:historyTimeToLive="P30D">
                <bpmn:documentation>%s</bpmn:documentation>
                <bpmn:startEvent id="Start"/>
                <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Event_Wait"/>
                <bpmn:intermediateCatchEvent id="Event_Wait" name="Wait a while">
                  <bpmn:timerEventDefinition><bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition>
                </bpmn:intermediateCatchEvent>
                <bpmn:sequenceFlow id="F2" sourceRef="Event_Wait" targetRef="End"/>
                <bpmn:endEvent id="End"/>
              </bpmn:process>
            </bpmn:definitions>
            """;

    private static Path chromium;

    @TempDir
    Path profile;

    @Autowired
    RepositoryService repository;

    @Autowired
    RuntimeService runtime;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    private static JsonNode journey(JsonNode journeys, String key) {
        for (JsonNode j : journeys) {
            if (j.path("key").asText().equals(key)) {
                return j;
            }
        }
        throw new AssertionError("no journey " + key + " in " + journeys);
    }

    @Test
    void showsEachVersionsLeadsAndStepsAsTheApiAndEngineSayAndADryRunOfMovingThem() throws Exception {
        if (repository.createProcessDefinitionQuery().processDefinitionKey("journey-probe").count() == 0) {
            repository.createDeployment().addString("journey-probe.bpmn", PROBE.formatted("First version."))
                    .deploy();
            runtime.startProcessInstanceByKey("journey-probe");
            runtime.startProcessInstanceByKey("journey-probe");
            repository.createDeployment().addString("journey-probe.bpmn", PROBE.formatted("Second version."))
                    .deploy();
        }

        JsonNode api = read(get("/api/journeys", "demo"));
        JsonNode probe = journey(api, "journey-probe");
        assertThat(probe.path("name").asText()).isEqualTo("Journey probe");
        assertThat(probe.path("versions").get(0).path("version").asInt()).isEqualTo(2);
        assertThat(probe.path("versions").get(0).path("latest").asBoolean()).isTrue();
        JsonNode older = probe.path("versions").get(1);
        assertThat(older.path("leads").asLong()).isEqualTo(2);
        assertThat(older.path("steps").get(0).path("name").asText()).isEqualTo("Wait a while");
        assertThat(older.path("steps").get(0).path("leads").asLong()).isEqualTo(2);
        for (JsonNode j : api) {
            for (JsonNode v : j.path("versions")) {
                String id = repository.createProcessDefinitionQuery().processDefinitionKey(j.path("key").asText())
                        .processDefinitionVersion(v.path("version").asInt()).singleResult().getId();
                assertThat(v.path("leads").asLong()).as(j.path("key").asText() + " v" + v.path("version"))
                        .isEqualTo(runtime.createProcessInstanceQuery().processDefinitionId(id).count());
            }
        }

        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), "demo", "demo");
            browser.open(url("/journeys"));
            browser.await("document.querySelectorAll('section.journey').length", v -> v.asInt() > 0,
                    Duration.ofSeconds(20));

            JsonNode shown = browser.eval("JSON.stringify(Array.from(document.querySelectorAll('section.journey'))"
                    + ".map(function (s) { var o = {}; s.querySelectorAll('tr.version').forEach(function (r) {"
                    + " o[s.dataset.key + ' v' + r.dataset.version] = Number(r.dataset.leads); }); return o; }))");
            Map<String, Long> onPage = new HashMap<>();
            json.readTree(shown.asText()).forEach(o -> o.fields().forEachRemaining(
                    e -> onPage.put(e.getKey(), e.getValue().asLong())));
            Map<String, Long> fromApi = new HashMap<>();
            api.forEach(j -> j.path("versions").forEach(v -> fromApi.put(j.path("key").asText() + " v"
                    + v.path("version").asInt(), v.path("leads").asLong())));
            assertThat(onPage).isEqualTo(fromApi);

            browser.eval("document.querySelector('section.journey[data-key=\"journey-probe\"] .dry-run').click()");
            JsonNode result = browser.await("document.querySelector('section.journey[data-key=\"journey-probe\"]"
                    + " .result').textContent", v -> v.asText().endsWith("."), Duration.ofSeconds(20));
            assertThat(result.asText()).isEqualTo("2 would move to v2; 0 stay.");
            assertThat(runtime.createProcessInstanceQuery().processDefinitionKey("journey-probe")
                    .processDefinitionId(repository.createProcessDefinitionQuery().processDefinitionKey("journey-probe")
                            .processDefinitionVersion(1).singleResult().getId()).count())
                    .as("a dry run moves nobody").isEqualTo(2);

            // the move asks first; this browser answers yes
            browser.eval("window.confirm = function () { return true; }");
            browser.eval("document.querySelector('section.journey[data-key=\"journey-probe\"] .migrate').click()");
            JsonNode moved = browser.await("document.querySelector('section.journey[data-key=\"journey-probe\"]"
                    + " .result').textContent", v -> v.asText().contains("moved"), Duration.ofSeconds(20));
            assertThat(moved.asText()).isEqualTo("2 moved to v2; 0 stay.");
            assertThat(runtime.createProcessInstanceQuery().processDefinitionId(repository
                    .createProcessDefinitionQuery().processDefinitionKey("journey-probe").processDefinitionVersion(2)
                    .singleResult().getId()).count()).isEqualTo(2);
            assertThat(browser.scriptErrors()).isEmpty();
        }
    }

    @Test
    void isForMarketers() {
        assertThat(get("/api/journeys", "alice").getStatusCode().value()).isEqualTo(403);
        assertThat(get("/journeys", "alice").getStatusCode().value()).isEqualTo(403);
    }
}
