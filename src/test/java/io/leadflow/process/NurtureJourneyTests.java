package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.analytics.Analytics;
import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.lead.Lead;
import io.leadflow.nurture.NurtureStatus;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.EngineTestBase;
import io.leadflow.support.ProcessCoverage;

/**
 * {@code bpmn/nurture.bpmn} on the real engine with the real {@code nurture-track} table: each track's own emails
 * and waits, the demo offer for a lead who engages, re-engagement and sunset for one who never does, and the exits.
 * Jobs are executed by the test and time moves with {@link ClockUtil}.
 */
@ExtendWith(ProcessCoverage.class)
class NurtureJourneyTests extends EngineTestBase {

    @Autowired
    ProcessEngine engine;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    ScoringService scoring;
    @Autowired
    NurtureStatus nurtureStatus;
    @Autowired
    Analytics analytics;

    @Autowired
    private HistoryService history;

    private Instant start;

    @BeforeEach
    void freezeTimeOnATuesdayMorning() {
        BpmnAwareTests.init(engine);
        start = nextTuesdayMorningInParis();
        at(start);
    }

    @Nested
    class Tracks {

        @Test
        void choosesEachLeadsTrackWithTheNurtureTrackTableAndKeepsIt() {
            String executive = nurtureAfterWelcome("ceo", "Chief Executive Officer", "retail").getBusinessKey();
            String technical = nurtureAfterWelcome("dev", "Engineering Manager", "Software").getBusinessKey();
            String general = nurtureAfterWelcome("ops", "Marketing Manager", "manufacturing").getBusinessKey();

            assertThat(nurtureStatus.of(executive)).hasValueSatisfying(s -> assertThat(s.track()).isEqualTo("executive"));
            assertThat(nurtureStatus.of(technical)).hasValueSatisfying(s -> assertThat(s.track()).isEqualTo("technical"));
            assertThat(nurtureStatus.of(general)).hasValueSatisfying(s -> {
                assertThat(s.track()).isEqualTo("general");
                assertThat(s.sunset()).isFalse();
            });
        }

        @Test
        void sendsAnExecutiveTheBriefAfterThreeDaysThenThePeerStoryFiveDaysLater() {
            ProcessInstance nurture = nurtureAfterWelcome("vp", "VP Sales", "retail");

            at(start.plus(Duration.ofDays(3)));
            executeJob(nurture, "Event_Wait3Days");
            process(nurture).hasPassed("Gateway_Track").isWaitingAt("Task_SendExecutiveBrief");
            executeJob(nurture, "Task_SendExecutiveBrief");
            assertThat(job(nurture, "Event_ExecutiveWait5Days").getDuedate())
                    .isEqualTo(Date.from(start.plus(Duration.ofDays(8))));
            at(start.plus(Duration.ofDays(8)));
            executeJob(nurture, "Event_ExecutiveWait5Days");
            executeJob(nurture, "Task_SendExecutivePeerStory");

            assertThat(emailsAfterOptIn(outbox, nurture)).containsExactly("welcome", "executive-brief", "executive-peer-story");
            process(nurture).hasNotPassed("Task_SendValueEmail", "Task_SendTechnicalGuide");
        }

        @Test
        void sendsATechnicalLeadTheGuideThenTheIntegrationGuideFourDaysLater() {
            ProcessInstance nurture = nurtureAfterWelcome("cto-office", "Engineering Manager", "software");

            at(start.plus(Duration.ofDays(3)));
            executeJob(nurture, "Event_Wait3Days");
            executeJob(nurture, "Task_SendTechnicalGuide");
            assertThat(job(nurture, "Event_TechnicalWait4Days").getDuedate())
                    .isEqualTo(Date.from(start.plus(Duration.ofDays(7))));
            at(start.plus(Duration.ofDays(7)));
            executeJob(nurture, "Event_TechnicalWait4Days");
            executeJob(nurture, "Task_SendIntegrationGuide");

            assertThat(emailsAfterOptIn(outbox, nurture)).containsExactly("welcome", "technical-guide", "technical-integration");
            process(nurture).hasNotPassed("Task_SendValueEmail", "Task_SendExecutiveBrief");
        }

