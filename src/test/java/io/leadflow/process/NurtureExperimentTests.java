package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.experiment.Experiments;
import io.leadflow.platform.ModelKeys;
import io.leadflow.support.EngineTestBase;
import io.leadflow.support.ProcessCoverage;

/**
 * The experiment the shipped {@code bpmn/nurture.bpmn} runs on the general track's first email
 * ({@code general-first-email}): each lead takes the path of the variant it drew, recorded for it, and once a winner is
 * chosen every new lead takes it, on the deployed model, without a new deployment.
 */
@ExtendWith(ProcessCoverage.class)
class NurtureExperimentTests extends EngineTestBase {

    private static final Map<String, String> TASK = Map.of("A", "Task_SendValueEmail", "B", "Task_SendValueEmailB");
    private static final Map<String, String> EMAIL = Map.of("A", "nurture-value", "B", "nurture-value-b");

    @Autowired
    ProcessEngine engine;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    Experiments experiments;
    @Autowired
    org.camunda.bpm.engine.RepositoryService repository;

    private Instant now;

    @BeforeEach
    void freezeTimeOnATuesdayMorning() {
        BpmnAwareTests.init(engine);
        now = nextTuesdayMorningInParis();
        at(now);
    }

    /** A general-track lead, three days after its welcome email: the split ran, the first email waits. */
    private ProcessInstance generalTrackAtItsFirstEmail(String name) {
        String leadId = confirmedLead(name, "Marketing Manager", "manufacturing");
        executeJob(instance(ModelKeys.LEAD_QUALIFICATION, leadId), "Task_EvaluateScore");
        ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
        executeJob(nurture, "Task_ChooseTrack");
        executeJob(nurture, "Task_SendWelcome");
        now = now.plus(Duration.ofDays(3));
        at(now);
        executeJob(nurture, "Event_Wait3Days");
        return nurture;
    }

    private String takesThePathOfItsVariant(ProcessInstance nurture) {
        String variant = experiments.variantOf("general-first-email", nurture.getBusinessKey()).orElseThrow();
        assertThat(nurture).hasPassed("Task_SplitValueEmail").isWaitingAt(TASK.get(variant));
        assertThat(runtime.getVariable(nurture.getId(), "variant")).isEqualTo(variant);
        executeJob(nurture, TASK.get(variant));
        assertThat(nurture).isWaitingAt("Gateway_ClickedOrWait");
        assertThat(emailsAfterOptIn(outbox, nurture)).containsExactly("welcome", EMAIL.get(variant));
        return variant;
    }

    @Test
    void eachLeadTakesTheFirstEmailOfItsVariantAndAChosenWinnerTakesEveryNewLeadWithoutADeployment() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 16; i++) {
            seen.add(takesThePathOfItsVariant(generalTrackAtItsFirstEmail("split" + i)));
        }
        assertThat(seen).as("16 leads draw both variants (all alike: 1 in 30,000)").containsExactlyInAnyOrder("A", "B");
        String deployment = repository.createProcessDefinitionQuery().processDefinitionKey(ModelKeys.NURTURE)
                .latestVersion().singleResult().getId();

        experiments.choose("general-first-email", "B", "marketer");

        for (int i = 0; i < 4; i++) {
            ProcessInstance nurture = generalTrackAtItsFirstEmail("after" + i);
            assertThat(takesThePathOfItsVariant(nurture)).isEqualTo("B");
            assertThat(nurture.getProcessDefinitionId()).isEqualTo(deployment);
        }
    }
}
