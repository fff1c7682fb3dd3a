package io.leadflow.process;

import java.lang.reflect.Method;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

import io.leadflow.channel.crm.CrmPushService;
import io.leadflow.channel.crm.CrmRejected;
import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.consent.ConsentService;
import io.leadflow.experiment.ExperimentPlan;
import io.leadflow.experiment.Experiments;
import io.leadflow.handoff.HandoffService;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.nurture.NurtureStatus;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.ModelKeys;
import io.leadflow.qualification.Qualification;
import io.leadflow.qualification.Qualifications;
import io.leadflow.scoring.DecisionEvaluator;
import io.leadflow.scoring.LeadAttributes;
import io.leadflow.scoring.ScoringService;

/**
 * The beans models may name ({@code ${sendEmail}} …), each declared once: a bean here is on the allow-list of
 * expressions ({@link EngineConfiguration#EXPRESSION_BEANS}), a {@link JavaDelegate} as a task's delegate, anything
 * else as facts for conditions; {@link ElementTemplate} names the Modeler's template of a task marketers place
 * themselves. Delegates are thin: read ids, call a module, write a decision back.
 */
@Configuration
class Delegates {

    /** The bean names declared here, sorted: delegates and facts beans. */
    static List<String> beanNames() {
        return Arrays.stream(Delegates.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Bean.class))
                .map(Method::getName).sorted().toList();
    }

    /** Those of {@link #beanNames()} that expressions only read from (conditions, timers). */
    static Set<String> factsBeanNames() {
        return Arrays.stream(Delegates.class.getDeclaredMethods()).filter(m -> m.isAnnotationPresent(Bean.class))
                .filter(m -> !JavaDelegate.class.isAssignableFrom(m.getReturnType())).map(Method::getName)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** The element template of each delegate that has one. */
    static Map<String, String> elementTemplates() {
        return Arrays.stream(Delegates.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(ElementTemplate.class)).collect(Collectors.toUnmodifiableMap(
                        Method::getName, m -> m.getAnnotation(ElementTemplate.class).value()));
    }

    static String leadId(DelegateExecution execution) {
        Object id = execution.getVariable(ModelKeys.VAR_LEAD_ID);
        return id != null ? id.toString() : execution.getProcessBusinessKey();
    }

    /**
     * Queues an email once per lead and purpose (default purpose: the template within this process instance). The
     * lead's row is locked first, as everyone who changes the lead's stage does: an event that makes the lead an MQL
     * at the same moment either commits first (its interruption of nurture then rolls this step back, email
     * included) or waits for this step to commit.
     */
    @Bean
    @ElementTemplate("send-email")
    JavaDelegate sendEmail(EmailOutbox outbox, Leads leads) {
        return execution -> {
            leads.lock(leadId(execution));
            Object template = execution.getVariableLocal("template");
            if (template == null || template.toString().isBlank()) {
                throw new IllegalStateException("Send email task '" + execution.getCurrentActivityId()
                        + "' has no 'template' input parameter");
            }
            Object purpose = execution.getVariableLocal("purpose");
            String key = purpose != null && !purpose.toString().isBlank() ? purpose.toString()
                    : template + ":" + execution.getProcessInstanceId();
            Object window = execution.getVariableLocal("sendWindow");
            outbox.enqueue(leadId(execution), key, template.toString(), window == null ? null : window.toString());
        };
    }

    /** Pushes the lead to the CRM; a CRM rejection is a BPMN error the model handles, other faults are retried. */
    @Bean
    @ElementTemplate("push-to-crm")
    JavaDelegate pushToCrm(CrmPushService crm, HandoffService handoffs) {
        return execution -> {
            Object purpose = execution.getVariableLocal("purpose");
            Object handoffId = execution.getVariable("handoffId");
            try {
                // the step to resume a failed push at: this process instance's activity (GET /api/crm/failures)
                crm.push(leadId(execution), purpose == null ? ModelKeys.MQL_HANDOFF : purpose.toString(),
                        execution.getProcessInstanceId() + "/" + execution.getCurrentActivityId(), currentJobKey());
                if (handoffId != null) {
                    handoffs.markCrmPushed(handoffId.toString());
                }
            } catch (CrmRejected rejected) {
                if (handoffId != null) {
                    handoffs.markCrmFailed(handoffId.toString(), rejected.getMessage());
                }
                throw new BpmnError("CRM_REJECTED", rejected.getMessage());
            }
        };
    }

    /**
     * The job this step runs in ({@code job:<id>}): the same across its retries, a new one for each visit of the
     * step; null when the step runs without a job.
     */
    static String currentJobKey() {
        var jobContext = Context.getJobExecutorContext();
        var job = jobContext == null ? null : jobContext.getCurrentJob();
        return job == null ? null : "job:" + job.getId();
    }

    @Bean
    @ElementTemplate("evaluate-score")
    JavaDelegate evaluateScore(ScoringService scoring, Leads leads) {
        return execution -> {
            String leadId = leadId(execution);
            var score = scoring.rescore(leadId);
            execution.setVariable("fitScore", score.fit());
            execution.setVariable("engagementScore", score.engagement());
            execution.setVariable("grade", score.grade());
            // A lead an event made an MQL before this step took its lock is handed over too: its LeadQualified
            // message found no journey waiting and is gone.
            execution.setVariable("mql", score.mql()
                    || leads.find(leadId).map(l -> l.stage() == Lead.Stage.MQL).orElse(false));
        };
    }

    /**
     * Draws the lead into the experiment this task's inputs describe and writes its variant ({@code variant}) for the
     * gateway after it: the same variant on every retry, node and loop.
     */
    @Bean
    @ElementTemplate("split-audience")
    JavaDelegate splitAudience(Experiments experiments) {
        return execution -> {
            ExperimentPlan plan = ExperimentPlan.parse(splitInputs(execution::getVariableLocal));
            String processKey = execution.getProcessDefinitionId().split(":")[0];
            execution.setVariable(ExperimentPlan.VARIABLE,
                    experiments.assign(plan, leadId(execution), processKey, execution.getCurrentActivityId()));
        };
    }

    /** The inputs a Split audience task may have, by name, as text. */
    static Map<String, String> splitInputs(java.util.function.Function<String, Object> input) {
        Map<String, String> inputs = new HashMap<>();
        for (String name : List.of(ExperimentPlan.INPUT_KEY, ExperimentPlan.INPUT_VARIANTS, ExperimentPlan.INPUT_METRIC,
                ExperimentPlan.INPUT_WINDOW, ExperimentPlan.INPUT_MIN_LEADS, ExperimentPlan.INPUT_ON_DECISION,
                ExperimentPlan.INPUT_CONFIDENCE, ExperimentPlan.INPUT_GUARD)) {
            Object value = input.apply(name);
            if (value != null) {
                inputs.put(name, value.toString());
            }
        }
        return inputs;
    }

    @Bean
    JavaDelegate expireConsent(ConsentService consent) {
        return execution -> execution.setVariable("expired", consent.expire(leadId(execution)));
    }

    @Bean
    JavaDelegate eraseLead(LeadService leads) {
        return execution -> leads.erase(leadId(execution), "DOI_EXPIRED");
    }

    /** A confirmed lead starts its life: stage NURTURE and a {@code lead-qualification} instance. */
    @Bean
    JavaDelegate startLeadLifecycle(@Lazy RuntimeService runtime, Leads leads, Clock clock) {
        return execution -> {
            String leadId = leadId(execution);
            if (!leads.find(leadId).map(l -> l.consent() == Lead.Consent.CONFIRMED && !l.erased()).orElse(false)) {
                return;
            }
            leads.enterNurture(leadId, clock.instant());
            ProcessEvents.startQualificationUnlessRunning(runtime, leadId);
        };
    }

    /**
     * The nurture's first step. It locks the lead, so the "Still subscribed?" check after it sees an unsubscribe
     * that came before the journey started (its Unsubscribed message then found no journey to stop).
     */
    @Bean
    JavaDelegate chooseNurtureTrack(DecisionEvaluator decisions, Leads leads, NurtureStatus nurture) {
        return execution -> {
            Lead lead = leads.lock(leadId(execution))
                    .orElseThrow(() -> new IllegalStateException("Lead " + leadId(execution) + " does not exist"));
            var in = new HashMap<String, Object>();
            in.put("recycled", Boolean.TRUE.equals(execution.getVariable("recycled")));
            in.put("seniority", LeadAttributes.seniority(lead.jobTitle()));
            // the table compares lower case ("software"), whatever a form or an import wrote
            in.put("industry", lead.industry() == null ? null
                    : lead.industry().trim().toLowerCase(Locale.ROOT));
            in.put("fitScore", lead.fitScore());
            Object chosen = decisions.evaluate(ModelKeys.DECISION_NURTURE_TRACK, in).value("track");
            String track = chosen == null ? "general" : chosen.toString();
            execution.setVariable("track", track);
            nurture.trackChosen(lead.id(), track);
        };
    }

    /**
     * Nurture sends the lead nothing more: no engagement after its re-engagement email. The lead is locked first, like
     * every step that ends in a wait for engagement: an engagement received after the journey's last email (the
     * re-engagement) is one that came after the 14 days ran out but before this step, since one within them took the
     * journey elsewhere; it is seen here ({@code engagedMeanwhile}, and no sunset). A later one finds "Came back".
     */
    @Bean
    @ElementTemplate("nurture-sunset")
    JavaDelegate sunsetLead(NurtureStatus nurture, Leads leads) {
        return execution -> {
            String leadId = leadId(execution);
            leads.lock(leadId);
            boolean engaged = nurture.engagedSinceLastEmailOf(leadId, execution.getProcessInstanceId());
            execution.setVariable("engagedMeanwhile", engaged);
            if (!engaged) {
                Object track = execution.getVariable("track");
                nurture.sunset(leadId, track == null ? null : track.toString());
            }
        };
    }

    /** A sunset lead engaged again: the sunset ends (kept in its history). */
    @Bean
    @ElementTemplate("nurture-sunset")
    JavaDelegate liftSunset(NurtureStatus nurture) {
        return execution -> nurture.cameBack(leadId(execution));
    }

    /**
     * The qualification's first step: the qualification-route table sends the MQL straight to sales or to the desk,
     * with the desk's deadline.
     */
    @Bean
    JavaDelegate routeQualification(Qualifications qualifications) {
        return execution -> {
            var routed = qualifications.route(leadId(execution), execution.getProcessInstanceId());
            execution.setVariable("qualificationId", routed.qualificationId());
            execution.setVariable("route", routed.route());
            execution.setVariable("toSales", routed.dueAt() == null);
            if (routed.dueAt() != null) {
                execution.setVariable("deskDueAt", Date.from(routed.dueAt()));
            }
        };
    }

    /**
     * After "Qualify at desk": the API recorded the decision already (it completes the task after); from Tasklist,
     * the task's form fields are the decision, recorded here in the task's transaction by the signed-in qualifier.
     */
    @Bean
    JavaDelegate recordDisposition(Qualifications qualifications, @Lazy IdentityService identity) {
        return execution -> {
            String id = (String) execution.getVariable("qualificationId");
            Qualifications.Decided decided;
            if (Qualification.OPEN.equals(qualifications.get(id).status())) {
                var auth = identity.getCurrentAuthentication();
                if (auth != null && (auth.getGroupIds() == null
                        || auth.getGroupIds().stream().noneMatch(DESK_DECIDERS::contains))) {
                    // a sales manager's task grant reaches the desk's task too: only the desk decides (docs/api.md §14)
                    throw new AuthorizationException(auth.getUserId() + " may not decide a qualification: only the "
                            + "QUALIFIER group (or an administrator) does; a sales manager watches the desk at /desk");
                }
                String by = auth != null ? auth.getUserId() : text(execution, "decidedBy");
                try {
                    decided = qualifications.decide(id, new Qualifications.Decision(text(execution, "disposition"),
                            text(execution, "reason"), text(execution, "duplicateOf"), new Qualification.Bant(
                                    text(execution, "budget"), text(execution, "budgetRange"),
                                    text(execution, "authority"), text(execution, "need"),
                                    text(execution, "timeline")), text(execution, "note")),
                            by == null ? "tasklist" : by);
                } catch (InvalidInputException wrong) {
                    // a form field's refusal: Tasklist shows the engine's 400 with this sentence; the task stays
                    throw new FormFieldValidationException(wrong.errors().get(0).field(),
                            "The desk's decision is not complete: " + wrong.getMessage());
                }
                // the free texts live in the qualifications table, erased with the person, not in the engine
                List.of("budgetRange", "need", "note").forEach(execution::removeVariable);
            } else {
                decided = qualifications.outcomeOf(id);
            }
            execution.setVariable("disposition", decided.qualification().disposition());
            execution.setVariable("toSales", decided.toSales());
            execution.setVariable("deskTeam", decided.team());
            execution.setVariable("outcome", decided.outcome());
        };
    }

    /** The desk's deadline passed: the qualification is marked late (the task stays). */
    @Bean
    JavaDelegate markDeskBreached(Qualifications qualifications) {
        return execution -> qualifications.markBreached((String) execution.getVariable("qualificationId"));
    }

    /** Who may complete the desk's task, whatever the engine's task grants say. */
    static final Set<String> DESK_DECIDERS = Set.of("QUALIFIER", "ADMIN", Groups.CAMUNDA_ADMIN);

    private static String text(DelegateExecution execution, String name) {
        Object value = execution.getVariable(name);
        return value == null ? null : value.toString();
    }

    @Bean
    JavaDelegate openHandoff(HandoffService handoffs) {
        return execution -> {
            var opened = handoffs.open(leadId(execution), (String) execution.getVariable("deskTeam"));
            execution.setVariable("handoffId", opened.handoffId());
            execution.setVariable("team", opened.team());
            execution.setVariable("owner", opened.owner());
            execution.setVariable("slaDueAt", Date.from(opened.dueAt()));
            execution.setVariable("slaRemindAt", Date.from(opened.remindAt()));
            execution.setVariable("slaEscalateAt", Date.from(opened.escalateAt()));
            execution.setVariable("slaReassignAt", Date.from(opened.reassignAt()));
        };
    }

    /** SLA ladder, step 1: the owner gets a reminder. */
    @Bean
    JavaDelegate remindHandoffOwner(HandoffService handoffs) {
        return execution -> handoffs.remind((String) execution.getVariable("handoffId"));
    }

    /** SLA ladder, step 2: the team's manager hears of the waiting lead. */
    @Bean
    JavaDelegate escalateHandoff(HandoffService handoffs) {
        return execution -> handoffs.escalate((String) execution.getVariable("handoffId"));
    }

    /** SLA ladder, step 3: the next available rep gets the lead, and its "Follow up lead" task. */
    @Bean
    JavaDelegate reassignHandoff(HandoffService handoffs, @Lazy TaskService tasks) {
        return execution -> handoffs.reassign((String) execution.getVariable("handoffId")).ifPresent(owner -> {
            execution.setVariable("owner", owner);
            tasks.createTaskQuery().processInstanceId(execution.getProcessInstanceId())
                    .taskDefinitionKey("Task_FollowUp").list()
                    .forEach(task -> tasks.setAssignee(task.getId(), owner));
        });
    }

    @Bean
    JavaDelegate recordHandoffOutcome(HandoffService handoffs) {
        return execution -> handoffs.recordOutcome((String) execution.getVariable("handoffId"),
                (String) execution.getVariable("outcome"), (String) execution.getVariable("reason"),
                (String) execution.getVariable("opportunityId"));
    }

    @Bean
    JavaDelegate markSlaBreached(HandoffService handoffs) {
        return execution -> handoffs.markBreached((String) execution.getVariable("handoffId"));
    }

    /** Read-only checks for gateway conditions: {@code ${leadState.isConfirmed(leadId)}}. */
    @Bean
    LeadState leadState(ConsentService consent, Leads leads) {
        return new LeadState(consent, leads);
    }

    /** Read-only nurture facts for gateway conditions: {@code ${nurtureState.emailsWithoutEngagement(leadId) >= 3}}. */
    @Bean
    NurtureState nurtureState(NurtureStatus nurture) {
        return new NurtureState(nurture);
    }

    public static final class NurtureState {

        private final NurtureStatus nurture;

        NurtureState(NurtureStatus nurture) {
            this.nurture = nurture;
        }

        /** Marketing emails queued since the lead's last engagement. */
        public int emailsWithoutEngagement(String leadId) {
            return nurture.emailsWithoutEngagement(leadId);
        }
    }

    public static final class LeadState {

        private final ConsentService consent;
        private final Leads leads;

        LeadState(ConsentService consent, Leads leads) {
            this.consent = consent;
            this.leads = leads;
        }

        public boolean isConfirmed(String leadId) {
            return consent.isConfirmed(leadId);
        }

        /** Confirmed, not unsubscribed, not suppressed: marketing emails may reach the lead. */
        public boolean isSubscribed(String leadId) {
            return leads.find(leadId).map(Lead::mayReceiveMarketing).orElse(false);
        }

        public boolean isQualified(String leadId) {
            return leads.find(leadId).map(l -> l.stage() == Lead.Stage.MQL).orElse(false);
        }
    }
}
