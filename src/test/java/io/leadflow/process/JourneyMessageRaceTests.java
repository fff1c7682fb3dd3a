package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.consent.ConsentLedger;
import io.leadflow.consent.ConsentService.ConfirmOutcome;
import io.leadflow.lead.Lead;
import io.leadflow.nurture.NurtureStatus;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.EmbeddedDatabase;
import io.leadflow.support.EngineTestBase;
import io.leadflow.support.ProcessCoverage;

/**
 * Every message the application sends into a journey, against the journey step that ends in the wait for it, in both
 * orders, on a real PostgreSQL. The order is not left to chance: the test holds the lead's row lock, lets the first
 * side queue behind it, then the second (PostgreSQL queues row-lock waiters first come, first served), and lets go.
 * Each side then runs whole while the other waits, as in production when the two arrive in the same millisecond on
 * two nodes. Whatever the order, the message's effect happens exactly once.
 */
@ExtendWith(ProcessCoverage.class)
class JourneyMessageRaceTests extends EngineTestBase {

    private static final String DATABASE = "journey_races";

    /** Which side reaches the lead's row lock first. */
    enum First { STEP, MESSAGE }

    @DynamicPropertySource
    static void ownDatabase(DynamicPropertyRegistry registry) {
        EmbeddedDatabase.register(registry, DATABASE);
    }

    private static ExecutorService sides;

    @Autowired
    ProcessEngine engine;
    @Autowired
    HistoryService history;
    @Autowired
    ConsentLedger ledger;
    @Autowired
    ScoringService scoring;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    NurtureStatus nurtureStatus;

    private Instant start;

