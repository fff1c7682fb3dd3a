package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.EngineTestBase;

/**
 * The engine's history cleanup on the shipped models and settings. A lead's qualification journey waits until the
 * lead qualifies, which may be never, and it calls nurture and the handoff: with the engine's default cleanup a called
 * journey's history stays until the journey at the top ends, so it grew with every lead ever confirmed (the bench's
 * M11). Leadflow cleans each journey {@code historyTimeToLive} after that journey itself ended.
 */
class HistoryCleanupTests extends EngineTestBase {

    private static final Duration TIME_TO_LIVE = Duration.ofDays(30);

    @Autowired
    ProcessEngine engine;
    @Autowired
    HistoryService history;
    @Autowired
    ScoringService scoring;

    private Instant start;

    @BeforeEach
    void freezeTime() {
        BpmnAwareTests.init(engine);
        start = nextTuesdayMorningInParis();
        at(start);
    }

    @Test
    void shipsTheEndTimeBasedCleanupInTheNightlyWindow() {
        ProcessEngineConfigurationImpl config = (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
        assertThat(config.getHistoryCleanupStrategy()).isEqualTo("endTimeBased");
        assertThat(config.getHistoryCleanupBatchWindowStartTime()).isEqualTo("01:00");
        assertThat(config.getHistoryCleanupBatchWindowEndTime()).isEqualTo("05:00");
    }

    @Test
    void removesAnEndedNurtureItsTimeToLiveAfterItEndedWhileItsLeadStillWaitsToQualify() {
        ProcessInstance nurture = nurtureAfterWelcome("engaged", "Marketing Manager", "manufacturing");
        String leadId = nurture.getBusinessKey();
        String optIn = history.createHistoricProcessInstanceQuery().processDefinitionKey(ModelKeys.DOUBLE_OPT_IN)
                .processInstanceBusinessKey(leadId).singleResult().getId();
        at(start.plus(Duration.ofDays(2)));
        scoring.record(new ScoringService.EventRequest(leadId, null, "CONTENT_DOWNLOADED",
                "https://acme.example/ebook", null));
        runGeneralTrack(nurture, start);
        process(nurture).isEnded();
        Instant ended = start.plus(Duration.ofDays(10));
        ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
        process(qualification).isWaitingAt("Event_LeadQualified");
        long nurtureRows = activities(nurture.getId());
        long qualificationRows = activities(qualification.getId());
        assertThat(nurtureRows).isGreaterThan(10);
        assertThat(qualificationRows).isPositive();

        at(ended.plus(TIME_TO_LIVE).minus(Duration.ofDays(1)));
        cleanUp();
        assertThat(activities(nurture.getId())).as("kept until its time to live after it ended").isEqualTo(nurtureRows);
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(optIn).count())
                .as("the double opt-in ended at the start: gone").isZero();
        assertThat(activities(optIn)).isZero();

        at(ended.plus(TIME_TO_LIVE).plus(Duration.ofDays(1)));
        cleanUp();
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(nurture.getId()).count()).isZero();
        assertThat(activities(nurture.getId())).isZero();
        assertThat(history.createHistoricVariableInstanceQuery().processInstanceId(nurture.getId()).count()).isZero();
        assertThat(history.createHistoricDetailQuery().processInstanceId(nurture.getId()).count()).isZero();
        assertThat(history.createHistoricJobLogQuery().processInstanceId(nurture.getId()).count()).isZero();

        // the qualification that called it still waits, with its own (short) history
        process(qualification).isWaitingAt("Event_LeadQualified");
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(qualification.getId()).unfinished()
                .count()).isOne();
        assertThat(activities(qualification.getId())).isEqualTo(qualificationRows);
    }

    private long activities(String processInstanceId) {
        return history.createHistoricActivityInstanceQuery().processInstanceId(processInstanceId).count();
    }

    /** One run of the engine's history cleanup job, as the job executor runs it in the nightly window. */
    private void cleanUp() {
        Job job = history.cleanUpHistoryAsync(true);
        management.executeJob(job.getId());
    }
}
