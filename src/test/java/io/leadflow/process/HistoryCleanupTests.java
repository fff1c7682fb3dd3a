package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.batch.Batch;
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
 * The engine's history cleanup on the shipped models and settings: a journey's history goes its model's
 * {@code historyTimeToLive} after the journey at the top of it ended, in the nightly window, and the cleanup's own
 * job log goes after a week (the engine keeps it for ever unless told). What stays while a journey waits is the
 * bench's M11 (BENCHMARKS.md).
 */
class HistoryCleanupTests extends EngineTestBase {

    private static final Duration TIME_TO_LIVE = Duration.ofDays(30);

    @Autowired
    ProcessEngine engine;
    @Autowired
    HistoryService history;
    @Autowired
    ScoringService scoring;
    @Autowired
    EndedJourneyHistory endedJourneys;

    private Instant start;

    @BeforeEach
    void freezeTime() {
        BpmnAwareTests.init(engine);
        start = nextTuesdayMorningInParis();
        at(start);
    }

    @Test
    void shipsTheNightlyWindowAndATimeToLiveForWhatTheEngineWouldKeepForEver() {
        ProcessEngineConfigurationImpl config = (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
        assertThat(config.getHistoryCleanupStrategy()).isEqualTo("removalTimeBased");
        assertThat(config.getHistoryRemovalTimeStrategy()).isEqualTo("end");
        assertThat(config.getHistoryCleanupBatchWindowStartTime()).isEqualTo("01:00");
        assertThat(config.getHistoryCleanupBatchWindowEndTime()).isEqualTo("05:00");
        assertThat(config.getHistoryCleanupJobLogTimeToLive()).isEqualTo("P7D");
        assertThat(config.getBatchOperationHistoryTimeToLive()).isEqualTo("P30D");
    }

    @Test
    void removesAnEndedDoubleOptInItsTimeToLiveAfterItEndedAndKeepsTheJourneyThatStillWaits() {
        String leadId = confirmedLead("kept", "Marketing Manager", "manufacturing");
        String optIn = history.createHistoricProcessInstanceQuery().processDefinitionKey(ModelKeys.DOUBLE_OPT_IN)
                .processInstanceBusinessKey(leadId).finished().singleResult().getId();
        ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
        long optInRows = activities(optIn);
        long qualificationRows = activities(qualification.getId());
        assertThat(optInRows).isGreaterThan(3);
        assertThat(qualificationRows).isPositive();
        assertThat(history.createHistoricActivityInstanceQuery().processInstanceId(optIn).list())
                .allSatisfy(a -> assertThat(a.getRemovalTime()).as("its end and its time to live")
                        .isEqualTo(Date.from(start.plus(TIME_TO_LIVE))));

        at(start.plus(TIME_TO_LIVE).minus(Duration.ofHours(1)));
        cleanUp();
        assertThat(activities(optIn)).as("kept until its time to live").isEqualTo(optInRows);

        at(start.plus(TIME_TO_LIVE).plus(Duration.ofHours(1)));
        cleanUp();
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(optIn).count()).isZero();
        assertThat(activities(optIn)).isZero();
        assertThat(history.createHistoricVariableInstanceQuery().processInstanceId(optIn).count()).isZero();
        assertThat(history.createHistoricDetailQuery().processInstanceId(optIn).count()).isZero();
        assertThat(history.createHistoricJobLogQuery().processInstanceId(optIn).count()).isZero();

        process(qualification).isActive();
        assertThat(activities(qualification.getId())).as("a journey that waits keeps its history")
                .isEqualTo(qualificationRows);
    }

