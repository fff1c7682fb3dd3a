package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.dmn.engine.DmnEngine;
import org.camunda.bpm.dmn.engine.DmnEngineConfiguration;
import org.camunda.bpm.dmn.engine.impl.DefaultDmnEngineConfiguration;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.spring.SpringExpressionManager;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.dmn.Dmn;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import io.leadflow.support.ServiceTestBase;
import io.leadflow.support.WebappSession;

/**
 * No model, table or backtest candidate runs code, whatever the way in: each attack is tried as it would arrive,
 * refused, and shown to have done nothing (no membership, no system property, no deployment). The shipped models
 * and a Modeler deployment are the positive controls.
 */
class ModelSandboxTests extends ServiceTestBase {

    static final String ESCALATION = "${execution.getProcessEngineServices().getIdentityService()"
            + ".createMembership('alice','ADMIN')}";
    static final String FOR_NAME = "${''.getClass().forName('java.lang.System').getMethod('setProperty',"
            + " ''.getClass(), ''.getClass()).invoke(null, 'leadflow.pwned', 'yes')}";

    @Autowired
    IdentityService identity;

    @Autowired
    RepositoryService repository;

    @Autowired
    RuntimeService runtime;

    @Autowired
    ProcessEngineConfigurationImpl engine;

    @Autowired
    ApplicationContext context;

    @BeforeEach
    @AfterEach
    void aliceIsNoAdmin() {
        identity.deleteMembership("alice", "ADMIN");
        System.clearProperty("leadflow.pwned");
    }

    private boolean aliceIsAdmin() {
        return identity.createUserQuery().userId("alice").memberOfGroup("ADMIN").count() > 0;
    }

    private boolean deployed(String processKey) {
        return repository.createProcessDefinitionQuery().processDefinitionKey(processKey).count() > 0;
    }

