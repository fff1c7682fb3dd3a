package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;

import io.leadflow.support.ServiceTestBase;

/** A bad model is refused before it reaches the engine, with a message naming the file and the element. */
class ModelLintTests extends ServiceTestBase {

    @Autowired
    ModelDeployer deployer;

    @Autowired
    org.springframework.context.ApplicationContext context;

    static String process(String attributes, String body) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://leadflow.io/test">
                  <bpmn:process id="lint-probe" isExecutable="true" %s>
                    <bpmn:startEvent id="Start"/>
                    %s
                  </bpmn:process>
                </bpmn:definitions>
                """.formatted(attributes, body);
    }

    static final String VALID = process("camunda:historyTimeToLive=\"P30D\"",
            "<bpmn:serviceTask id=\"Mail\" name=\"Send welcome\" camunda:asyncBefore=\"true\" camunda:delegateExpression=\"${sendEmail}\"/>");

    private static Map<String, byte[]> file(String name, String xml) {
        return Map.of(name, xml.getBytes(StandardCharsets.UTF_8));
    }

    @Nested
    class FromTheModelsFolder {

        @Test
        void refusesAnUnknownDelegateNamingTheTask() {
            String xml = process("camunda:historyTimeToLive=\"P30D\"",
                    "<bpmn:serviceTask id=\"Task_Spam\" name=\"Spam everyone\" camunda:delegateExpression=\"${spamAll}\"/>");
            assertThatThrownBy(() -> deployer.deploy(file("probe.bpmn", xml), "test"))
                    .isInstanceOf(ModelRejected.class)
                    .hasMessageContaining("probe.bpmn")
                    .hasMessageContaining("Spam everyone")
                    .hasMessageContaining("${spamAll}");
        }

        @Test
        void refusesAProcessWithoutHistoryTimeToLive() {
            String xml = process("", "");
            assertThatThrownBy(() -> deployer.deploy(file("no-ttl.bpmn", xml), "test"))
                    .isInstanceOf(ModelRejected.class)
                    .hasMessageContaining("no-ttl.bpmn")
                    .hasMessageContaining("lint-probe")
                    .hasMessageContaining("History Time To Live");
        }

        @Test
        void refusesScriptsClassesBadTimersAndPersonalDataVariables() {
            String xml = process("camunda:historyTimeToLive=\"P30D\"", """
                    <bpmn:scriptTask id="Script" name="Run code" scriptFormat="groovy"><bpmn:script>1</bpmn:script></bpmn:scriptTask>
                    <bpmn:serviceTask id="Klass" name="Java class" camunda:class="com.evil.Hack"/>
                    <bpmn:intermediateCatchEvent id="Wait" name="Wait a bit">
                      <bpmn:timerEventDefinition><bpmn:timeDuration>three days</bpmn:timeDuration></bpmn:timerEventDefinition>
                    </bpmn:intermediateCatchEvent>
                    <bpmn:serviceTask id="Retry" name="Retry badly" camunda:asyncBefore="true" camunda:delegateExpression="${sendEmail}">
                      <bpmn:extensionElements>
                        <camunda:failedJobRetryTimeCycle>five times</camunda:failedJobRetryTimeCycle>
                        <camunda:inputOutput><camunda:inputParameter name="email">x</camunda:inputParameter></camunda:inputOutput>
                      </bpmn:extensionElements>
                    </bpmn:serviceTask>
                    """);
            assertThatThrownBy(() -> deployer.deploy(file("bad.bpmn", xml), "test"))
                    .isInstanceOf(ModelRejected.class)
                    .satisfies(e -> assertThat(((ModelRejected) e).problems())
                            .anySatisfy(p -> assertThat(p).contains("Run code").contains("script task"))
                            .anySatisfy(p -> assertThat(p).contains("Java class").contains("camunda:class"))
                            .anySatisfy(p -> assertThat(p).contains("Wait a bit").contains("three days"))
                            .anySatisfy(p -> assertThat(p).contains("Retry badly").contains("five times"))
                            .anySatisfy(p -> assertThat(p).contains("'email'").contains("personal data")));
        }

        @Test
        void refusesAnEmailTemplateThatDoesNotExistNamingTheTaskAndTheTemplatesThatDo() {
            String xml = process("camunda:historyTimeToLive=\"P30D\"", """
                    <bpmn:serviceTask id="Task_Brief" name="Send the brief" camunda:asyncBefore="true" camunda:delegateExpression="${sendEmail}">
                      <bpmn:extensionElements><camunda:inputOutput>
                        <camunda:inputParameter name="template">executive-breif</camunda:inputParameter>
                      </camunda:inputOutput></bpmn:extensionElements>
                    </bpmn:serviceTask>
                    """);
            assertThatThrownBy(() -> deployer.deploy(file("typo.bpmn", xml), "test"))
                    .isInstanceOf(ModelRejected.class)
                    .hasMessageContaining("Send the brief")
                    .hasMessageContaining("'executive-breif', which does not exist")
                    .hasMessageContaining("executive-brief")
                    .hasMessageContaining("welcome");
            String right = xml.replace("executive-breif", "executive-brief");
            assertThat(EngineConfiguration.linter(List.of(), key -> false, EngineConfiguration.emails(context))
                    .lint("right.bpmn",
                    right.getBytes(StandardCharsets.UTF_8), List.of())).as("the right name passes").isEmpty();
        }

        @Test
        void refusesAnEmailTemplateWithoutTheLanguageAFormCollectsLeadsIn() {
            String xml = process("camunda:historyTimeToLive=\"P30D\"", """
                    <bpmn:serviceTask id="Task_Notify" name="Tell the lead" camunda:asyncBefore="true" camunda:delegateExpression="${sendEmail}">
                      <bpmn:extensionElements><camunda:inputOutput>
                        <camunda:inputParameter name="template">sla-remind</camunda:inputParameter>
                      </camunda:inputOutput></bpmn:extensionElements>
                    </bpmn:serviceTask>
                    """);

            assertThatThrownBy(() -> deployer.deploy(file("english-only.bpmn", xml), "test"))
                    .isInstanceOf(ModelRejected.class)
                    .hasMessageContaining("Tell the lead")
                    .hasMessageContaining("'sla-remind', which has no 'fr' version, though form 'essai-fr' collects "
                            + "leads in that language: add mail/sla-remind_fr.txt and mail/sla-remind_fr.html");
        }

        @Test
        void refusesATimerWhoseNameSaysAnotherWaitThanItsValue() {
            String timer = """
                    <bpmn:intermediateCatchEvent id="Event_Wait" name="%s">
                      <bpmn:timerEventDefinition><bpmn:timeDuration>%s</bpmn:timeDuration></bpmn:timerEventDefinition>
                    </bpmn:intermediateCatchEvent>
                    """;
            String changedValueOnly = process("camunda:historyTimeToLive=\"P30D\"", timer.formatted("Wait 3 days", "P5D"));

            assertThatThrownBy(() -> deployer.deploy(file("wait.bpmn", changedValueOnly), "test"))
                    .isInstanceOf(ModelRejected.class)
                    .hasMessageContaining("'Wait 3 days' (Event_Wait)")
                    .hasMessageContaining("is named 'Wait 3 days' but waits P5D: change the name or the timer");
            for (String[] agreeing : new String[][] {{"Wait 5 days", "P5D"}, {"Attendre 2 semaines", "P2W"},
                    {"Wait 4 hours", "PT4H"}, {"Wait", "P5D"}, {"Wait 3 days", "${nurtureSettings.sunsetAfter}"}}) {
                assertThat(EngineConfiguration.linter(List.of(), key -> false, EngineConfiguration.emails(context))
                        .lint("wait.bpmn", process("camunda:historyTimeToLive=\"P30D\"",
                                timer.formatted(agreeing[0], agreeing[1])).getBytes(StandardCharsets.UTF_8), List.of()))
                        .as(agreeing[0] + " / " + agreeing[1]).isEmpty();
            }
        }

        @Test
        void refusesABusinessRuleTaskOnAnUnknownDecision() {
            String xml = process("camunda:historyTimeToLive=\"P30D\"",
                    "<bpmn:businessRuleTask id=\"Rule\" name=\"Decide\" camunda:decisionRef=\"no-such-table\"/>");
            assertThatThrownBy(() -> deployer.deploy(file("rule.bpmn", xml), "test"))
                    .hasMessageContaining("Decide").hasMessageContaining("no-such-table");
        }

        @Test
        void refusesExpressionsThatReachBeansOutsideTheAllowList() {
            String xml = process("camunda:historyTimeToLive=\"P30D\"", """
                    <bpmn:serviceTask id="Leak" name="Leak" camunda:asyncBefore="true" camunda:delegateExpression="${sendEmail}">
                      <bpmn:extensionElements><camunda:inputOutput>
                        <camunda:inputParameter name="template">${leadService.erase(leadId, 'x')}</camunda:inputParameter>
                      </camunda:inputOutput></bpmn:extensionElements>
                    </bpmn:serviceTask>
                    """);
            assertThatThrownBy(() -> deployer.deploy(file("leak.bpmn", xml), "test"))
                    .hasMessageContaining("Leak").hasMessageContaining("leadService");
        }

        @Test
        void acceptsTheShippedModels() throws Exception {
            Map<String, byte[]> shipped = new java.util.TreeMap<>();
            for (String dir : new String[] {"bpmn", "dmn"}) {
                try (var files = Files.list(Path.of(dir))) {
                    for (Path p : files.toList()) {
                        shipped.put(p.getFileName().toString(), Files.readAllBytes(p));
                    }
                }
            }
            // Together, with no decision deployed before: each process refers only to tables shipped beside it.
            assertThat(EngineConfiguration.linter(EngineConfiguration.otherBeans(context), key -> false,
                    EngineConfiguration.emails(context))
                    .lintAll(shipped)).isEmpty();
        }
    }

    @Nested
    class FromCamundaModelersDeployButton {

        private ResponseEntity<String> deploy(String fileName, String xml) {
            var body = new LinkedMultiValueMap<String, Object>();
            body.add("deployment-name", "from-modeler");
            body.add("deployment-source", "Camunda Modeler");
            body.add(fileName, new ByteArrayResource(xml.getBytes(StandardCharsets.UTF_8)) {
                @Override
                public String getFilename() {
                    return fileName;
                }
            });
            var headers = basic("demo");
            headers.setContentType(MediaType.MULTIPART_FORM_DATA);
            return rest.exchange(url("/engine-rest/deployment/create"), HttpMethod.POST, new HttpEntity<>(body, headers),
                    String.class);
        }

        @Test
        void answersABrokenModelWith400NamingTheElement() {
            ResponseEntity<String> response = deploy("broken.bpmn", process("",
                    "<bpmn:serviceTask id=\"Task_X\" name=\"Do magic\" camunda:delegateExpression=\"${magic}\"/>"));

            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(response.getBody()).contains("broken.bpmn").contains("Do magic").contains("History Time To Live");
        }

        @Test
        void deploysAValidModel() {
            ResponseEntity<String> response = deploy("lint-probe.bpmn", VALID);

            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(read(response).path("deployedProcessDefinitions").toString()).contains("lint-probe");
        }
    }
}
