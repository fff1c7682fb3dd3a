package io.leadflow.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Date;
import java.util.UUID;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.camunda.bpm.engine.test.assertions.bpmn.ProcessInstanceAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.springframework.beans.factory.annotation.Autowired;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.leadflow.consent.ConsentService;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ModelKeys;

/**
 * The service with the job executor OFF, for process and decision tests on the real models of {@code bpmn/} and
 * {@code dmn/}: tests execute jobs themselves and move time with {@code ClockUtil}. Real SMTP and CRM from
 * {@link ExternalServers}. Every subclass shares this one Spring context (a second one beside
 * {@link ServiceTestBase}'s, since the properties differ); the engine also records flow-node coverage for
 * {@link ProcessCoverage}. Its engine gets a name of its own: the "default" engine, which {@code /engine-rest}
 * resolves, stays the one of {@link ServiceTestBase}'s context when both contexts live in one test JVM.
 */
@Tag(OwnContext.TAG)
@SpringBootTest(properties = {"camunda.bpm.job-execution.enabled=false",
        "camunda.bpm.generate-unique-process-engine-name=true",
        // carol is on holiday: round robin and reassignment must pass her by. A rep is a Camunda user: the seed
        // makes her a member of enterprise (she is among its reps) and gives her the configured address.
        "leadflow.users.carol.password=demo", "leadflow.users.carol.groups=SALES",
        "leadflow.sales.teams.enterprise.reps=alice,carol,demo", "leadflow.sales.reps.carol.away=true",
        "leadflow.sales.reps.carol.email=carol@leadflow.local"})
@ActiveProfiles("test")
@Import(ProcessCoverage.EnginePlugin.class)
public abstract class EngineTestBase {

    @DynamicPropertySource
    static void externalServers(DynamicPropertyRegistry registry) {
        ExternalServers.register(registry);
    }

    @Autowired
    protected RuntimeService runtime;
    @Autowired
    protected ManagementService management;

    @Autowired
    protected LeadService leadService;
    @Autowired
    protected Leads leads;
    @Autowired
    protected ConsentService consent;
    @Autowired
    protected org.springframework.jdbc.core.JdbcTemplate jdbc;

    /** A new lead of a 1,200-person French company from the newsletter form; its double opt-in waits. */
    protected String capture(String name, String jobTitle, String industry) {
        String email = name + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        return leadService.capture(new CaptureRequest(email, "Sam", "Roe", "Acme", jobTitle, industry, "1200", "FR",
                null, "test", null, null, null, "Yes, send me the newsletter", "en", null),
                new CaptureContext("newsletter", "203.0.113.7", "JUnit")).id();
    }

    /** The token of the lead's confirmation link, as its email carries it. */
    protected String confirmationToken(String leadId) {
        String url = consent.linksFor(leads.get(leadId), "doi-confirmation").get("confirmUrl");
        return url.substring(url.indexOf("token=") + "token=".length());
    }

    /** Captured and confirmed: its lead-qualification journey waits at the scoring step. */
    protected String confirmedLead(String name, String jobTitle, String industry) {
        String leadId = capture(name, jobTitle, industry);
        ProcessInstance doi = instance(ModelKeys.DOUBLE_OPT_IN, leadId);
        assertThat(consent.confirm(confirmationToken(leadId), "203.0.113.7", "JUnit"))
                .isEqualTo(ConsentService.ConfirmOutcome.CONFIRMED);
        process(doi).hasPassed("Event_ConfirmedBeforeReminder");
        executeJob(doi, "Task_StartLifecycle");
        process(doi).isEnded();
        return leadId;
    }

    /** A confirmed lead in nurture after its welcome email, waiting three days for its track's first email. */
    protected ProcessInstance nurtureAfterWelcome(String name, String jobTitle, String industry) {
        String leadId = confirmedLead(name, jobTitle, industry);
        followVariantA(leadId);
        executeJob(instance(ModelKeys.LEAD_QUALIFICATION, leadId), "Task_EvaluateScore");
        ProcessInstance nurture = instance(ModelKeys.NURTURE, leadId);
        executeJob(nurture, "Task_ChooseTrack");
        executeJob(nurture, "Task_SendWelcome");
        process(nurture).isWaitingAt("Event_Wait3Days");
        return nurture;
    }

