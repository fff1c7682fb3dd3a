package io.leadflow.process;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.consent.ConsentLedger;
import io.leadflow.consent.ConsentService.ConfirmOutcome;
import io.leadflow.handoff.Handoff;
import io.leadflow.handoff.HandoffService;
import io.leadflow.handoff.SalesDirectory;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadService;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.EngineTestBase;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ProcessCoverage;

/**
 * The real models of {@code bpmn/} and {@code dmn/} on the real engine with the job executor off: each test executes
 * the jobs itself and moves time with {@link ClockUtil}. Leads enter through {@link LeadService#capture}, so the
 * {@code double-opt-in} process starts as in production.
 */
@ExtendWith(ProcessCoverage.class)
class ProcessModelTests extends EngineTestBase {

    /** A lead of the general track (nurture-track's last rule): neither an executive nor a software company. */
    private static final String GENERAL_TITLE = "Marketing Manager";
    private static final String GENERAL_INDUSTRY = "manufacturing";

    @Autowired
    ProcessEngine engine;
    @Autowired
    HistoryService history;
    @Autowired
    TaskService tasks;
    @Autowired
    ConsentLedger ledger;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    HandoffService handoffs;
    @Autowired
    SalesDirectory sales;
    @Autowired
    ScoringService scoring;
    @Autowired
    TransactionTemplate tx;

    /** A Tuesday, 10:00 in Paris, after today: working time on the sales calendar, and time only moves forward. */
    private Instant start;

