package io.leadflow.process;

import java.util.Date;

import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

import io.leadflow.channel.crm.CrmPushService;
import io.leadflow.channel.crm.CrmRejected;
import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.consent.ConsentService;
import io.leadflow.handoff.HandoffService;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadRepository;
import io.leadflow.lead.LeadService;
import io.leadflow.nurture.NurtureStatus;
import io.leadflow.scoring.DecisionEvaluator;
import io.leadflow.scoring.LeadAttributes;
import io.leadflow.scoring.ScoringService;

/**
 * The delegates models may name ({@code ${sendEmail}} …). They are thin: read ids, call a module, write a
 * decision back. Only these beans, {@code leadState}, {@code nurtureState}, {@code doiSettings} and
 * {@code nurtureSettings} are visible to expressions
 * ({@link EngineConfiguration#EXPRESSION_BEANS}).
 */
@Configuration
class Delegates {

    static String leadId(DelegateExecution execution) {
        Object id = execution.getVariable(Processes.VAR_LEAD_ID);
        return id != null ? id.toString() : execution.getProcessBusinessKey();
    }

    /**
     * Queues an email once per lead and purpose (default purpose: the template within this process instance). The
     * lead's row is locked first, as everyone who changes the lead's stage does: an event that makes the lead an MQL
     * at the same moment either commits first (its interruption of nurture then rolls this step back, email
     * included) or waits for this step to commit.
     */
    @Bean
    JavaDelegate sendEmail(EmailOutbox outbox, LeadRepository leads) {
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
    JavaDelegate pushToCrm(CrmPushService crm, HandoffService handoffs) {
        return execution -> {
            Object purpose = execution.getVariableLocal("purpose");
            Object handoffId = execution.getVariable("handoffId");
            try {
                // the step to resume a failed push at: this process instance's activity (GET /api/crm/failures)
                crm.push(leadId(execution), purpose == null ? "mql-handoff" : purpose.toString(),
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
        var jobContext = org.camunda.bpm.engine.impl.context.Context.getJobExecutorContext();
        var job = jobContext == null ? null : jobContext.getCurrentJob();
        return job == null ? null : "job:" + job.getId();
    }

    @Bean
    JavaDelegate evaluateScore(ScoringService scoring, LeadRepository leads) {
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
    JavaDelegate startLeadLifecycle(@Lazy RuntimeService runtime, LeadRepository leads, java.time.Clock clock) {
        return execution -> {
            String leadId = leadId(execution);
            if (!leads.find(leadId).map(l -> l.consent() == Lead.Consent.CONFIRMED && !l.erased()).orElse(false)) {
                return;
            }
            leads.changeStage(leadId, Lead.Stage.NURTURE, clock.instant(), Lead.Stage.NEW);
            boolean running = runtime.createProcessInstanceQuery().processDefinitionKey(Processes.LEAD_QUALIFICATION)
                    .processInstanceBusinessKey(leadId).count() > 0;
            if (!running) {
                runtime.startProcessInstanceByKey(Processes.LEAD_QUALIFICATION, leadId,
                        java.util.Map.of(Processes.VAR_LEAD_ID, leadId));
            }
        };
    }

    /**
     * The nurture's first step. It locks the lead, so the "Still subscribed?" check after it sees an unsubscribe
     * that came before the journey started (its Unsubscribed message then found no journey to stop).
     */
    @Bean
    JavaDelegate chooseNurtureTrack(DecisionEvaluator decisions, LeadRepository leads, NurtureStatus nurture) {
        return execution -> {
            Lead lead = leads.lock(leadId(execution))
                    .orElseThrow(() -> new IllegalStateException("Lead " + leadId(execution) + " does not exist"));
            var in = new java.util.HashMap<String, Object>();
            in.put("recycled", Boolean.TRUE.equals(execution.getVariable("recycled")));
            in.put("seniority", LeadAttributes.seniority(lead.jobTitle()));
            // the table compares lower case ("software"), whatever a form or an import wrote
            in.put("industry", lead.industry() == null ? null
                    : lead.industry().trim().toLowerCase(java.util.Locale.ROOT));
            in.put("fitScore", lead.fitScore());
            Object chosen = decisions.evaluate("nurture-track", in).value("track");
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
    JavaDelegate sunsetLead(NurtureStatus nurture, LeadRepository leads) {
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
    JavaDelegate liftSunset(NurtureStatus nurture) {
        return execution -> nurture.cameBack(leadId(execution));
    }

    @Bean
    JavaDelegate openHandoff(HandoffService handoffs) {
        return execution -> {
            var opened = handoffs.open(leadId(execution));
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
    JavaDelegate reassignHandoff(HandoffService handoffs, @Lazy org.camunda.bpm.engine.TaskService tasks) {
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
    LeadState leadState(ConsentService consent, LeadRepository leads) {
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
        private final LeadRepository leads;

        LeadState(ConsentService consent, LeadRepository leads) {
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