        @Test
        void offersTheDemoAtOnceToAnExecutiveWhoClicksTheBrief() {
            ProcessInstance nurture = nurtureAfterWelcome("keen", "Chief Marketing Officer", "retail");
            at(start.plus(Duration.ofDays(3)));
            executeJob(nurture, "Event_Wait3Days");
            executeJob(nurture, "Task_SendExecutiveBrief");

            at(start.plus(Duration.ofDays(4)));
            scoring.record(new ScoringService.EventRequest(nurture.getBusinessKey(), null, "EMAIL_CLICKED",
                    "https://acme.example/brief", null));

            process(nurture).hasPassed("Event_ExecutiveEngaged").isWaitingAt("Task_SendExecutiveDemoOffer");
            assertThat(job(nurture, "Event_ExecutiveWait5Days")).as("the slow path is gone").isNull();
            executeJob(nurture, "Task_SendExecutiveDemoOffer");
            process(nurture).hasPassed("EndEvent_ExecutiveDemoOffered").isEnded();
            assertThat(emailsAfterOptIn(outbox, nurture)).containsExactly("welcome", "executive-brief", "nurture-demo-offer");
        }

        @Test
        void offersTheDemoAtOnceToATechnicalLeadWhoVisitsAfterTheGuide() {
            ProcessInstance nurture = nurtureAfterWelcome("reader", "Software Architect", "software");
            at(start.plus(Duration.ofDays(3)));
            executeJob(nurture, "Event_Wait3Days");
            executeJob(nurture, "Task_SendTechnicalGuide");

            at(start.plus(Duration.ofDays(3)).plus(Duration.ofHours(2)));
            scoring.record(new ScoringService.EventRequest(nurture.getBusinessKey(), null, "PAGE_VIEW",
                    "https://acme.example/docs/api", null));

            executeJob(nurture, "Task_SendTechnicalDemoOffer");
            process(nurture).hasPassed("Event_TechnicalEngaged", "EndEvent_TechnicalDemoOffered").isEnded();
            assertThat(emailsAfterOptIn(outbox, nurture)).containsExactly("welcome", "technical-guide", "nurture-demo-offer");
        }
    }

    @Nested
    class ReengagementAndSunset {

        @Test
        void writesOnceMoreAfterThreeEmailsWithoutEngagementThenSunsetsTheLeadTwoWeeksLater() {
            String sunsetDay = start.plus(Duration.ofDays(24)).atZone(java.time.ZoneOffset.UTC).toLocalDate().toString();
            long sunsetsBefore = analytics.emails(analytics.period(sunsetDay, sunsetDay)).sunsets();
            ProcessInstance nurture = generalSequenceWithoutEngagement("silent");
            String leadId = nurture.getBusinessKey();
            process(nurture).hasPassed("Gateway_Unengaged").isWaitingAt("Task_SendReengagement");
            executeJob(nurture, "Task_SendReengagement");
            assertThat(job(nurture, "Event_WaitBeforeSunset").getDuedate())
                    .isEqualTo(Date.from(start.plus(Duration.ofDays(24))));

            at(start.plus(Duration.ofDays(24)));
            executeJob(nurture, "Event_WaitBeforeSunset");
            executeJob(nurture, "Task_Sunset");

            process(nurture).hasPassed("EndEvent_Sunset").isEnded();
            String qualification = history.createHistoricProcessInstanceQuery()
                    .processDefinitionKey(ModelKeys.LEAD_QUALIFICATION).processInstanceBusinessKey(leadId).singleResult()
                    .getId();
            assertThat(history.createHistoricActivityInstanceQuery().processInstanceId(qualification)
                    .activityId("EndEvent_Nurtured").count()).as("its qualification ends with it").isOne();
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count())
                    .as("nothing of the lead waits in the engine").isZero();
            // The case study and the re-engagement email are queued at the same instant (day 10): either may list first.
            List<String> emails = emailsAfterOptIn(outbox, nurture);
            assertThat(emails).hasSize(4).startsWith("welcome", "nurture-value");
            assertThat(emails.subList(2, 4)).containsExactlyInAnyOrder("nurture-case-study", "nurture-reengagement");
            NurtureStatus.View status = nurtureStatus.of(leadId).orElseThrow();
            assertThat(status.sunset()).isTrue();
            assertThat(status.sunsetAt()).isEqualTo(start.plus(Duration.ofDays(24)));
            Lead lead = leads.get(leadId);
            assertThat(lead.consent()).as("a sunset is no unsubscribe").isEqualTo(Lead.Consent.CONFIRMED);
            assertThat(lead.stage()).isEqualTo(Lead.Stage.NURTURE);
            assertThat(analytics.emails(analytics.period(sunsetDay, sunsetDay)).sunsets()).isEqualTo(sunsetsBefore + 1);
        }