    @BeforeEach
    void freezeTimeOnATuesdayMorning() {
        BpmnAwareTests.init(engine);
        start = nextTuesdayMorningInParis();
        at(start);
        ExternalServers.CRM.resetAll();
        ExternalServers.CRM.stubFor(post("/crm/leads").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{\"id\":\"CRM-7\"}")));
    }

    @Nested
    class DoubleOptIn {

        /**
         * The confirmation is queued in the capture's own transaction (the task is not asynchronous): the lead, its
         * proof, its process and its email are committed together, and no job stands between them.
         */
        @Test
        void queuesTheConfirmationWithTheCaptureThenWaitsForTheClickOrTheReminder() {
            String leadId = capture("wait");
            ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);

            process(doi).isWaitingAt("Gateway_AwaitConfirmation").hasPassed("Task_SendConfirmation",
                    "Gateway_ConfirmedAlready").hasNotPassed("Gateway_JoinConfirmed");
            assertThat(job(doi, "Task_SendConfirmation")).isNull();
            assertThat(outbox.find(leadId, "doi-confirmation")).isPresent();
            assertThat(job(doi, "Event_ReminderDue").getDuedate()).isEqualTo(Date.from(start.plus(Duration.ofDays(1))));
        }

        @Test
        void remindsAfterOneDayWithoutConfirmation() {
            String leadId = capture("remind");
            ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);
            assertThat(dueTimers(doi)).isEmpty();

            at(start.plus(Duration.ofDays(1)).plusSeconds(60));
            assertThat(dueTimers(doi)).extracting(Job::getId).containsExactly(job(doi, "Event_ReminderDue").getId());
            executeJob(doi, "Event_ReminderDue");
            process(doi).isWaitingAt("Task_SendReminder");
            executeJob(doi, "Task_SendReminder");

            assertThat(outbox.find(leadId, "doi-reminder")).get().extracting(EmailOutbox.Row::template)
                    .isEqualTo("doi-reminder");
            process(doi).hasPassed("Task_SendReminder", "Gateway_ConfirmedMeanwhile")
                    .isWaitingAt("Gateway_AwaitConfirmationAfterReminder");
            assertThat(leads.get(leadId).consent()).isEqualTo(Lead.Consent.PENDING);
        }

        @Test
        void expiresAfterSevenDaysAndErasesThePersonalData() {
            String leadId = capture("expire");
            ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);
            waitAtExpiryTimer(doi);
            assertThat(job(doi, "Event_ExpiryDue").getDuedate()).isAfter(Date.from(start.plus(Duration.ofDays(7))))
                    .isBefore(Date.from(start.plus(Duration.ofDays(7)).plusSeconds(300)));

            at(start.plus(Duration.ofDays(7)).plusSeconds(300));
            executeJob(doi, "Event_ExpiryDue");
            executeJob(doi, "Task_ExpireConsent");
            executeJob(doi, "Task_EraseUnconfirmed");

            process(doi).hasPassed("Task_ExpireConsent", "Task_EraseUnconfirmed", "EndEvent_Expired").isEnded();
            Lead lead = leads.find(leadId).orElseThrow();
            assertThat(lead.consent()).isEqualTo(Lead.Consent.EXPIRED);
            assertThat(lead.email()).isNull();
            assertThat(lead.firstName()).isNull();
            assertThat(lead.erased()).isTrue();
            assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event)
                    .containsSubsequence("SUBMITTED", "EXPIRED", "ERASED");
            assertThat(ledger.entries(leadId)).allSatisfy(e -> assertThat(e.ip()).isNull());
            assertThat(runtime.createProcessInstanceQuery().processDefinitionKey(ModelKeys.LEAD_QUALIFICATION)
                    .processInstanceBusinessKey(leadId).count()).isZero();
        }

        /**
         * An opt-in started for a lead whose consent is already confirmed (a start replayed after the click, a
         * re-permission racing one): it queues nothing new, waits for nothing and starts the lifecycle.
         */
        @Test
        void startsTheLifecycleAtOnceWhenTheConsentIsConfirmedBeforeTheProcessWaits() {
            String leadId = capture("early");
            runtime.deleteProcessInstance(instance(ModelKeys.DOUBLE_OPT_IN, leadId).getId(), "test: start it again");
            assertThat(consent.confirm(confirmationToken(leadId), "203.0.113.7", "JUnit"))
                    .isEqualTo(ConfirmOutcome.CONFIRMED);

            ProcessInstance doi = runtime.startProcessInstanceByKey(ModelKeys.DOUBLE_OPT_IN, leadId,
                    Map.of(ModelKeys.VAR_LEAD_ID, leadId));

            process(doi).isWaitingAt("Task_StartLifecycle").hasNotPassed("Gateway_AwaitConfirmation");
            assertThat(outbox.forLead(leadId)).filteredOn(r -> r.purpose().equals("doi-confirmation")).hasSize(1);
            assertThat(job(doi, "Event_ReminderDue")).isNull();
            executeJob(doi, "Task_StartLifecycle");

            process(doi).hasPassed("Gateway_JoinConfirmed", "EndEvent_Confirmed").hasNotPassed("Task_SendReminder")
                    .isEnded();
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.NURTURE);
            process(instance(ModelKeys.LEAD_QUALIFICATION, leadId)).isWaitingAt("Task_EvaluateScore");
        }

        @Test
        void takesTheConfirmedPathWhenTheClickArrivesWhileTheReminderIsBeingSent() {
            String leadId = capture("meanwhile");
            ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);
            at(start.plus(Duration.ofDays(1)).plusSeconds(60));
            executeJob(doi, "Event_ReminderDue");
            process(doi).isWaitingAt("Task_SendReminder");

            assertThat(consent.confirm(confirmationToken(leadId), "203.0.113.7", "JUnit"))
                    .isEqualTo(ConfirmOutcome.CONFIRMED);
            executeJob(doi, "Task_SendReminder");

            process(doi).hasPassed("Gateway_ConfirmedMeanwhile", "Gateway_JoinConfirmed")
                    .hasNotPassed("Gateway_AwaitConfirmationAfterReminder").isWaitingAt("Task_StartLifecycle");
            executeJob(doi, "Task_StartLifecycle");
            process(doi).isEnded();
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.NURTURE);
        }

        @Test
        void endsTheOptInOfAPendingLeadErasedOnRequest() {
            String leadId = capture("gone");
            ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);

            leadService.erase(leadId, "REQUESTED");

            process(doi).hasPassed("StartEvent_LeadErased", "EndEvent_Erased").hasNotPassed("Task_SendReminder")
                    .isEnded();
            assertThat(management.createJobQuery().processInstanceId(doi.getId()).count()).isZero();
            assertThat(leads.get(leadId).erased()).isTrue();
        }

        @Nested
        class ExpiryRacingAConfirmation {

            @Test
            void confirmationCancelsTheExpiryTimerWhileTheProcessWaits() {
                String leadId = capture("race-wait");
                ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);
                waitAtExpiryTimer(doi);
                at(start.plus(Duration.ofDays(7)).plusSeconds(300));
                assertThat(dueTimers(doi)).hasSize(1);

                assertThat(consent.confirm(confirmationToken(leadId), "203.0.113.7", "JUnit"))
                        .isEqualTo(ConfirmOutcome.CONFIRMED);

                assertThat(job(doi, "Event_ExpiryDue")).isNull();
                process(doi).hasPassed("Event_ConfirmedAfterReminder").isWaitingAt("Task_StartLifecycle");
                executeJob(doi, "Task_StartLifecycle");
                assertNeverExpired(leadId, doi);
            }

            @Test
            void expiryStepFindsTheConfirmationWhenTheTimerFiredFirst() {
                String leadId = capture("race-timer");
                ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);
                waitAtExpiryTimer(doi);
                at(start.plus(Duration.ofDays(7)).plusSeconds(300));
                executeJob(doi, "Event_ExpiryDue");
                process(doi).isWaitingAt("Task_ExpireConsent");

                assertThat(consent.confirm(confirmationToken(leadId), "203.0.113.7", "JUnit"))
                        .isEqualTo(ConfirmOutcome.CONFIRMED);
                executeJob(doi, "Task_ExpireConsent");

                process(doi).hasPassed("Gateway_Expired", "Gateway_JoinConfirmed").hasNotPassed("Task_EraseUnconfirmed")
                        .isWaitingAt("Task_StartLifecycle");
                executeJob(doi, "Task_StartLifecycle");
                assertNeverExpired(leadId, doi);
            }

            @Test
            void confirmationIsRefusedOnceTheLeadExpired() {
                String leadId = capture("race-late");
                ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);
                waitAtExpiryTimer(doi);
                String token = confirmationToken(leadId);
                at(start.plus(Duration.ofDays(7)).plusSeconds(300));
                executeJob(doi, "Event_ExpiryDue");
                executeJob(doi, "Task_ExpireConsent");

                assertThat(consent.confirm(token, "203.0.113.7", "JUnit")).isEqualTo(ConfirmOutcome.GONE);
                executeJob(doi, "Task_EraseUnconfirmed");
                assertThat(leads.get(leadId).consent()).isEqualTo(Lead.Consent.EXPIRED);
                assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
            }

            private void assertNeverExpired(String leadId, ProcessInstance doi) {
                process(doi).hasPassed("EndEvent_Confirmed").hasNotPassed("Task_EraseUnconfirmed").isEnded();
                Lead lead = leads.get(leadId);
                assertThat(lead.consent()).isEqualTo(Lead.Consent.CONFIRMED);
                assertThat(lead.erased()).isFalse();
                assertThat(lead.email()).isNotNull();
                assertThat(lead.stage()).isEqualTo(Lead.Stage.NURTURE);
                assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event).contains("CONFIRMED")
                        .doesNotContain("EXPIRED", "ERASED");
                process(instance(ModelKeys.LEAD_QUALIFICATION, leadId)).isWaitingAt("Task_EvaluateScore");
            }
        }
    }

    @Nested
    class ExactlyOnceEmail {

        @Test
        void keepsOneOutboxRowWhenTheSendStepRunsAgain() {
            String leadId = capture("once");

            Boolean queuedAgain = tx.execute(s -> outbox.enqueue(leadId, "doi-confirmation", "doi-confirmation"));

            assertThat(queuedAgain).isFalse();
            assertThat(outbox.forLead(leadId)).filteredOn(r -> r.purpose().equals("doi-confirmation")).hasSize(1);
        }

        @Test
        void leavesNoRowFromAFailedAttemptAndOneAfterItsRetries() {
            String leadId = capture("retry");

            assertThatThrownBy(() -> tx.executeWithoutResult(s -> {
                outbox.enqueue(leadId, "doi-reminder", "doi-reminder");
                throw new IllegalStateException("the step failed after queueing");
            })).hasMessageContaining("failed after queueing");
            assertThat(outbox.find(leadId, "doi-reminder")).isEmpty();

            tx.execute(s -> outbox.enqueue(leadId, "doi-reminder", "doi-reminder"));
            tx.execute(s -> outbox.enqueue(leadId, "doi-reminder", "doi-reminder"));

            assertThat(outbox.forLead(leadId)).extracting(EmailOutbox.Row::purpose)
                    .containsExactlyInAnyOrder("doi-confirmation", "doi-reminder");
        }

        @Test
        void refusesToQueueOutsideTheStepsTransaction() {
            String leadId = capture("notx");

            assertThatThrownBy(() -> outbox.enqueue(leadId, "doi-reminder", "doi-reminder"))
                    .isInstanceOf(org.springframework.transaction.IllegalTransactionStateException.class);
            assertThat(outbox.find(leadId, "doi-reminder")).isEmpty();
        }
    }

    @Nested
    class LeadLifecycle {

        @Test
        void nurturesAGeneralLeadWithTheValueEmailAfterThreeDaysAndTheCaseStudyAfterTenThenQualifiesItInANewJourney() {
            String leadId = confirmedLead("sequence", GENERAL_TITLE, GENERAL_INDUSTRY);
            ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            executeJob(qualification, "Task_EvaluateScore");
            ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
            executeJob(nurture, "Task_ChooseTrack");
            assertThat(runtime.getVariable(nurture.getId(), "track")).isEqualTo("general");
            executeJob(nurture, "Task_SendWelcome");
            assertThat(job(nurture, "Event_Wait3Days").getDuedate()).isEqualTo(Date.from(start.plus(Duration.ofDays(3))));
            // a visit on day 1 keeps the lead engaged: no re-engagement email at the end of the sequence
            at(start.plus(Duration.ofDays(1)));
            scoring.record(new ScoringService.EventRequest(leadId, null, "PAGE_VIEW", "https://acme.example/blog", null));

            runGeneralTrack(nurture, start);

            process(nurture).hasPassed("EndEvent_SequenceDone").isEnded();
            assertThat(outbox.forLead(leadId)).extracting(EmailOutbox.Row::template)
                    .contains("welcome", "nurture-value", "nurture-case-study");
            process(qualification).hasPassed("Gateway_QualifiedMeanwhile", "EndEvent_Nurtured").isEnded();
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count())
                    .as("the lead waits in our tables, not in the engine").isZero();

            // weeks later the lead asks for a demo: a new qualification hands it over
            at(start.plus(Duration.ofDays(60)));
            scoring.record(new ScoringService.EventRequest(leadId, null, "DEMO_REQUESTED", null, null));

            ProcessInstance again = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            assertThat(again.getId()).isNotEqualTo(qualification.getId());
            executeJob(again, "Task_EvaluateScore");
            process(again).hasPassed("Gateway_Mql", "Gateway_JoinHandoff").hasNotPassed("CallActivity_Nurture")
                    .isWaitingAt("CallActivity_SalesHandoff");
            process(instance(ModelKeys.MQL_HANDOFF, leadId)).isWaitingAt("CallActivity_Qualification");
            routeQualification(leadId);
            // a manager in manufacturing is a grade B: the qualification desk looks before sales
            assertThat(leads.get(leadId).grade()).isEqualTo("B");
            process(instance(ModelKeys.QUALIFICATION, leadId)).isWaitingAt("Task_QualifyAtDesk");
            assertThat(history.createHistoricProcessInstanceQuery().processDefinitionKey(ModelKeys.MQL_HANDOFF)
                    .processInstanceBusinessKey(leadId).count()).as("handed over once").isOne();
        }

        @Test
        void offersADemoAtOnceToALeadWhoEngagesAfterTheValueEmail() {
            String leadId = confirmedLead("clicker", GENERAL_TITLE, GENERAL_INDUSTRY);
            followVariantA(leadId);
            ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            executeJob(qualification, "Task_EvaluateScore");
            ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
            executeJob(nurture, "Task_ChooseTrack");
            executeJob(nurture, "Task_SendWelcome");
            at(start.plus(Duration.ofDays(3)));
            executeJob(nurture, "Event_Wait3Days");
            executeJob(nurture, "Task_SendValueEmail");
            process(nurture).isWaitingAt("Gateway_ClickedOrWait");

            at(start.plus(Duration.ofDays(4)));
            var click = scoring.record(new ScoringService.EventRequest(leadId, null, "EMAIL_CLICKED",
                    "https://acme.example/guide", null));
            assertThat(click.scored()).isTrue();
            assertThat(leads.get(leadId).stage()).as("engaged, not yet qualified").isEqualTo(Lead.Stage.NURTURE);

            process(nurture).hasPassed("Event_Engaged").isWaitingAt("Task_SendDemoOffer");
            assertThat(job(nurture, "Event_Wait7Days")).as("the slow path is gone").isNull();
            executeJob(nurture, "Task_SendDemoOffer");
            process(nurture).hasPassed("EndEvent_DemoOffered").isEnded();
            // the confirmation and the welcome are written at the same instant of the fixed clock: their order is a tie
            List<String> templates = outbox.forLead(leadId).stream().map(EmailOutbox.Row::template).toList();
            assertThat(templates.subList(0, 2)).containsExactlyInAnyOrder("doi-confirmation", "welcome");
            assertThat(templates.subList(2, templates.size())).containsExactly("nurture-value", "nurture-demo-offer");
        }

        @Test
        void handsOverAtOnceWhenTheLeadQualifiedBeforeItsFirstEvaluation() {
            String leadId = confirmedLead("eager");
            ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            scoring.record(new ScoringService.EventRequest(leadId, null, "DEMO_REQUESTED", null, null));
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.MQL);

            executeJob(qualification, "Task_EvaluateScore");

            process(qualification).hasPassed("Gateway_Mql", "Gateway_JoinHandoff").hasNotPassed("CallActivity_Nurture")
                    .isWaitingAt("CallActivity_SalesHandoff");
            assertThat(runtime.getVariable(qualification.getId(), "mql")).isEqualTo(true);
            process(instance(ModelKeys.MQL_HANDOFF, leadId)).isWaitingAt("CallActivity_Qualification");
            routeQualification(leadId);
            process(instance(ModelKeys.MQL_HANDOFF, leadId)).isWaitingAt("Task_AssignLead");
        }

        @Test
        void stopsTheNurtureSequenceWhenTheLeadUnsubscribes() {
            String leadId = confirmedLead("unsubscribe");
            ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            executeJob(qualification, "Task_EvaluateScore");
            ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
            executeJob(nurture, "Task_ChooseTrack");
            executeJob(nurture, "Task_SendWelcome");
            String url = consent.linksFor(leads.get(leadId), "welcome").get("unsubscribeUrl");

            assertThat(consent.unsubscribe(url.substring(url.indexOf("token=") + 6), "203.0.113.7", "JUnit", "one-click (RFC 8058)")).isTrue();

            process(nurture).hasPassed("EndEvent_Stopped").hasNotPassed("Task_SendValueEmail").isEnded();
            assertThat(leads.get(leadId).consent()).isEqualTo(Lead.Consent.UNSUBSCRIBED);
            assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event).contains("UNSUBSCRIBED");
            process(qualification).hasPassed("EndEvent_Nurtured").isEnded();
        }

        @Test
        void endsEveryJourneyOfALeadErasedOnRequest() {
            String leadId = confirmedLead("forget");
            ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            executeJob(qualification, "Task_EvaluateScore");
            ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);

            leadService.erase(leadId, "REQUESTED");

            process(qualification).isEnded();
            process(nurture).isEnded();
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
            assertThat(management.createJobQuery().processInstanceId(nurture.getId()).count()).isZero();
            assertThat(leads.get(leadId).email()).isNull();
            assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event).contains("ERASED");
        }
    }

    @Nested
    class MqlHandoff {

        @Test
        void qualifiesAConfirmedEngagedLeadAndOpensAHandoffWithItsSlaTimer() {
            ProcessInstance handoff = handoffWaitingForSales("mql");
            String leadId = handoff.getBusinessKey();

            process(handoff).hasPassed("Task_AssignLead", "Task_PushToCrm").isWaitingAt("Task_FollowUp");
            Handoff h = handoffs.get(handoffId(handoff));
            assertThat(h.status()).isEqualTo(Handoff.Status.OPEN);
            assertThat(h.grade()).isEqualTo("A");
            assertThat(h.team()).isEqualTo("enterprise");
            assertThat(h.dueAt()).isEqualTo(start.plus(Duration.ofHours(4)));
            assertThat(job(handoff, "Event_SlaDue").getDuedate()).isEqualTo(Date.from(h.dueAt()));
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.MQL);
            assertThat(leads.get(leadId).crmId()).isEqualTo("CRM-7");
            process(instance(ModelKeys.LEAD_QUALIFICATION, leadId)).hasPassed("Event_QualifiedDuringNurture")
                    .isWaitingAt("CallActivity_SalesHandoff");
            assertThat(runtime.createProcessInstanceQuery().processDefinitionKey(ModelKeys.NURTURE)
                    .processInstanceBusinessKey(leadId).count()).isZero();
        }

        @Test
        void marksTheHandoffBreachedWhenTheSlaDueDatePassesAndKeepsTheTaskOpen() {
            ProcessInstance handoff = handoffWaitingForSales("breach");
            Handoff open = handoffs.get(handoffId(handoff));
            assertThat(dueTimers(handoff)).isEmpty();

            at(open.dueAt().plusSeconds(60));
            executeJob(handoff, "Event_SlaDue");
            executeJob(handoff, "Task_MarkSlaBreached");

            Handoff breached = handoffs.get(open.id());
            assertThat(breached.breachedAt()).isEqualTo(open.dueAt().plusSeconds(60));
            assertThat(breached.status()).isEqualTo(Handoff.Status.OPEN);
            assertThat(handoffs.list("breached")).extracting(Handoff::id).contains(open.id());
            process(handoff).hasPassed("Event_SlaDue", "EndEvent_BreachRecorded").isWaitingAt("Task_FollowUp");
            assertThat(tasks.createTaskQuery().processInstanceId(handoff.getId()).singleResult().getName())
                    .isEqualTo("Follow up lead");
        }

        @Test
        void remindsEscalatesAndReassignsInBusinessTimeUntilSalesAccepts() {
            ProcessInstance handoff = handoffWaitingForSales("ladder");
            Handoff open = handoffs.get(handoffId(handoff));
            String firstOwner = open.owner();
            assertThat(firstOwner).isIn("alice", "demo");
            // grade A on the enterprise team: remind after 1 working hour, escalate after 2, reassign after 3, due at 4
            assertThat(open.remindAt()).isEqualTo(start.plus(Duration.ofHours(1)));
            assertThat(open.ladder().escalateAt()).isEqualTo(start.plus(Duration.ofHours(2)));
            assertThat(open.ladder().reassignAt()).isEqualTo(start.plus(Duration.ofHours(3)));
            assertThat(job(handoff, "Event_RemindOwner").getDuedate()).isEqualTo(Date.from(open.remindAt()));
            assertThat(job(handoff, "Event_Escalate").getDuedate()).isEqualTo(Date.from(open.ladder().escalateAt()));
            assertThat(job(handoff, "Event_Reassign").getDuedate()).isEqualTo(Date.from(open.ladder().reassignAt()));

            at(open.remindAt().plusSeconds(60));
            executeJob(handoff, "Event_RemindOwner");
            executeJob(handoff, "Task_RemindOwner");
            assertThat(handoffs.get(open.id()).ladder().remindedAt()).isNotNull();
            assertThat(staffEmail(open, "sla-remind")).isEqualTo(firstOwner + "@leadflow.local");

            at(open.ladder().escalateAt().plusSeconds(60));
            executeJob(handoff, "Event_Escalate");
            executeJob(handoff, "Task_Escalate");
            assertThat(handoffs.get(open.id()).escalationLevel()).isEqualTo(1);
            assertThat(staffEmail(open, "sla-escalate")).as("the enterprise manager").isEqualTo("demo@leadflow.local");

            at(open.ladder().reassignAt().plusSeconds(60));
            executeJob(handoff, "Event_Reassign");
            executeJob(handoff, "Task_Reassign");
            Handoff reassigned = handoffs.get(open.id());
            String secondOwner = reassigned.owner();
            assertThat(secondOwner).as("the other rep; carol is away").isIn("alice", "demo").isNotEqualTo(firstOwner);
            assertThat(reassigned.ladder().previousOwner()).isEqualTo(firstOwner);
            assertThat(reassigned.escalationLevel()).isEqualTo(2);
            assertThat(reassigned.dueAt()).as("reassignment does not reset the clock").isEqualTo(open.dueAt());
            assertThat(task(handoff).getAssignee()).isEqualTo(secondOwner);
            assertThat(leads.get(open.leadId()).owner()).isEqualTo(secondOwner);
            assertThat(staffEmail(open, "sla-reassign")).isEqualTo(secondOwner + "@leadflow.local");
            process(handoff).hasPassed("Task_RemindOwner", "Task_Escalate", "Task_Reassign")
                    .isWaitingAt("Task_FollowUp");

            handoffs.act(open.id(), HandoffService.Action.accept, null, null);
            assertThat(handoffs.get(open.id()).status()).isEqualTo(Handoff.Status.ACCEPTED);
            assertThat(job(handoff, "Event_SlaDue")).as("accepted in time: no breach").isNull();
        }

        @Test
        void passesByARepWhoIsAwayInRoundRobin() {
            assertThat(sales.reps("enterprise")).as("carol, seeded into the team").containsExactly("alice", "carol",
                    "demo");
            assertThat(sales.away("carol")).as("configured away, and not set otherwise since").isTrue();
            java.util.Set<String> owners = new java.util.HashSet<>();
            for (int i = 0; i < 4; i++) {
                owners.add(handoffs.get(handoffId(handoffAssigned("turn" + i))).owner());
            }
            assertThat(owners).containsExactlyInAnyOrder("alice", "demo");
        }

        @Test
        void waitsInFixCrmPushWhenTheCrmRejectsTheLeadAndResumesAfterTheFix() {
            ExternalServers.CRM.stubFor(post("/crm/leads").willReturn(aResponse().withStatus(422)
                    .withHeader("Content-Type", "application/json").withBody("{\"error\":\"company is required\"}")));
            ProcessInstance handoff = handoffAssigned("crm");

            executeJob(handoff, "Task_PushToCrm");

            process(handoff).hasPassed("Event_CrmRejected").hasNotPassed("Task_FollowUp").isWaitingAt("Task_FixCrmPush");
            Handoff failed = handoffs.get(handoffId(handoff));
            assertThat(failed.status()).isEqualTo(Handoff.Status.CRM_FAILED);
            assertThat(management.createJobQuery().processInstanceId(handoff.getId()).withException().count()).isZero();

            ExternalServers.CRM.stubFor(post("/crm/leads").willReturn(aResponse().withStatus(201)
                    .withHeader("Content-Type", "application/json").withBody("{\"id\":\"CRM-8\"}")));
            tasks.complete(task(handoff).getId());
            executeJob(handoff, "Task_PushToCrm");

            process(handoff).isWaitingAt("Task_FollowUp");
            assertThat(handoffs.get(failed.id()).status()).isEqualTo(Handoff.Status.OPEN);
            assertThat(leads.get(handoff.getBusinessKey()).crmId()).isEqualTo("CRM-8");
        }

        @Test
        void endsAsSqlWhenSalesAcceptsThenQualifies() {
            ProcessInstance handoff = handoffWaitingForSales("sql");
            ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, handoff.getBusinessKey());
            String id = handoffId(handoff);

            handoffs.act(id, HandoffService.Action.accept, null, null);
            process(handoff).isWaitingAt("Task_Qualify");
            assertThat(leads.get(handoff.getBusinessKey()).stage()).isEqualTo(Lead.Stage.SAL);
            handoffs.act(id, HandoffService.Action.qualify, null, "OPP-1");

            process(handoff).hasPassed("Task_RecordQualifyOutcome", "EndEvent_Sql").isEnded();
            assertThat(handoffs.get(id).status()).isEqualTo(Handoff.Status.QUALIFIED);
            assertThat(leads.get(handoff.getBusinessKey()).stage()).isEqualTo(Lead.Stage.SQL);
            process(qualification).hasPassed("EndEvent_Qualified").isEnded();
        }

        @Test
        void endsAsSqlWhenSalesQualifiesStraightAway() {
            ProcessInstance handoff = handoffWaitingForSales("direct");

            Handoff qualified = handoffs.act(handoffId(handoff), HandoffService.Action.qualify, null, "OPP-2");

            assertThat(qualified.status()).isEqualTo(Handoff.Status.QUALIFIED);
            assertThat(qualified.opportunityId()).isEqualTo("OPP-2");
            process(handoff).hasPassed("Gateway_Outcome", "EndEvent_Sql").hasNotPassed("Task_Qualify").isEnded();
        }

        @Test
        void recyclesALeadRejectedAfterAcceptance() {
            ProcessInstance handoff = handoffWaitingForSales("late-reject");
            String id = handoffId(handoff);
            handoffs.act(id, HandoffService.Action.accept, null, null);

            handoffs.act(id, HandoffService.Action.reject, "NO_BUDGET", null);

            process(handoff).hasPassed("Task_Qualify", "Gateway_Qualified", "EndEvent_Recycled").isEnded();
            assertThat(handoffs.get(id).rejectReason()).isEqualTo("NO_BUDGET");
            assertThat(leads.get(handoff.getBusinessKey()).stage()).isEqualTo(Lead.Stage.RECYCLED);
            process(instance(ModelKeys.NURTURE, handoff.getBusinessKey())).isWaitingAt("Task_ChooseTrack");
        }

        @Test
        void sendsARejectedLeadBackToNurtureOnTheRecycledTrack() {
            ProcessInstance handoff = handoffWaitingForSales("recycle");
            String leadId = handoff.getBusinessKey();
            String firstHandoff = handoffId(handoff);

            handoffs.act(firstHandoff, HandoffService.Action.reject, "TIMING", null);

            process(handoff).hasPassed("EndEvent_Recycled").isEnded();
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.RECYCLED);
            ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
            executeJob(nurture, "Task_ChooseTrack");
            process(nurture).hasPassed("Gateway_Recycled").isWaitingAt("Task_SendRecycledCheckIn");
            assertThat(runtime.getVariable(nurture.getId(), "track")).isEqualTo("recycled");
            executeJob(nurture, "Task_SendRecycledCheckIn");
            process(nurture).isWaitingAt("Event_Wait3Days");
            assertThat(outbox.forLead(leadId)).extracting(EmailOutbox.Row::template).contains("recycled-checkin");

            // engaged again, still a fit: qualified a second time, and sales get a new handoff
            scoring.record(new ScoringService.EventRequest(leadId, null, "WEBINAR_ATTENDED", null, null));
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.MQL);
            process(nurture).isEnded();
            ProcessInstance second = instance(ModelKeys.MQL_HANDOFF, leadId);
            assertThat(second.getId()).isNotEqualTo(handoff.getId());
            routeQualification(leadId);
            executeJob(second, "Task_AssignLead");
            assertThat(handoffs.get(handoffId(second)).status()).isEqualTo(Handoff.Status.OPEN);
            assertThat(handoffs.get(firstHandoff).status()).isEqualTo(Handoff.Status.REJECTED);
        }

        @Test
        void sendsAGradeBLeadToTheDeskFirstAndToSalesOnceTheDeskCallsItAProspect() {
            ProcessInstance handoff = gradeBAtTheDesk("deskprospect");
            String leadId = handoff.getBusinessKey();
            ProcessInstance desk = instance(ModelKeys.QUALIFICATION, leadId);
            assertThat(job(desk, "Event_DeskDue").getDuedate())
                    .isEqualTo(runtime.getVariable(desk.getId(), "deskDueAt"))
                    .isEqualTo(Date.from(start.plus(Duration.ofHours(4))));
            var task = tasks.createTaskQuery().processInstanceId(desk.getId()).singleResult();
            assertThat(tasks.getIdentityLinksForTask(task.getId())).anySatisfy(link ->
                    assertThat(link.getGroupId()).isEqualTo("QUALIFIER"));

            tasks.complete(task.getId(), Map.of("disposition", "PROSPECT", "budget", "PLANNED", "timeline", "NOW"));

            process(desk).hasPassed("Task_RecordDisposition", "EndEvent_Decided").isEnded();
            process(handoff).hasPassed("Gateway_ToSales").isWaitingAt("Task_AssignLead");
            assertThat(runtime.getVariable(handoff.getId(), "disposition")).isEqualTo("PROSPECT");
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.MQL);
        }

        @Test
        void endsTheHandoffAndTheLeadsJourneyWhenTheDeskDisqualifies() {
            ProcessInstance handoff = gradeBAtTheDesk("deskspam");
            String leadId = handoff.getBusinessKey();
            ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            ProcessInstance desk = instance(ModelKeys.QUALIFICATION, leadId);
            var task = tasks.createTaskQuery().processInstanceId(desk.getId()).singleResult();

            tasks.complete(task.getId(), Map.of("disposition", "DISQUALIFIED", "reason", "SPAM"));

            process(handoff).hasPassed("EndEvent_KeptByDesk").hasNotPassed("Task_AssignLead").isEnded();
            process(qualification).hasPassed("EndEvent_Disqualified").isEnded();
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.DISQUALIFIED);
            assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
        }

        @Test
        void sendsTheLeadBackToNurtureOnTheRecycledTrackWhenTheDeskSaysSo() {
            ProcessInstance handoff = gradeBAtTheDesk("desknurture");
            String leadId = handoff.getBusinessKey();
            ProcessInstance desk = instance(ModelKeys.QUALIFICATION, leadId);
            var task = tasks.createTaskQuery().processInstanceId(desk.getId()).singleResult();

            tasks.complete(task.getId(), Map.of("disposition", "NURTURE", "reason", "TIMING"));

            process(handoff).hasPassed("EndEvent_KeptByDesk").isEnded();
            ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
            assertThat(runtime.getVariable(nurture.getId(), "recycled")).isEqualTo(true);
            assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.RECYCLED);
        }
    }

    // --- driving the models -----------------------------------------------------------------------------------

    /** A confirmed grade-B lead (an analyst) who asked for a demo: its handoff called the qualification, at the desk. */
    private ProcessInstance gradeBAtTheDesk(String name) {
        String leadId = confirmedLead(name, "Marketing Analyst", "software");
        executeJob(instance(ModelKeys.LEAD_QUALIFICATION, leadId), "Task_EvaluateScore");
        scoring.record(new ScoringService.EventRequest(leadId, null, "DEMO_REQUESTED", null, null));
        assertThat(leads.get(leadId).grade()).isEqualTo("B");
        ProcessInstance handoff = instance(ModelKeys.MQL_HANDOFF, leadId);
        process(handoff).isWaitingAt("CallActivity_Qualification");
        ProcessInstance desk = instance(ModelKeys.QUALIFICATION, leadId);
        executeJob(desk, "Task_RouteQualification");
        process(desk).hasPassed("Gateway_Route").isWaitingAt("Task_QualifyAtDesk");
        return handoff;
    }

    /** A confirmed grade-A lead, engaged enough to be an MQL, whose handoff is assigned and about to be pushed. */
    private ProcessInstance handoffAssigned(String name) {
        String leadId = confirmedLead(name);
        ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
        executeJob(qualification, "Task_EvaluateScore");
        process(qualification).isWaitingAt("CallActivity_Nurture");
        ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
        executeJob(nurture, "Task_ChooseTrack");
        executeJob(nurture, "Task_SendWelcome");
        process(nurture).isWaitingAt("Event_Wait3Days");
        assertThat(runtime.getVariable(nurture.getId(), "track")).isEqualTo("executive");

        var recorded = scoring.record(new ScoringService.EventRequest(leadId, null, "DEMO_REQUESTED", null, null));
        assertThat(recorded.scored()).isTrue();

        ProcessInstance handoff = instance(ModelKeys.MQL_HANDOFF, leadId);
        routeQualification(leadId);
        executeJob(handoff, "Task_AssignLead");
        process(handoff).isWaitingAt("Task_PushToCrm");
        return handoff;
    }

    /** A lead that confirmed while the double opt-in waited; its lead-qualification instance has just started. */
    private String confirmedLead(String name) {
        return confirmedLead(name, "VP Marketing", "software");
    }


    private ProcessInstance handoffWaitingForSales(String name) {
        ProcessInstance handoff = handoffAssigned(name);
        executeJob(handoff, "Task_PushToCrm");
        process(handoff).isWaitingAt("Task_FollowUp");
        return handoff;
    }

    /** Confirmation sent, one day passed, reminder sent: the process waits for a click or the expiry. */
    private void waitAtExpiryTimer(ProcessInstance doi) {
        at(start.plus(Duration.ofDays(1)).plusSeconds(60));
        executeJob(doi, "Event_ReminderDue");
        executeJob(doi, "Task_SendReminder");
        process(doi).isWaitingAt("Gateway_AwaitConfirmationAfterReminder");
    }

    /** A VP of a 1,200-person French software company with a business address: fit 75, grade A. */
    private String capture(String name) {
        return capture(name, "VP Marketing", "software");
    }

    private List<Job> dueTimers(ProcessInstance pi) {
        return management.createJobQuery().processInstanceId(pi.getId()).timers().executable().list();
    }

    private Task task(ProcessInstance pi) {
        return tasks.createTaskQuery().processInstanceId(pi.getId()).singleResult();
    }

    /** The address a staff notification about the handoff went to, from its outbox row. */
    private String staffEmail(Handoff h, String step) {
        return outbox.find(h.leadId(), step + ":" + h.id()).map(EmailOutbox.Row::toAddress)
                .orElseThrow(() -> new AssertionError("no " + step + " notification for handoff " + h.id()));
    }

    private String handoffId(ProcessInstance handoff) {
        return (String) runtime.getVariable(handoff.getId(), "handoffId");
    }

}