    @Test
    void givesANurtureThatEndedItsOwnRemovalTimeWhileItsQualificationStillWaits() {
        // a lead that asks for a demo during nurture: its qualification ends nurture and waits for sales
        ProcessInstance nurture = nurtureAfterWelcome("engaged", "VP Marketing", "software");
        String leadId = nurture.getBusinessKey();
        at(start.plus(Duration.ofDays(2)));
        scoring.record(new ScoringService.EventRequest(leadId, null, "DEMO_REQUESTED", null, null));
        process(nurture).isEnded();
        ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
        process(qualification).isWaitingAt("CallActivity_SalesHandoff");
        long nurtureRows = activities(nurture.getId());
        long qualificationRows = activities(qualification.getId());
        assertThat(nurtureRows).isGreaterThan(5);
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(nurture.getId()).singleResult()
                .getRemovalTime()).as("the engine waits for the qualification to end").isNull();

        Instant night = start.plus(Duration.ofDays(3));
        at(night);
        run(endedJourneys.sweep());
        assertThat(history.createHistoricActivityInstanceQuery().processInstanceId(nurture.getId()).list())
                .allSatisfy(a -> assertThat(a.getRemovalTime()).isEqualTo(Date.from(night.plus(TIME_TO_LIVE))));
        assertThat(history.createHistoricActivityInstanceQuery().processInstanceId(qualification.getId()).list())
                .allSatisfy(a -> assertThat(a.getRemovalTime()).as("the waiting qualification's own").isNull());
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(nurture.getId()).singleResult()
                .getRemovalTime()).as("so the next nights pass it by").isEqualTo(Date.from(night.plus(TIME_TO_LIVE)));

        at(night.plus(TIME_TO_LIVE).plus(Duration.ofHours(1)));
        cleanUp();
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(nurture.getId()).count()).isZero();
        assertThat(activities(nurture.getId())).isZero();
        assertThat(history.createHistoricVariableInstanceQuery().processInstanceId(nurture.getId()).count()).isZero();
        assertThat(history.createHistoricDetailQuery().processInstanceId(nurture.getId()).count()).isZero();
        assertThat(history.createHistoricJobLogQuery().processInstanceId(nurture.getId()).count()).isZero();
        process(qualification).isWaitingAt("CallActivity_SalesHandoff");
        assertThat(activities(qualification.getId())).isEqualTo(qualificationRows);
    }

    @Test
    void removesTheCleanupsOwnJobLogAfterAWeek() {
        cleanUp();
        Date firstNight = Date.from(start.plusSeconds(1));
        assertThat(history.createHistoricJobLogQuery().jobDefinitionType("history-cleanup").list())
                .as("what the first run wrote").anySatisfy(log -> assertThat(log.getTimestamp())
                        .isEqualTo(Date.from(start)));

        at(start.plus(Duration.ofDays(8)));
        cleanUp();
        assertThat(history.createHistoricJobLogQuery().jobDefinitionType("history-cleanup").list())
                .as("a week on, only what the last run wrote").isNotEmpty()
                .allSatisfy(log -> assertThat(log.getTimestamp()).isAfter(firstNight));
    }

    /** A removal time batch's jobs run as the job executor would: its seed, the jobs it made, its monitor. */
    private void run(List<Batch> batches) {
        for (int round = 0; round < 3; round++) {
            for (Batch batch : batches) {
                for (String definition : List.of(batch.getSeedJobDefinitionId(), batch.getBatchJobDefinitionId(),
                        batch.getMonitorJobDefinitionId())) {
                    management.createJobQuery().jobDefinitionId(definition).list()
                            .forEach(job -> management.executeJob(job.getId()));
                }
            }
        }
    }

    private long activities(String processInstanceId) {
        return history.createHistoricActivityInstanceQuery().processInstanceId(processInstanceId).count();
    }

    /**
     * The engine's history cleanup job run as the job executor runs it in the nightly window, a few times over: one
     * run removes at most a batch, and the other process tests leave their journeys in this database too.
     */
    private void cleanUp() {
        for (int run = 0; run < 10; run++) {
            Job job = history.cleanUpHistoryAsync(true);
            management.executeJob(job.getId());
        }
    }
}