        @Test
        void endsTheSunsetWhenTheLeadComesBackAndOffersTheDemo() {
            ProcessInstance nurture = sunsetLead("returning");
            String leadId = nurture.getBusinessKey();

            at(start.plus(Duration.ofDays(40)));
            scoring.record(new ScoringService.EventRequest(leadId, null, "PAGE_VIEW", "https://acme.example/pricing",
                    null));

            process(nurture).isEnded();
            ProcessInstance cameBack = instance(ModelKeys.NURTURE, leadId);
            assertThat(cameBack.getId()).as("a nurture of its own, started at Came back").isNotEqualTo(nurture.getId());
            process(cameBack).hasPassed("StartEvent_CameBack").isWaitingAt("Task_LiftSunset");
            scoring.record(new ScoringService.EventRequest(leadId, null, "PAGE_VIEW", "https://acme.example/docs",
                    null));
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count())
                    .as("a second event while it runs starts no other").isOne();
            executeJob(cameBack, "Task_LiftSunset");
            executeJob(cameBack, "Task_SendComeBackOffer");
            process(cameBack).hasPassed("EndEvent_Reengaged").isEnded();
            assertThat(history.createHistoricProcessInstanceQuery().processInstanceId(cameBack.getId()).singleResult()
                    .getRemovalTime()).as("a journey of its own: its history goes after its time to live").isNotNull();
            NurtureStatus.View status = nurtureStatus.of(leadId).orElseThrow();
            assertThat(status.sunset()).isFalse();
            assertThat(status.sunsetAt()).as("kept in its history").isNotNull();
            assertThat(status.returnedAt()).isEqualTo(start.plus(Duration.ofDays(40)));
            List<String> emails = emailsAfterOptIn(outbox, nurture);
            assertThat(emails).endsWith("nurture-demo-offer").contains("nurture-reengagement");
        }

        @Test
        void offersTheDemoInsteadOfTheSunsetWhenTheReengagementEmailIsClicked() {
            ProcessInstance nurture = generalSequenceWithoutEngagement("woken");
            executeJob(nurture, "Task_SendReengagement");

            at(start.plus(Duration.ofDays(12)));
            scoring.record(new ScoringService.EventRequest(nurture.getBusinessKey(), null, "EMAIL_CLICKED",
                    "https://acme.example/?utm_campaign=reengagement", null));

            process(nurture).hasPassed("Event_Reengaged").isWaitingAt("Task_SendComeBackOffer");
            assertThat(job(nurture, "Event_WaitBeforeSunset")).isNull();
            executeJob(nurture, "Task_SendComeBackOffer");
            process(nurture).hasNotPassed("Task_Sunset").isEnded();
            assertThat(nurtureStatus.of(nurture.getBusinessKey()).orElseThrow().sunsetAt()).isNull();
        }

        @Test
        void endsTheSequenceWithoutReengagementWhenTheLeadEngagedAlongTheWay() {
            ProcessInstance nurture = nurtureAfterWelcome("curious", "Marketing Manager", "manufacturing");
            at(start.plus(Duration.ofDays(2)));
            scoring.record(new ScoringService.EventRequest(nurture.getBusinessKey(), null, "CONTENT_DOWNLOADED",
                    "https://acme.example/ebook", null));
            runGeneralTrack(nurture, start);

            process(nurture).hasPassed("Gateway_Unengaged", "EndEvent_SequenceDone").hasNotPassed("Task_SendReengagement")
                    .isEnded();
        }
    }

    @Nested
    class Exits {

        @Test
        void stopsATechnicalLeadMidTrackWhenItUnsubscribes() {
            ProcessInstance nurture = nurtureAfterWelcome("leaver", "Lead Developer", "software");
            at(start.plus(Duration.ofDays(3)));
            executeJob(nurture, "Event_Wait3Days");
            executeJob(nurture, "Task_SendTechnicalGuide");
            process(nurture).isWaitingAt("Gateway_TechnicalEngagedOrWait");

            unsubscribe(nurture.getBusinessKey());

            process(nurture).hasPassed("EndEvent_Stopped").isEnded();
            assertThat(management.createJobQuery().processInstanceId(nurture.getId()).count()).isZero();
        }

        @Test
        void stopsAnExecutiveMidTrackTheMomentItQualifies() {
            ProcessInstance nurture = nurtureAfterWelcome("buyer", "VP Marketing", "software");
            at(start.plus(Duration.ofDays(3)));
            executeJob(nurture, "Event_Wait3Days");
            executeJob(nurture, "Task_SendExecutiveBrief");

            scoring.record(new ScoringService.EventRequest(nurture.getBusinessKey(), null, "DEMO_REQUESTED", null, null));

            assertThat(leads.get(nurture.getBusinessKey()).stage()).isEqualTo(Lead.Stage.MQL);
            process(nurture).hasNotPassed("Task_SendExecutiveDemoOffer").isEnded();
            assertThat(runtime.createProcessInstanceQuery().processDefinitionKey(ModelKeys.MQL_HANDOFF)
                    .processInstanceBusinessKey(nurture.getBusinessKey()).count()).isOne();
        }

        @Test
        void neverBringsBackASunsetLeadThatUnsubscribed() {
            ProcessInstance nurture = sunsetLead("gone-quiet");
            String leadId = nurture.getBusinessKey();

            unsubscribe(leadId);
            at(start.plus(Duration.ofDays(40)));
            var visit = scoring.record(new ScoringService.EventRequest(leadId, null, "PAGE_VIEW",
                    "https://acme.example/pricing", null));

            assertThat(visit.scored()).as("an unsubscribed lead's events are kept, not scored").isFalse();
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count())
                    .as("no journey starts at Came back").isZero();
            assertThat(nurtureStatus.of(leadId).orElseThrow().sunset()).isTrue();
            assertThat(emailsAfterOptIn(outbox, nurture)).doesNotContain("nurture-demo-offer");
        }

        @Test
        void erasesASunsetLeadWithNoJourneyRunningAndNothingBringsItBack() {
            ProcessInstance nurture = sunsetLead("forget-me");
            String leadId = nurture.getBusinessKey();

            leadService.erase(leadId, "REQUESTED");

            assertThat(leads.get(leadId).erased()).isTrue();
            assertThatThrownBy(() -> scoring.record(new ScoringService.EventRequest(leadId, null, "PAGE_VIEW",
                    "https://acme.example/pricing", null))).as("no event, so no Came back")
                    .isInstanceOf(io.leadflow.platform.GoneException.class);
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
        }
    }

    // --- driving the model --------------------------------------------------------------------------------------

    /** A general-track lead that never engages: welcome, value email, case study, and the model's check after them. */
    private ProcessInstance generalSequenceWithoutEngagement(String name) {
        ProcessInstance nurture = nurtureAfterWelcome(name, "Marketing Manager", "manufacturing");
        runGeneralTrack(nurture, start);
        return nurture;
    }

    private ProcessInstance sunsetLead(String name) {
        ProcessInstance nurture = generalSequenceWithoutEngagement(name);
        executeJob(nurture, "Task_SendReengagement");
        at(start.plus(Duration.ofDays(24)));
        executeJob(nurture, "Event_WaitBeforeSunset");
        executeJob(nurture, "Task_Sunset");
        process(nurture).hasPassed("EndEvent_Sunset").isEnded();
        return nurture;
    }

    private void unsubscribe(String leadId) {
        String url = consent.linksFor(leads.get(leadId), "welcome").get("unsubscribeUrl");
        assertThat(consent.unsubscribe(url.substring(url.indexOf("token=") + 6), "203.0.113.7", "JUnit",
                "one-click (RFC 8058)")).isTrue();
    }

}