    static String process(String key, String body) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
                    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://leadflow.io/test">
                  <bpmn:process id="%s" isExecutable="true" camunda:historyTimeToLive="P1D">
                    %s
                  </bpmn:process>
                </bpmn:definitions>
                """.formatted(key, body);
    }

    static String listenerProcess(String key) {
        return process(key, """
                <bpmn:startEvent id="Start" name="Lead arrives">
                  <bpmn:extensionElements>
                    <camunda:executionListener event="start" expression="%s"/>
                  </bpmn:extensionElements>
                </bpmn:startEvent>
                """.formatted(ESCALATION));
    }

    /** A multipart body as Camunda Modeler sends it: one part per (field name, file name, content). */
    static String multipart(List<String[]> files) {
        StringBuilder body = new StringBuilder("--b\r\nContent-Disposition: form-data; name=\"deployment-name\"\r\n\r\n"
                + "sandbox-probe\r\n");
        for (String[] file : files) {
            body.append("--b\r\nContent-Disposition: form-data; name=\"").append(file[0]).append("\"; filename=\"")
                    .append(file[1]).append("\"\r\nContent-Type: application/octet-stream\r\n\r\n").append(file[2])
                    .append("\r\n");
        }
        return body.append("--b--\r\n").toString();
    }

    private ResponseEntity<String> deploy(String path, String body, HttpHeaders extra) {
        HttpHeaders headers = basic("demo");
        headers.setContentType(MediaType.parseMediaType("multipart/form-data; boundary=b"));
        headers.addAll(extra);
        return rest.exchange(URI.create(url(path)), HttpMethod.POST, new HttpEntity<>(body, headers), String.class);
    }

    @Nested
    class ExpressionsWhenTheyRun {

        /** A model the lint accepts, waiting in a user task: its execution is what expressions are evaluated on. */
        private String waitingExecution() {
            if (!deployed("sandbox-wait")) {
                repository.createDeployment().name("sandbox-wait").addString("sandbox-wait.bpmn", process("sandbox-wait",
                        """
                        <bpmn:startEvent id="Start"/>
                        <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Wait"/>
                        <bpmn:userTask id="Wait" name="Wait"/>
                        """)).deploy();
            }
            return runtime.startProcessInstanceByKey("sandbox-wait", "lead-sandbox",
                    Variables.putValue("leadId", "lead-sandbox").putValue("track", "executive")
                            .putValue("due", new java.util.Date(86_400_000L))).getId();
        }

        private Object evaluate(org.camunda.bpm.engine.impl.el.ExpressionManager expressions, String executionId,
                String expression) {
            return engine.getCommandExecutorTxRequired().execute(command -> {
                ExecutionEntity execution = command.getExecutionManager().findExecutionById(executionId);
                return expressions.createExpression(expression).getValue(execution);
            });
        }

        @ParameterizedTest
        @ValueSource(strings = {ESCALATION,
                "${execution.processEngineServices.identityService.createMembership('alice','ADMIN')}",
                "${execution.getProcessEngine().getIdentityService().createMembership('alice','ADMIN')}",
                "${execution['processEngineServices'].identityService.createMembership('alice','ADMIN')}",
                "${task.getProcessEngineServices()}", FOR_NAME, "${track.getClass()}", "${track.class}",
                "${leadState.getClass().getClassLoader()}", "${sendEmail.class.classLoader}",
                "${leadId.valueOf(1)}", "${execution.setVariable('pwned', true)}",
                "${java.lang.Runtime.getRuntime()}", "${processEngine.identityService}",
                "${leadService.erase(leadId, 'x')}", "${execution.getVariables().getClass()}",
                "${due.setTime(0)}", "${track.repeat(2000000000)}", "${track.matches('(e+)+b')}",
                "${'}'.length() + execution.getProcessEngineServices().hashCode()}"})
        void refusesAnExpressionThatReachesBeyondTheAllowList(String expression) {
            String execution = waitingExecution();

            assertThatThrownBy(() -> evaluate(engine.getExpressionManager(), execution, expression))
                    .as(expression).isNotNull();

            assertThat(aliceIsAdmin()).as("no membership was created").isFalse();
            assertThat(System.getProperty("leadflow.pwned")).as("no system property was set").isNull();
            assertThat(runtime.getVariable(execution, "pwned")).as("no variable was set").isNull();
            assertThat(runtime.getVariable(execution, "due")).as("no value was changed in place")
                    .isEqualTo(new java.util.Date(86_400_000L));
        }

        @Test
        void theSamePayloadRunsOnCamundasStockExpressionManager() {
            // The payload is real: the stock Spring expression manager, even over the same bean allow-list, runs it.
            String execution = waitingExecution();
            var stock = new SpringExpressionManager(context, new EngineConfiguration.AllowListedBeans(context));
            try {
                evaluate(stock, execution, ESCALATION);
                assertThat(aliceIsAdmin()).isTrue();
            } finally {
                identity.deleteMembership("alice", "ADMIN");
            }
        }

        @Test
        void letsModelsReadVariablesIdsTheirBeansAndPlainValues() {
            String execution = waitingExecution();

            assertThat(evaluate(engine.getExpressionManager(), execution, "${track == 'executive'}")).isEqualTo(true);
            assertThat(evaluate(engine.getExpressionManager(), execution, "#{execution.processBusinessKey}"))
                    .isEqualTo("lead-sandbox");
            assertThat(evaluate(engine.getExpressionManager(), execution,
                    "${execution.getVariable('track') == 'executive'}")).isEqualTo(true);
            assertThat(evaluate(engine.getExpressionManager(), execution, "${leadState.isConfirmed(leadId)}"))
                    .isEqualTo(false);
            assertThat(evaluate(engine.getExpressionManager(), execution, "${doiSettings.reminderAfter}"))
                    .isInstanceOf(String.class);
            assertThat(evaluate(engine.getExpressionManager(), execution, "${track.toUpperCase().length()}"))
                    .isEqualTo(9);
            assertThat(evaluate(engine.getExpressionManager(), execution, "${dateTime().plusDays(1).toDate()}"))
                    .isInstanceOf(java.util.Date.class);
            assertThat(evaluate(engine.getExpressionManager(), execution, "${due.getTime() > 0}")).isEqualTo(true);
        }

        @Test
        void refusesShellMailFormHandlersAndValidatorsEvenWhereTheEngineParsesAModelTheLintNeverSaw() {
            // As when the engine loads a deployment made before the lint knew these (restart, cache miss).
            Map<String, String> refusals = Map.of(
                    "<bpmn:serviceTask id=\"Run\" camunda:type=\"shell\"><bpmn:extensionElements>"
                            + "<camunda:field name=\"command\" stringValue=\"touch\"/><camunda:field name=\"arg1\""
                            + " stringValue=\"/tmp/leadflow-pwned\"/></bpmn:extensionElements></bpmn:serviceTask>",
                    "operating-system commands",
                    "<bpmn:sendTask id=\"Run\" camunda:type=\"mail\"/>", "'mail' is not served",
                    "<bpmn:userTask id=\"Run\" camunda:formHandlerClass=\"java.lang.Object\"/>", "formHandlerClass",
                    "<bpmn:userTask id=\"Run\"><bpmn:extensionElements><camunda:formData><camunda:formField id=\"f\""
                            + " type=\"string\"><camunda:validation><camunda:constraint name=\"validator\""
                            + " config=\"java.lang.Object\"/></camunda:validation></camunda:formField></camunda:formData>"
                            + "</bpmn:extensionElements></bpmn:userTask>", "validator");
            refusals.forEach((element, refusal) -> {
                String xml = process("sandbox-parse", "<bpmn:startEvent id=\"Start\"/>" + element);
                var parser = new org.camunda.bpm.engine.impl.bpmn.parser.BpmnParser(engine.getExpressionManager(),
                        engine.getBpmnParseFactory());
                assertThatThrownBy(() -> engine.getCommandExecutorTxRequired().execute(command -> parser
                        .createParse().sourceString(xml)
                        .deployment(new org.camunda.bpm.engine.impl.persistence.entity.DeploymentEntity())
                        .name("parse.bpmn").execute())).as(element).hasMessageContaining(refusal);
            });
            assertThat(Path.of("/tmp/leadflow-pwned")).doesNotExist();
        }

        @Test
        void createsNoClassAModelNames() {
            assertThatThrownBy(() -> engine.getArtifactFactory()
                    .getArtifact(org.camunda.bpm.engine.impl.bpmn.behavior.ShellActivityBehavior.class))
                    .hasMessageContaining("Models run no code");
        }
    }

    @Nested
    class DeploymentsWhateverTheWayIn {

        @Test
        void refusesAStartListenerThatWalksToEngineServicesThroughEngineRest() {
            ResponseEntity<String> response = deploy("/engine-rest/deployment/create",
                    multipart(List.<String[]>of(new String[] {"data", "listener.bpmn", listenerProcess("sandbox-listener")})),
                    new HttpHeaders());

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
            assertThat(response.getBody()).contains("listener.bpmn").contains("Lead arrives").contains("getProcessEngineServices");
            assertThat(read(response).path("details").path("listener.bpmn").path("errors").get(0)
                    .path("mainElementId").asText()).isEqualTo("Start");
            assertThat(deployed("sandbox-listener")).isFalse();
            assertThat(aliceIsAdmin()).isFalse();
        }

        @Test
        void refusesATimerWhoseExpressionLoadsAClassBeforeTheEngineEvaluatesItAtDeployment() {
            String model = process("sandbox-timer", """
                    <bpmn:startEvent id="Tick" name="Every morning">
                      <bpmn:timerEventDefinition><bpmn:timeDate>%s</bpmn:timeDate></bpmn:timerEventDefinition>
                    </bpmn:startEvent>
                    """.formatted(FOR_NAME));

            ResponseEntity<String> response = deploy("/engine-rest/deployment/create",
                    multipart(List.<String[]>of(new String[] {"data", "timer.bpmn", model})), new HttpHeaders());

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
            assertThat(response.getBody()).contains("timer.bpmn").contains("Every morning").contains("forName");
            assertThat(deployed("sandbox-timer")).isFalse();
            assertThat(System.getProperty("leadflow.pwned")).isNull();
        }

        @Test
        void refusesTheModelsFolderTheSameWay() {
            assertThatThrownBy(() -> repository.createDeployment().addString("direct.bpmn",
                    listenerProcess("sandbox-direct")).deploy())
                    .hasMessageContaining("direct.bpmn").hasMessageContaining("getProcessEngineServices");
            assertThat(deployed("sandbox-direct")).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"<bpmn:scriptTask id=\"Run\" name=\"Run\" scriptFormat=\"juel\"><bpmn:script>"
                + "${execution.setVariable('pwned', true)}</bpmn:script></bpmn:scriptTask>",
                "<bpmn:serviceTask id=\"Run\" name=\"Run\" camunda:delegateExpression=\"${sendEmail}\"><bpmn:extensionElements>"
                        + "<camunda:executionListener event=\"start\"><camunda:script scriptFormat=\"javascript\">1</camunda:script>"
                        + "</camunda:executionListener></bpmn:extensionElements></bpmn:serviceTask>",
                "<bpmn:serviceTask id=\"Run\" name=\"Run\" camunda:delegateExpression=\"${sendEmail}\"><bpmn:extensionElements>"
                        + "<camunda:inputOutput><camunda:inputParameter name=\"template\"><camunda:script scriptFormat=\"groovy\">"
                        + "'x'</camunda:script></camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements>"
                        + "</bpmn:serviceTask>",
                "<bpmn:serviceTask id=\"Run\" name=\"Run\" camunda:delegateExpression=\"${sendEmail}\"/>"
                        + "<bpmn:sequenceFlow id=\"F\" sourceRef=\"Run\" targetRef=\"End\"><bpmn:conditionExpression"
                        + " xsi:type=\"bpmn:tFormalExpression\" language=\"javascript\">true</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:endEvent id=\"End\"/>",
                "<bpmn:userTask id=\"Run\" name=\"Run\"><bpmn:extensionElements><camunda:taskListener event=\"create\""
                        + " class=\"com.evil.Hack\"/></bpmn:extensionElements></bpmn:userTask>"})
        void refusesScriptsAndClassesWhereverThePartOfTheModelIs(String element) {
            ResponseEntity<String> response = deploy("/engine-rest/deployment/create",
                    multipart(List.<String[]>of(new String[] {"data", "script.bpmn", process("sandbox-script",
                            "<bpmn:startEvent id=\"Start\"/>" + element)})), new HttpHeaders());

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
            assertThat(response.getBody()).contains("script.bpmn").containsAnyOf("contains a script", "camunda:class");
            assertThat(deployed("sandbox-script")).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"<bpmn:serviceTask id=\"Run\" name=\"Run\" camunda:type=\"shell\"><bpmn:extensionElements>"
                + "<camunda:field name=\"command\" stringValue=\"/bin/sh\"/></bpmn:extensionElements></bpmn:serviceTask>",
                "<bpmn:serviceTask id=\"Run\" name=\"Run\" activiti:class=\"com.evil.Hack\"/>",
                "<bpmn:userTask id=\"Run\" name=\"Run\"><bpmn:extensionElements><activiti:taskListener"
                        + " event=\"create\" class=\"com.evil.Hack\"/></bpmn:extensionElements></bpmn:userTask>",
                "<bpmn:userTask id=\"Run\" name=\"Run\" camunda:formHandlerClass=\"com.evil.Hack\"/>",
                "<bpmn:userTask id=\"Run\" name=\"Run\"><bpmn:extensionElements><camunda:formData><camunda:formField"
                        + " id=\"f\" type=\"string\"><camunda:validation><camunda:constraint name=\"validator\""
                        + " config=\"com.evil.Hack\"/></camunda:validation></camunda:formField></camunda:formData>"
                        + "</bpmn:extensionElements></bpmn:userTask>",
                "<bpmn:userTask id=\"Run\" name=\"Run\" camunda:formKey=\"embedded:deployment:evil.html\"/>"})
        void refusesWhatTheEngineWouldTurnIntoCodeOrAPageOfTheModelsOwn(String element) {
            String model = process("sandbox-code", "<bpmn:startEvent id=\"Start\"/>" + element)
                    .replace("xmlns:xsi=", "xmlns:activiti=\"http://activiti.org/bpmn\" xmlns:xsi=");
            ResponseEntity<String> response = deploy("/engine-rest/deployment/create",
                    multipart(List.<String[]>of(new String[] {"data", "code.bpmn", model})), new HttpHeaders());

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
            assertThat(response.getBody()).contains("code.bpmn");
            assertThat(deployed("sandbox-code")).isFalse();
        }

        @Test
        void refusesAJuelScriptTaskDeployedThroughCockpitsApiWithASignedInSessionAndItsCsrfToken() throws Exception {
            WebappSession session = WebappSession.signIn(url(""), "demo");
            String model = process("sandbox-cockpit", """
                    <bpmn:startEvent id="Start"/>
                    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Run"/>
                    <bpmn:scriptTask id="Run" name="Run JUEL" scriptFormat="juel">
                      <bpmn:script>${execution.setVariable('pwned', true)}</bpmn:script>
                    </bpmn:scriptTask>
                    """);

            HttpResponse<String> response = session.post("/camunda/api/engine/engine/default/deployment/create",
                    multipart(List.<String[]>of(new String[] {"data", "cockpit.bpmn", model})));

            assertThat(response.statusCode()).as("the request passed sign-in and CSRF, and the engine refused it: "
                    + response.body()).isEqualTo(400);
            assertThat(response.body()).contains("cockpit.bpmn").contains("Run JUEL").contains("script");
            assertThat(deployed("sandbox-cockpit")).isFalse();
        }

        @Test
        void refusesAPercentEncodedPathToTheDeploymentEndpoint() {
            ResponseEntity<String> response = deploy("/engine-rest/%64eployment/create",
                    multipart(List.<String[]>of(new String[] {"data", "encoded.bpmn", listenerProcess("sandbox-encoded")})),
                    new HttpHeaders());

            assertThat(response.getStatusCode().is2xxSuccessful()).as(response.getBody()).isFalse();
            assertThat(deployed("sandbox-encoded")).isFalse();
            assertThat(aliceIsAdmin()).isFalse();
        }

        @Test
        void refusesADeploymentOver20MegabytesWhateverThePathsSpelling() {
            String huge = multipart(List.<String[]>of(new String[] {"data", "huge.bpmn",
                    process("sandbox-huge", "<bpmn:startEvent id=\"Start\"/><!--" + "x".repeat(21 * 1024 * 1024)
                            + "-->")}));
            for (String path : List.of("/engine-rest/deployment/create", "/engine-rest/%64eployment/create",
                    "/camunda/api/engine/engine/default/deployment/create")) {
                ResponseEntity<String> response = deploy(path, huge, new HttpHeaders());

                assertThat(response.getStatusCode().value()).as(path).isEqualTo(413);
                assertThat(response.getBody()).as(path).contains("20 MB");
            }
            assertThat(deployed("sandbox-huge")).isFalse();
        }

        @Test
        void refusesTwoFormFieldsThatCarryOneFileName() {
            String benign = process("sandbox-twin", "<bpmn:startEvent id=\"Start\"/>");
            ResponseEntity<String> response = deploy("/engine-rest/deployment/create",
                    multipart(List.of(new String[] {"a", "twin.bpmn", benign},
                            new String[] {"b", "twin.bpmn", listenerProcess("sandbox-twin")})),
                    new HttpHeaders());

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
            assertThat(deployed("sandbox-twin")).isFalse();
            assertThat(aliceIsAdmin()).isFalse();
        }

        @Test
        void refusesACrossSiteDeploymentPostYetTakesTheModelersDeployButton() {
            String valid = multipart(List.<String[]>of(new String[] {"data", "cross.bpmn",
                    process("sandbox-cross", "<bpmn:startEvent id=\"Start\"/>")}));
            HttpHeaders crossSite = new HttpHeaders();
            crossSite.add("Sec-Fetch-Site", "cross-site");
            HttpHeaders foreignOrigin = new HttpHeaders();
            foreignOrigin.add("Origin", "https://evil.example");

            assertThat(deploy("/engine-rest/deployment/create", valid, crossSite).getStatusCode().value()).isEqualTo(403);
            assertThat(deploy("/engine-rest/deployment/create", valid, foreignOrigin).getStatusCode().value())
                    .isEqualTo(403);
            assertThat(deployed("sandbox-cross")).isFalse();

            HttpHeaders ownPage = new HttpHeaders();
            ownPage.add("Origin", url(""));
            ownPage.add("Sec-Fetch-Site", "same-origin");
            assertThat(deploy("/engine-rest/deployment/create", valid, ownPage).getStatusCode().value()).isEqualTo(200);
            assertThat(deploy("/engine-rest/deployment/create", valid, new HttpHeaders()).getStatusCode().value())
                    .as("Camunda Modeler sends neither header").isEqualTo(200);
            assertThat(deployed("sandbox-cross")).isTrue();
        }

        @Test
        void letsAMarketerDeployAValidModelFromTheModeler() {
            if (identity.createUserQuery().userId("sandbox_marketer").count() == 0) {
                var user = identity.newUser("sandbox_marketer");
                user.setPassword("demo");
                identity.saveUser(user);
                identity.createMembership("sandbox_marketer", "MARKETER");
            }
            HttpHeaders headers = new HttpHeaders();
            headers.setBasicAuth("sandbox_marketer", "demo");
            headers.setContentType(MediaType.parseMediaType("multipart/form-data; boundary=b"));
            String valid = multipart(List.<String[]>of(new String[] {"data", "marketer.bpmn",
                    process("sandbox-marketer", "<bpmn:startEvent id=\"Start\"/>")}));

            ResponseEntity<String> response = rest.exchange(url("/engine-rest/deployment/create"), HttpMethod.POST,
                    new HttpEntity<>(valid, headers), String.class);

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
            assertThat(deployed("sandbox-marketer")).isTrue();
        }

        @Test
        void deploysTheBenchsRawBaselineThroughTheEngineLint() {
            // bench/run deploys these beside the product: they must stay within what any model may do.
            assertThat(repository.createDeployment().name("bench-baseline")
                    .addClasspathResource("bench/raw-start-to-wait.bpmn")
                    .addClasspathResource("bench/raw-lead-journey.bpmn").enableDuplicateFiltering(true)
                    .deployWithResult()).isNotNull();
            assertThat(deployed("raw-opt-in")).isTrue();
        }

        @Test
        void deploysTheShippedModelsThroughTheEngineLint() throws Exception {
            var deployment = repository.createDeployment().name("shipped again");
            for (String dir : new String[] {"bpmn", "dmn"}) {
                try (var files = Files.list(Path.of(dir))) {
                    for (Path p : files.toList()) {
                        deployment.addString(p.getFileName().toString(), Files.readString(p));
                    }
                }
            }
            assertThat(deployment.enableDuplicateFiltering(true).deployWithResult()).isNotNull();
        }
    }

    @Nested
    class DecisionTables {

        private static String juelTable() throws Exception {
            return Files.readString(Path.of("dmn/mql-decision.dmn")).replace(
                    "<outputEntry id=\"OutputEntry_MqlDecision_01_2\">\n          <text>\"A\"</text>",
                    "<outputEntry id=\"OutputEntry_MqlDecision_01_2\" expressionLanguage=\"juel\">\n          <text>"
                            + FOR_NAME.replace("'", "&apos;") + "</text>");
        }

        @Test
        void refusesABacktestCandidateWithAJuelEntryNamingTheElement() throws Exception {
            String candidate = juelTable();
            assertThat(candidate).contains("juel");

            ResponseEntity<String> response = postJson("/api/scoring/backtest", "demo", Map.of("decision", candidate));

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
            assertThat(response.getBody()).contains("decision").contains("OutputEntry_MqlDecision_01_2")
                    .contains("juel");
            assertThat(System.getProperty("leadflow.pwned")).isNull();
        }

        @Test
        void refusesAJuelTableDeployedThroughEngineRest() throws Exception {
            ResponseEntity<String> response = deploy("/engine-rest/deployment/create",
                    multipart(List.<String[]>of(new String[] {"data", "mql-decision.dmn", juelTable()})),
                    new HttpHeaders());

            assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(400);
            assertThat(response.getBody()).contains("OutputEntry_MqlDecision_01_2");
        }

        @Test
        void givesFeelPlainValuesOnlySoThatNoJavaObjectOffersItsMethods() {
            String table = """
                    <definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">
                      <decision id="probe" name="probe">
                        <decisionTable id="t">
                          <input id="i"><inputExpression id="e" typeRef="string"><text>"any"</text></inputExpression></input>
                          <output id="o" name="out" typeRef="string"/>
                          <rule id="r"><inputEntry id="ie"><text>-</text></inputEntry>
                            <outputEntry id="oe"><text>string(b.class)</text></outputEntry></rule>
                        </decisionTable>
                      </decision>
                    </definitions>""";
            byte[] bytes = "x".getBytes(StandardCharsets.UTF_8);
            DmnEngine stock = DmnEngineConfiguration.createDefaultDmnEngineConfiguration().buildEngine();
            DmnEngine feelOnly = ExpressionSandbox.feelOnly((DefaultDmnEngineConfiguration) DmnEngineConfiguration
                    .createDefaultDmnEngineConfiguration()).buildEngine();

            assertThat(outcome(stock, table, bytes)).as("stock FEEL hands out the Java class").contains("[B");
            assertThat(outcome(feelOnly, table, bytes)).doesNotContain("[B");
            assertThat(outcome(feelOnly, table, 42)).as("plain values still work").isNotNull();
        }

        /** The decision's output for variable {@code b}, or the message of what it threw. */
        private static String outcome(DmnEngine dmn, String table, Object b) {
            var decision = dmn.parseDecision("probe", Dmn.readModelFromStream(
                    new java.io.ByteArrayInputStream(table.getBytes(StandardCharsets.UTF_8))));
            try {
                return String.valueOf((Object) dmn.evaluateDecisionTable(decision, Variables.putValue("b", b))
                        .getSingleResult().getSingleEntry());
            } catch (RuntimeException e) {
                return "refused: " + e.getMessage();
            }
        }

        @Test
        void evaluatesNothingButFeelEvenWhereNoLintRan() throws Exception {
            DmnEngine feelOnly = ExpressionSandbox.feelOnly((DefaultDmnEngineConfiguration) DmnEngineConfiguration
                    .createDefaultDmnEngineConfiguration()).buildEngine();
            var decision = feelOnly.parseDecision("mql-decision", Dmn.readModelFromStream(
                    new java.io.ByteArrayInputStream(juelTable().getBytes(StandardCharsets.UTF_8))));

            assertThatThrownBy(() -> feelOnly.evaluateDecisionTable(decision, Variables.putValue("fitScore", 90)
                    .putValue("engagementScore", 90).putValue("unsubscribed", false).putValue("grade", "A")))
                    .hasStackTraceContaining("FEEL only");
            assertThat(System.getProperty("leadflow.pwned")).isNull();
        }
    }
}
