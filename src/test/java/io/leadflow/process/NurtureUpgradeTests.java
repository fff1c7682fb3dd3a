package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
import io.leadflow.consent.ConsentService;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.EngineTestBase;

/**
 * Leads in the nurture journey of the release before tracks ({@code upgrade/nurture-before-tracks.bpmn}: one
 * sequence for all) when the model with a row per track is saved: every step of the old model still exists, so a
 * migration moves every lead; each goes on from where it was, on its own track from the next email, and nobody
 * receives an email twice.
 */
class NurtureUpgradeTests extends EngineTestBase {

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
    ScoringService scoring;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    ConsentService consent;
    @Autowired
    Leads leads;

    private final Instant start = Instant.parse("2026-06-09T08:00:00Z");

    @AfterEach
    void resetClock() {
        ClockUtil.reset();
    }

    @Test
    void movesEveryLeadOfTheSingleSequenceToTheTrackedJourneyWithoutAnEmailTwice() throws Exception {
        ClockUtil.setCurrentTime(Date.from(start));
        repository.createDeployment().name("nurture before tracks")
                .addString("nurture.bpmn", new String(getClass().getResourceAsStream("/upgrade/nurture-before-tracks.bpmn")
                        .readAllBytes(), StandardCharsets.UTF_8)).deploy();
        ProcessInstance executive = waitingThreeDays("exec", "VP Marketing", "retail");
        ProcessInstance clicker = waitingThreeDays("clicker", "VP Sales", "retail");
        ProcessInstance patient = waitingThreeDays("patient", "Marketing Manager", "manufacturing");
        ClockUtil.setCurrentTime(Date.from(start.plus(Duration.ofDays(3)).plusSeconds(60)));
        for (ProcessInstance pi : List.of(clicker, patient)) {
            execute(pi, "Event_Wait3Days");
            execute(pi, "Task_SendValueEmail");
            assertThat(activeActivity(pi)).isEqualTo("Gateway_ClickedOrWait");
        }
        repository.createDeployment().name("nurture with tracks")
                .addString("nurture.bpmn", Files.readString(Path.of("bpmn/nurture.bpmn"))).deploy();

        var dryRun = migrations.migrate("nurture", true).getBody();
        assertThat(dryRun.versions()).filteredOn(v -> v.instances() > 0)
                .allSatisfy(v -> assertThat(v.blockedAt()).as("no step of the old model is gone").isEmpty());
        var report = migrations.migrate("nurture", false).getBody();

        assertThat(report.stayed()).isZero();
        assertThat(report.moved()).isGreaterThanOrEqualTo(3);
        // waiting before the first email of its track: the executive row now
        execute(executive, "Event_Wait3Days");
        execute(executive, "Task_SendExecutiveBrief");
        assertThat(emailsAfterOptIn(outbox, executive)).containsExactly("welcome", "executive-brief");
        // mid-sequence: stays where it was, and an engagement still brings the demo offer
        ClockUtil.setCurrentTime(Date.from(start.plus(Duration.ofDays(4))));
        scoring.record(new ScoringService.EventRequest(clicker.getBusinessKey(), null, "EMAIL_CLICKED",
                "https://acme.example/guide", null));
        execute(clicker, "Task_SendDemoOffer");
        assertThat(emailsAfterOptIn(outbox, clicker)).containsExactly("welcome", "nurture-value", "nurture-demo-offer");
        // mid-sequence without engagement: the case study, then the new tail's re-engagement email
        ClockUtil.setCurrentTime(Date.from(start.plus(Duration.ofDays(10)).plusSeconds(120)));
        execute(patient, "Event_Wait7Days");
        execute(patient, "Task_SendCaseStudy");
        execute(patient, "Task_SendReengagement");
        assertThat(emailsAfterOptIn(outbox, patient)).containsExactly("welcome", "nurture-value", "nurture-case-study",
                "nurture-reengagement");
    }

    /** A lead's nurture instance on the old model after its welcome email, waiting three days. */
    private ProcessInstance waitingThreeDays(String who, String jobTitle, String industry) {
        String leadId = leadService.capture(new CaptureRequest(who + "." + UUID.randomUUID().toString().substring(0, 8)
                + "@acme-corp.io", "Jo", "Lee", "Acme", jobTitle, industry, "1200", "FR", null, "test", null, null,
                null, "Yes", "en", null), new CaptureContext("test", "203.0.113.7", "JUnit")).id();
        // the lead confirmed long ago (marketing email needs consent): confirm it as the double opt-in would
        var url = consent.linksFor(leads.get(leadId), "doi-confirmation").get("confirmUrl");
        consent.confirm(url.substring(url.indexOf("token=") + 6), "203.0.113.7", "JUnit");
        runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).list()
                .forEach(pi -> runtime.deleteProcessInstance(pi.getId(), "only nurture is under test"));
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
}