    /**
     * Gives the lead variant A (the value email) of the experiment the shipped nurture runs on the general track's
     * first email, as if it had drawn it: tests of the journey follow one known path ({@code NurtureExperimentTests} draws).
     */
    protected void followVariantA(String leadId) {
        if (jdbc.queryForObject("select count(*) from experiment_assignments where lead_id = ?", Integer.class,
                leadId) > 0) {
            return;
        }
        jdbc.update("""
                insert into experiment_assignments (experiment_key, lead_id, variant, in_sample, assigned_at,
                                                    window_ends_at)
                values ('general-first-email', ?, 'A', false, current_timestamp, current_timestamp)""", leadId);
    }

    /**
     * Runs the general track of a nurture that waits after its welcome email, the lead not engaging meanwhile: the
     * value email on day 3 and the case study on day 10, counted from {@code start}.
     */
    protected void runGeneralTrack(ProcessInstance nurture, Instant start) {
        followVariantA(nurture.getBusinessKey());
        at(start.plus(Duration.ofDays(3)));
        executeJob(nurture, "Event_Wait3Days");
        executeJob(nurture, "Task_SendValueEmail");
        at(start.plus(Duration.ofDays(10)));
        executeJob(nurture, "Event_Wait7Days");
        executeJob(nurture, "Task_SendCaseStudy");
    }

    /** The lead's running instance of that process; fails the test if there is none. */
    protected ProcessInstance instance(String key, String leadId) {
        ProcessInstance pi = runtime.createProcessInstanceQuery().processDefinitionKey(key)
                .processInstanceBusinessKey(leadId).singleResult();
        assertThat(pi).as("running %s instance of lead %s", key, leadId).isNotNull();
        return pi;
    }

    /** The job of the instance at that activity (its async continuation or timer), or null. */
    protected Job job(ProcessInstance pi, String activityId) {
        return management.createJobQuery().processInstanceId(pi.getId()).activityId(activityId).singleResult();
    }

    /** Runs the job of the instance at that activity, as the job executor would; fails the test if there is none. */
    protected void executeJob(ProcessInstance pi, String activityId) {
        Job job = job(pi, activityId);
        assertThat(job).as("job at %s", activityId).isNotNull();
        management.executeJob(job.getId());
    }

    /**
     * Runs the route step of the qualification {@code mql-handoff} calls first; the shipped table sends a grade A
     * lead straight on, so its handoff then waits at Assign lead.
     */
    protected void routeQualification(String leadId) {
        executeJob(instance(io.leadflow.platform.ModelKeys.QUALIFICATION, leadId), "Task_RouteQualification");
    }

    protected static ProcessInstanceAssert process(ProcessInstance pi) {
        return BpmnAwareTests.assertThat(pi);
    }

    /** A Tuesday, 10:00 in Paris, after today: working time on the sales calendar, and time only moves forward. */
    protected static Instant nextTuesdayMorningInParis() {
        return ZonedDateTime.now(ZoneId.of("Europe/Paris")).with(TemporalAdjusters.next(DayOfWeek.TUESDAY))
                .withHour(10).truncatedTo(ChronoUnit.HOURS).toInstant();
    }

    @AfterEach
    void realTimeAgain() {
        ClockUtil.reset();
    }

    /** Moves the engine's clock (and the application's, which follows it). */
    protected static void at(Instant instant) {
        ClockUtil.setCurrentTime(Date.from(instant));
    }

    /**
     * The templates of the emails queued for the process's lead, oldest first, leaving out its double opt-in emails
     * (the confirmation is queued at capture, at the same test instant as what follows it).
     */
    protected static java.util.List<String> emailsAfterOptIn(io.leadflow.channel.email.EmailOutbox outbox,
            org.camunda.bpm.engine.runtime.ProcessInstance process) {
        return outbox.forLead(process.getBusinessKey()).stream()
                .map(io.leadflow.channel.email.EmailOutbox.Row::template)
                .filter(template -> !template.startsWith("doi-")).toList();
    }
}