    @BeforeAll
    static void threads() {
        sides = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stopThreads() {
        sides.shutdownNow();
    }

    /**
     * The email poller stops: sending an email locks or updates its lead's row too, and a third waiter in the queue
     * would make the count of waiters say nothing about the order of the two sides.
     */
    @BeforeEach
    void noEmailsSentMeanwhile(@Autowired org.springframework.context.ApplicationContext context) {
        context.getBean("emailOutboxPoller", org.springframework.context.Lifecycle.class).stop();
    }

    @AfterEach
    void emailsSentAgain(@Autowired org.springframework.context.ApplicationContext context) {
        context.getBean("emailOutboxPoller", org.springframework.context.Lifecycle.class).start();
    }

    @BeforeEach
    void freezeTimeOnATuesdayMorning() {
        BpmnAwareTests.init(engine);
        start = nextTuesdayMorningInParis();
        at(start);
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void anEngagementReachesTheNurtureWaitTheValueEmailEndsInOnlyIfItCameAfterTheEmail(First first) throws Exception {
        ProcessInstance nurture = nurtureAfterWelcome("clicker", "Marketing Manager", "manufacturing");
        at(start.plus(Duration.ofDays(3)));
        executeJob(nurture, "Event_Wait3Days");

        race(nurture.getBusinessKey(), first, () -> executeJob(nurture, "Task_SendValueEmail"),
                () -> engage(nurture.getBusinessKey(), "CONTENT_DOWNLOADED"));

        assertThat(scoredEvents(nurture.getBusinessKey())).as("the engagement is scored either way").isOne();
        if (first == First.STEP) {
            process(nurture).hasPassed("Event_Engaged").isWaitingAt("Task_SendDemoOffer");
        } else {
            // it came before the value email was queued: no answer to that email, the wait goes on
            process(nurture).hasNotPassed("Event_Engaged").isWaitingAt("Gateway_ClickedOrWait");
        }
        assertThat(emailsAfterOptIn(outbox, nurture)).containsExactly("welcome", "nurture-value");
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void anEngagementAsTheSunsetStepRunsBringsTheDemoOfferOnceAndTheLeadIsNotLeftSunset(First first)
            throws Exception {
        ProcessInstance nurture = reengagementWindowClosed("late-riser");

        race(nurture.getBusinessKey(), first, () -> executeJob(nurture, "Task_Sunset"),
                () -> engage(nurture.getBusinessKey(), "EMAIL_CLICKED"));

        if (first == First.STEP) {
            // the sunset ended the journey; the engagement found the lead sunset and started it at Came back
            process(nurture).hasPassed("EndEvent_Sunset").isEnded();
            ProcessInstance cameBack = instance(ModelKeys.NURTURE, nurture.getBusinessKey());
            process(cameBack).hasPassed("StartEvent_CameBack").isWaitingAt("Task_LiftSunset");
            executeJob(cameBack, "Task_LiftSunset");
            assertThat(nurtureStatus.of(nurture.getBusinessKey()).orElseThrow().returnedAt()).isNotNull();
            executeJob(cameBack, "Task_SendComeBackOffer");
            process(cameBack).isEnded();
        } else {
            process(nurture).hasPassed("Gateway_EngagedMeanwhile").hasNotPassed("EndEvent_Sunset")
                    .isWaitingAt("Task_SendComeBackOffer");
            assertThat(nurtureStatus.of(nurture.getBusinessKey()).orElseThrow().sunsetAt()).as("never sunset").isNull();
            executeJob(nurture, "Task_SendComeBackOffer");
            process(nurture).isEnded();
        }
        assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(nurture.getBusinessKey()).count())
                .as("no journey left running").isZero();
        assertThat(emailsAfterOptIn(outbox, nurture)).filteredOn("nurture-demo-offer"::equals).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void anUnsubscribeAsNurtureStartsEndsItWithoutAnEmail(First first) throws Exception {
        String leadId = confirmedLead("leaver", "Marketing Manager", "manufacturing");
        ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);

        String unsubscribeUrl = consent.linksFor(leads.get(leadId), "welcome").get("unsubscribeUrl");

        race(leadId, first, () -> executeJob(qualification, "Task_EvaluateScore"),
                () -> assertThat(consent.unsubscribe(unsubscribeUrl.substring(unsubscribeUrl.indexOf("token=") + 6),
                        "203.0.113.7", "JUnit", "one-click (RFC 8058)")).isTrue());

        String nurture = history.createHistoricProcessInstanceQuery().processDefinitionKey(ModelKeys.NURTURE)
                .processInstanceBusinessKey(leadId).singleResult().getId();
        if (first == First.STEP) {
            // the journey was waiting when the message came: the Unsubscribed event sub-process stopped it
            assertThat(passed(nurture, "EndEvent_Stopped")).isTrue();
        } else {
            // the message found no nurture; the journey sees the unsubscribe at its first step
            assertThat(runtime.createProcessInstanceQuery().processInstanceId(nurture).count())
                    .as("nurture waits for its first step; it passed %s", history.createHistoricActivityInstanceQuery()
                            .processInstanceId(nurture).list().stream().map(a -> a.getActivityId()).toList())
                    .isOne();
            executeJob(instance(ModelKeys.NURTURE, leadId), "Task_ChooseTrack");
            assertThat(passed(nurture, "EndEvent_NotSubscribed")).isTrue();
            assertThat(passed(nurture, "EndEvent_Stopped")).isFalse();
        }
        assertThat(passed(nurture, "Task_SendWelcome")).isFalse();
        assertThat(runtime.createProcessInstanceQuery().processInstanceId(nurture).count()).isZero();
        process(qualification).hasPassed("EndEvent_Nurtured").isEnded();
        assertThat(outbox.forLead(leadId)).extracting(EmailOutbox.Row::template)
                .allMatch(template -> template.startsWith("doi-"));
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void aLeadThatQualifiesAsItsScoringStepRunsIsHandedToSalesExactlyOnce(First first) throws Exception {
        String leadId = confirmedLead("hot", "VP Marketing", "software");
        ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);

        race(leadId, first, () -> executeJob(qualification, "Task_EvaluateScore"),
                () -> engage(leadId, "DEMO_REQUESTED"));

        assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.MQL);
        assertThat(history.createHistoricProcessInstanceQuery().processDefinitionKey(ModelKeys.MQL_HANDOFF)
                .processInstanceBusinessKey(leadId).count()).isOne();
        if (first == First.STEP) {
            // the scoring step found no MQL yet and started nurture; the event interrupted it
            process(qualification).hasPassed("Event_QualifiedDuringNurture");
        } else {
            // the event's LeadQualified found no journey waiting; the scoring step saw the stage
            process(qualification).hasPassed("Gateway_JoinHandoff").hasNotPassed("CallActivity_Nurture");
        }
        assertThat(outbox.forLead(leadId)).filteredOn(row -> row.status() == EmailOutbox.Status.PENDING)
                .extracting(EmailOutbox.Row::template).allMatch(template -> template.startsWith("doi-"));
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void aLeadThatQualifiesAsItsNurtureEndsIsHandedToSalesExactlyOnce(First first) throws Exception {
        // an executive who clicks the brief: nurture's last step, the demo offer, ends it
        ProcessInstance nurture = nurtureAfterWelcome("late-bloomer", "VP Marketing", "software");
        String leadId = nurture.getBusinessKey();
        ProcessInstance qualification = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
        at(start.plus(Duration.ofDays(3)));
        executeJob(nurture, "Event_Wait3Days");
        executeJob(nurture, "Task_SendExecutiveBrief");
        engage(leadId, "EMAIL_CLICKED");
        process(nurture).isWaitingAt("Task_SendExecutiveDemoOffer");
        assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.NURTURE);
        String lastEmail = job(nurture, "Task_SendExecutiveDemoOffer").getId();

        race(leadId, first, () -> {
            try {
                management.executeJob(lastEmail);
            } catch (RuntimeException interrupted) {
                // the qualification ended this nurture under the step: its transaction rolls back
                assertThat(first).as("the step fails only when the qualification came first").isEqualTo(First.MESSAGE);
            }
        }, () -> engage(leadId, "DEMO_REQUESTED"));

        assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.MQL);
        if (first == First.STEP) {
            // nurture ended first, and its qualification with it; the message found no journey and started a new one
            process(qualification).hasPassed("EndEvent_Nurtured").isEnded();
            ProcessInstance again = instance(ModelKeys.LEAD_QUALIFICATION, leadId);
            executeJob(again, "Task_EvaluateScore");
            process(again).isWaitingAt("CallActivity_SalesHandoff");
        } else {
            // the message interrupted nurture before its last step could run
            process(qualification).hasPassed("Event_QualifiedDuringNurture").hasNotPassed("EndEvent_Nurtured")
                    .isWaitingAt("CallActivity_SalesHandoff");
        }
        assertThat(history.createHistoricProcessInstanceQuery().processDefinitionKey(ModelKeys.MQL_HANDOFF)
                .processInstanceBusinessKey(leadId).count()).as("handed to sales exactly once").isOne();
        assertThat(history.createHistoricProcessInstanceQuery().processDefinitionKey(ModelKeys.LEAD_QUALIFICATION)
                .processInstanceBusinessKey(leadId).unfinished().count()).as("one qualification running").isOne();
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void aConfirmationAsTheReminderStepRunsConfirmsOnceAndEndsTheWait(First first) throws Exception {
        ProcessInstance doi = optInReminderDue("slow-reader");
        String leadId = doi.getBusinessKey();
        String token = confirmationToken(leadId);

        race(leadId, first, () -> executeJob(doi, "Task_SendReminder"),
                () -> assertThat(consent.confirm(token, "203.0.113.7", "JUnit")).isEqualTo(ConfirmOutcome.CONFIRMED));

        if (first == First.STEP) {
            process(doi).hasPassed("Gateway_AwaitConfirmationAfterReminder", "Event_ConfirmedAfterReminder");
        } else {
            // the message found the journey at its reminder step; the step saw the confirmation
            process(doi).hasPassed("Gateway_ConfirmedMeanwhile")
                    .hasNotPassed("Gateway_AwaitConfirmationAfterReminder");
        }
        process(doi).isWaitingAt("Task_StartLifecycle");
        assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event).filteredOn("CONFIRMED"::equals)
                .hasSize(1);
        assertThat(leads.get(leadId).consent()).isEqualTo(Lead.Consent.CONFIRMED);
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void aConfirmationAsTheExpiryStepRunsEitherConfirmsOrFindsTheLinkGoneNeverBoth(First first) throws Exception {
        ProcessInstance doi = optInReminderDue("last-minute");
        String leadId = doi.getBusinessKey();
        String token = confirmationToken(leadId);
        executeJob(doi, "Task_SendReminder");
        at(start.plus(Duration.ofDays(7)).minusSeconds(60));
        executeJob(doi, "Event_ExpiryDue");
        AtomicReference<ConfirmOutcome> clicked = new AtomicReference<>();

        race(leadId, first, () -> executeJob(doi, "Task_ExpireConsent"),
                () -> clicked.set(consent.confirm(token, "203.0.113.7", "JUnit")));

        List<String> proofs = ledger.entries(leadId).stream().map(ConsentLedger.Entry::event)
                .filter(e -> e.equals("CONFIRMED") || e.equals("EXPIRED")).toList();
        if (first == First.STEP) {
            assertThat(clicked.get()).isEqualTo(ConfirmOutcome.GONE);
            assertThat(proofs).containsExactly("EXPIRED");
            process(doi).isWaitingAt("Task_EraseUnconfirmed");
        } else {
            assertThat(clicked.get()).isEqualTo(ConfirmOutcome.CONFIRMED);
            assertThat(proofs).containsExactly("CONFIRMED");
            process(doi).hasPassed("Gateway_Expired").isWaitingAt("Task_StartLifecycle");
        }
    }

    @Test
    void aConfirmationLinkClickedTwiceAtOnceConfirmsOnceAndWelcomesOnce() throws Exception {
        String leadId = capture("double-click", "Marketing Manager", "manufacturing");
        String token = confirmationToken(leadId);
        List<ConfirmOutcome> clicks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Runnable click = () -> clicks.add(consent.confirm(token, "203.0.113.7", "JUnit"));

        race(leadId, First.STEP, click, click);

        assertThat(clicks).containsExactlyInAnyOrder(ConfirmOutcome.CONFIRMED, ConfirmOutcome.ALREADY_CONFIRMED);
        assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event).filteredOn("CONFIRMED"::equals)
                .hasSize(1);
        executeJob(instance(ModelKeys.DOUBLE_OPT_IN, leadId), "Task_StartLifecycle");
        executeJob(instance(ModelKeys.LEAD_QUALIFICATION, leadId), "Task_EvaluateScore");
        ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
        executeJob(nurture, "Task_ChooseTrack");
        executeJob(nurture, "Task_SendWelcome");
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(leadId).list())
                .extracting(p -> p.getProcessDefinitionKey())
                .containsExactlyInAnyOrder(ModelKeys.DOUBLE_OPT_IN, ModelKeys.LEAD_QUALIFICATION, ModelKeys.NURTURE);
        assertThat(emailsAfterOptIn(outbox, nurture)).containsExactly("welcome");
    }

    @ParameterizedTest
    @EnumSource(First.class)
    void anErasureAsANurtureStepRunsEndsEveryJourneyAndSendsNothing(First first) throws Exception {
        ProcessInstance nurture = nurtureAfterWelcome("forget-me", "Marketing Manager", "manufacturing");
        String leadId = nurture.getBusinessKey();
        at(start.plus(Duration.ofDays(3)));
        executeJob(nurture, "Event_Wait3Days");
        String valueEmail = job(nurture, "Task_SendValueEmail").getId();

        race(leadId, first, () -> {
            try {
                management.executeJob(valueEmail);
            } catch (RuntimeException lostToTheErasure) {
                // its journey was deleted under it: the step's transaction rolls back
                assertThat(first).as("the step fails only when the erasure came first").isEqualTo(First.MESSAGE);
            }
        }, () -> leadService.erase(leadId, "REQUESTED"));

        if (first == First.STEP) {
            // the step queued its email, then the erasure skipped it
            assertThat(outbox.forLead(leadId)).filteredOn(row -> row.template().equals("nurture-value"))
                    .singleElement().satisfies(row -> {
                        assertThat(row.status()).isEqualTo(EmailOutbox.Status.SKIPPED);
                        assertThat(row.lastError()).isEqualTo("lead erased");
                    });
        } else {
            assertThat(outbox.forLead(leadId)).noneMatch(row -> row.template().equals("nurture-value"));
        }
        assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
        assertThat(management.createJobQuery().processInstanceId(nurture.getId()).count()).isZero();
        assertThat(outbox.forLead(leadId)).noneMatch(row -> row.status() == EmailOutbox.Status.PENDING);
        assertThat(leads.get(leadId).erased()).isTrue();
    }

    // --- holding the order ------------------------------------------------------------------------------------------

    /**
     * Runs both sides, each in its own transaction on its own thread, in the order asked: the test locks the lead's
     * row, starts the first side and waits until PostgreSQL shows it waiting for that lock, then the second likewise,
     * then commits. Both sides must take the lead's row lock before anything they do that the other must see, and
     * wait for no other lock before it (what a side prepares, such as a link, is made before the race).
     */
    private void race(String leadId, First first, Runnable step, Runnable message) throws Exception {
        Runnable one = first == First.STEP ? step : message;
        Runnable two = first == First.STEP ? message : step;
        try (Connection holder = DriverManager.getConnection(EmbeddedDatabase.jdbcUrl(DATABASE, "race-holder"),
                "postgres", "")) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("select id from leads where id = ? for update")) {
                lock.setString(1, leadId);
                assertThat(lock.executeQuery().next()).isTrue();
            }
            Future<?> firstSide = sides.submit(call(one));
            awaitWaiters(holder, 1, firstSide);
            Future<?> secondSide = sides.submit(call(two));
            awaitWaiters(holder, 2, secondSide);
            holder.commit();
            firstSide.get(30, TimeUnit.SECONDS);
            secondSide.get(30, TimeUnit.SECONDS);
        }
    }

    private static Callable<Void> call(Runnable side) {
        return () -> {
            side.run();
            return null;
        };
    }

    /** Until {@code count} connections wait for a lock; fails at once, with the side's error, if the side ended. */
    private static void awaitWaiters(Connection holder, int count, Future<?> side) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                    .until(() -> side.isDone() || waitingForALock(holder) == count);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder dump = new StringBuilder();
            try (PreparedStatement activity = holder.prepareStatement("""
                    select pid, state, wait_event_type, wait_event, left(query, 200) from pg_stat_activity
                     where datname = current_database()"""); ResultSet rs = activity.executeQuery()) {
                while (rs.next()) {
                    dump.append(rs.getInt(1)).append(' ').append(rs.getString(2)).append(' ').append(rs.getString(3))
                            .append(' ').append(rs.getString(4)).append(' ').append(rs.getString(5)).append('\n');
                }
            }
            Thread.getAllStackTraces().forEach((t, trace) -> {
                if (t.getName().startsWith("pool-")) {
                    dump.append(t.getName()).append('\n');
                    for (int i = 0; i < Math.min(40, trace.length); i++) {
                        dump.append("  ").append(trace[i]).append('\n');
                    }
                }
            });
            throw new AssertionError("waiting for " + count + " lock waiter(s):\n" + dump, e);
        }
        if (side.isDone()) {
            side.get();
            throw new AssertionError("A side ended without waiting for the lead's row lock: it does not take it");
        }
    }

    private static int waitingForALock(Connection holder) throws SQLException {
        try (PreparedStatement waiting = holder.prepareStatement("""
                select count(*) from pg_stat_activity
                 where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()""");
                ResultSet rs = waiting.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    // --- driving the journeys ---------------------------------------------------------------------------------------

    /** An unconfirmed lead's double opt-in a day later, at its reminder step. */
    private ProcessInstance optInReminderDue(String name) {
        ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, capture(name, "Marketing Manager", "manufacturing"));
        at(start.plus(Duration.ofDays(1)));
        executeJob(doi, "Event_ReminderDue");
        process(doi).isWaitingAt("Task_SendReminder");
        return doi;
    }

    /** A general-track lead that never engaged, whose 14 days after the re-engagement email have just run out. */
    private ProcessInstance reengagementWindowClosed(String name) {
        ProcessInstance nurture = nurtureAfterWelcome(name, "Marketing Manager", "manufacturing");
        runGeneralTrack(nurture, start);
        executeJob(nurture, "Task_SendReengagement");
        at(start.plus(Duration.ofDays(24)));
        executeJob(nurture, "Event_WaitBeforeSunset");
        process(nurture).isWaitingAt("Task_Sunset");
        return nurture;
    }

    private void engage(String leadId, String type) {
        scoring.record(new ScoringService.EventRequest(leadId, null, type, "https://acme.example/page", null));
    }

    private long scoredEvents(String leadId) {
        return scoring.explain(leadId).events().size();
    }

    private boolean passed(String processInstanceId, String activityId) {
        return history.createHistoricActivityInstanceQuery().processInstanceId(processInstanceId)
                .activityId(activityId).count() > 0;
    }

}
