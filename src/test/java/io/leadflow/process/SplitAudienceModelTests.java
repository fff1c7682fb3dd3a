package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.experiment.Experiment;
import io.leadflow.experiment.Experiments;
import io.leadflow.support.ServiceTestBase;

/**
 * A Split audience task in a deployed model: the lint refuses a wrong plan or gateway naming the task and the flow,
 * a good one is listed as an experiment at once, and a later version's plan applies to it.
 */
class SplitAudienceModelTests extends ServiceTestBase {

    @Autowired
    ModelDeployer deployer;

    @Autowired
    Experiments experiments;

    private JsonNode report(String key) {
        return read(get("/api/analytics/experiments/" + key, "demo"));
    }

    @Test
    void aDeployedSplitIsListedAtOnceAndAChangedPlanAppliesWithoutLosingItsState() {
        deployer.deploy(Map.of("split-probe.bpmn", model("A 50, B 50", "${variant == 'A'}", "${variant == 'B'}", "")
                .getBytes(StandardCharsets.UTF_8)), "test");
        JsonNode listed = read(get("/api/analytics/experiments", "demo")).findParents("key").stream()
                .filter(r -> r.path("key").asText().equals("split-probe")).findFirst().orElseThrow();
        assertThat(listed.path("state").asText()).isEqualTo("RUNNING");
        assertThat(listed.path("journey").asText()).isEqualTo("split-probe");
        assertThat(listed.path("splitTask").asText()).isEqualTo("Task_Split");
        assertThat(listed.path("variants").findValuesAsText("variant")).containsExactly("A", "B");

        deployer.deploy(Map.of("split-probe.bpmn", model("A 20, B 80", "${variant == 'A'}", "${variant == 'B'}", "")
                .getBytes(StandardCharsets.UTF_8)), "test");
        assertThat(report("split-probe").path("variants").findValuesAsText("weight")).containsExactly("20", "80");
    }

    @Test
    void theLintRefusesASplitWhosePlanOrFlowsAreWrong() {
        assertThatThrownBy(() -> deployer.deploy(Map.of("bad-plan.bpmn", model("A 50, B 0", "${variant == 'A'}",
                "${variant == 'B'}", "").replace("<camunda:inputParameter name=\"metric\">mql",
                        "<camunda:inputParameter name=\"metric\">opens").getBytes(StandardCharsets.UTF_8)), "test"))
                .hasMessageContaining("bad-plan.bpmn")
                .hasMessageContaining("serviceTask 'Split' (Task_Split)")
                .hasMessageContaining("variant 'B' has weight 0")
                .hasMessageContaining("metric 'opens' is unknown: use click, mql or sql");
        assertThatThrownBy(() -> deployer.deploy(Map.of("bad-flows.bpmn", model("A 50, B 50", "${variant == 'A'}",
                "${variant == 'X'}", " default=\"Flow_X\"").getBytes(StandardCharsets.UTF_8)), "test"))
                .hasMessageContaining("has a default flow")
                .hasMessageContaining("flow 'Flow_X' out of gateway 'Which variant?' (Gateway_Variant) tests variant"
                        + " 'X', which the task does not list (its variants: [A, B])")
                .hasMessageContaining("variant 'B' has no flow out of gateway 'Which variant?' (Gateway_Variant):"
                        + " add one with ${variant == 'B'}");
        assertThatThrownBy(() -> deployer.deploy(Map.of("expression.bpmn", model("${weights}", "${variant == 'A'}",
                "${variant == 'B'}", "").getBytes(StandardCharsets.UTF_8)), "test"))
                .hasMessageContaining("input 'variants' is an expression");
        assertThat(experiments.all()).extracting(Experiment::key).doesNotContain("bad-plan", "bad-flows");
    }

    /** A journey with a split whose gateway tests {@code first} and {@code second}. */
    private static String model(String variants, String first, String second, String gatewayAttributes) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://leadflow.io/test">
                  <bpmn:process id="split-probe" isExecutable="true" camunda:historyTimeToLive="P30D">
                    <bpmn:startEvent id="Start"><bpmn:outgoing>Flow_Start</bpmn:outgoing></bpmn:startEvent>
                    <bpmn:serviceTask id="Task_Split" name="Split" camunda:delegateExpression="${splitAudience}">
                      <bpmn:extensionElements>
                        <camunda:inputOutput>
                          <camunda:inputParameter name="experiment">split-probe</camunda:inputParameter>
                          <camunda:inputParameter name="variants">%s</camunda:inputParameter>
                          <camunda:inputParameter name="metric">mql</camunda:inputParameter>
                          <camunda:inputParameter name="window">P14D</camunda:inputParameter>
                        </camunda:inputOutput>
                      </bpmn:extensionElements>
                      <bpmn:incoming>Flow_Start</bpmn:incoming>
                      <bpmn:outgoing>Flow_Split</bpmn:outgoing>
                    </bpmn:serviceTask>
                    <bpmn:exclusiveGateway id="Gateway_Variant" name="Which variant?"%s>
                      <bpmn:incoming>Flow_Split</bpmn:incoming>
                      <bpmn:outgoing>Flow_A</bpmn:outgoing>
                      <bpmn:outgoing>Flow_X</bpmn:outgoing>
                    </bpmn:exclusiveGateway>
                    <bpmn:endEvent id="End_A"/>
                    <bpmn:endEvent id="End_X"/>
                    <bpmn:sequenceFlow id="Flow_Start" sourceRef="Start" targetRef="Task_Split"/>
                    <bpmn:sequenceFlow id="Flow_Split" sourceRef="Task_Split" targetRef="Gateway_Variant"/>
                    <bpmn:sequenceFlow id="Flow_A" sourceRef="Gateway_Variant" targetRef="End_A">
                      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">%s</bpmn:conditionExpression>
                    </bpmn:sequenceFlow>
                    <bpmn:sequenceFlow id="Flow_X" sourceRef="Gateway_Variant" targetRef="End_X">
                      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">%s</bpmn:conditionExpression>
                    </bpmn:sequenceFlow>
                  </bpmn:process>
                </bpmn:definitions>
                """.formatted(variants, gatewayAttributes, first, second);
    }
}
