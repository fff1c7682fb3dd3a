package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.platform.ModelKeys;
import io.leadflow.support.EngineTestBase;

/**
 * A marketer saves a new version of {@code nurture} while leads are mid-sequence: a dry run says who would move and
 * who cannot, the migration moves the others, and nobody receives an email twice or is stranded.
 */
class JourneyMigrationTests extends EngineTestBase {

    @Autowired
    JourneyMigrations migrations;
    @Autowired
    RepositoryService repository;
    @Autowired
    RuntimeService runtime;
    @Autowired
    ManagementService management;
    @Autowired
    LeadService leadService;
    @Autowired
    EmailOutbox outbox;

    private final Instant start = Instant.parse("2026-06-09T08:00:00Z");

    @AfterEach
    void resetClock() {
        ClockUtil.reset();
    }

    @Test
    void movesLeadsWhoseStepStillExistsAndReportsTheOthers() throws Exception {
        ClockUtil.setCurrentTime(Date.from(start));
        ProcessInstance early = nurtureWaitingThreeDays("early");
        ProcessInstance late = nurtureWaitingThreeDays("late");
        ClockUtil.setCurrentTime(Date.from(start.plus(Duration.ofDays(3)).plusSeconds(60)));
        execute(late, "Event_Wait3Days");
        execute(late, "Task_SendValueEmail");
        assertThat(activeActivity(late)).isEqualTo("Gateway_ClickedOrWait");

        // version 2: the wait for engagement gets a new id (and five days); the first wait keeps its id
        String v1 = Files.readString(Path.of("bpmn/nurture.bpmn"));
        String v2 = v1.replace("Gateway_ClickedOrWait", "Gateway_EngagedOrWait")
                .replace("<bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">P7D", "<bpmn:timeDuration xsi:type=\"bpmn:tFormalExpression\">P5D")
                .replace("name=\"Wait 7 days\"", "name=\"Wait 5 days\"");
        repository.createDeployment().name("nurture v2").addString("nurture.bpmn", v2).deploy();

        var dryRun = migrations.migrate("nurture", true).getBody();
        assertThat(dryRun.targetVersion()).isEqualTo(2);
        assertThat(dryRun.moved()).isZero();
        assertThat(dryRun.versions()).singleElement().satisfies(v -> {
            assertThat(v.version()).isEqualTo(1);
            assertThat(v.instances()).isGreaterThanOrEqualTo(2);
            assertThat(v.blockedAt()).containsEntry("Gateway_ClickedOrWait", 1L);
            assertThat(v.problems()).singleElement().asString().contains("Gateway_ClickedOrWait");
        });
        assertThat(definitionVersion(early)).as("a dry run moves nobody").isEqualTo(1);

        var report = migrations.migrate("nurture", false).getBody();

        assertThat(report.stayed()).isEqualTo(1);
        assertThat(definitionVersion(early)).isEqualTo(2);
        assertThat(definitionVersion(late)).as("its step is gone: it stays on version 1").isEqualTo(1);
        assertThat(activeActivity(early)).isEqualTo("Event_Wait3Days");

        execute(early, "Event_Wait3Days");
        execute(early, "Task_SendValueEmail");
        assertThat(activeActivity(early)).isEqualTo("Gateway_EngagedOrWait");
        assertThat(emailsAfterOptIn(outbox, early)).containsExactly("welcome", "nurture-value");
        ClockUtil.setCurrentTime(Date.from(start.plus(Duration.ofDays(10)).plusSeconds(120)));
        execute(late, "Event_Wait7Days");
        execute(late, "Task_SendCaseStudy");
        assertThat(emailsAfterOptIn(outbox, late)).containsExactly("welcome", "nurture-value", "nurture-case-study");
    }

    /** A general-track lead's nurture instance after its welcome email, waiting three days for the value email. */
    private ProcessInstance nurtureWaitingThreeDays(String who) {
        String leadId = leadService.capture(new CaptureRequest(who + "." + UUID.randomUUID().toString().substring(0, 8)
                + "@acme-corp.io", "Jo", "Lee", "Acme", "Marketing Manager", "manufacturing", "1200", "FR", null, "test", null,
                null, null, "Yes", "en", null), new CaptureContext("test", "203.0.113.7", "JUnit")).id();
        String url = consent.linksFor(leads.get(leadId), "doi-confirmation").get("confirmUrl");
        consent.confirm(url.substring(url.indexOf("token=") + 6), "203.0.113.7", "JUnit");
        followVariantA(leadId);
        ProcessInstance nurture = runtime.startProcessInstanceByKey("nurture", leadId,
                Map.of(ModelKeys.VAR_LEAD_ID, leadId, "recycled", false));
        execute(nurture, "Task_ChooseTrack");
        execute(nurture, "Task_SendWelcome");
        assertThat(activeActivity(nurture)).isEqualTo("Event_Wait3Days");
        return nurture;
    }

    private void execute(ProcessInstance pi, String activityId) {
        Job job = management.createJobQuery().processInstanceId(pi.getId()).activityId(activityId).singleResult();
        assertThat(job).as("job at %s", activityId).isNotNull();
        management.executeJob(job.getId());
    }

    private String activeActivity(ProcessInstance pi) {
        List<String> ids = runtime.getActiveActivityIds(pi.getId());
        assertThat(ids).hasSize(1);
        return ids.get(0);
    }

    private int definitionVersion(ProcessInstance pi) {
        String definitionId = runtime.createProcessInstanceQuery().processInstanceId(pi.getId()).singleResult()
                .getProcessDefinitionId();
        return repository.getProcessDefinition(definitionId).getVersion();
    }
}
