package io.leadflow.process;

import java.util.Map;

import org.camunda.bpm.engine.RuntimeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import io.leadflow.consent.ConsentConfirmed;
import io.leadflow.consent.Unsubscribed;
import io.leadflow.imports.RepermissionRequested;
import io.leadflow.lead.LeadCaptured;
import io.leadflow.lead.LeadErased;
import io.leadflow.nurture.NurtureStatus;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.EngagementRecorded;
import io.leadflow.scoring.LeadQualified;

/**
 * Turns the modules' events into engine calls, inside the transaction that published them: a process start or a
 * message commits with the state change that caused it, or not at all. Messages go with {@code correlateAll()},
 * so a lead with no waiting instance is not an error (the processes re-check our tables around each wait).
 */
@Component
class ProcessEvents {

    private static final Logger log = LoggerFactory.getLogger(ProcessEvents.class);

    private final RuntimeService runtime;
    private final NurtureStatus nurture;

    ProcessEvents(RuntimeService runtime, NurtureStatus nurture) {
        this.runtime = runtime;
        this.nurture = nurture;
    }

    @EventListener
    void onCaptured(LeadCaptured captured) {
        if (captured.created()) {
            runtime.startProcessInstanceByKey(ModelKeys.DOUBLE_OPT_IN, captured.leadId(),
                    Map.of(ModelKeys.VAR_LEAD_ID, captured.leadId()));
        }
    }

    /** An imported lead without proof of consent is asked to opt in: the same double opt-in as a form. */
    @EventListener
    void onRepermission(RepermissionRequested requested) {
        runtime.startProcessInstanceByKey(ModelKeys.DOUBLE_OPT_IN, requested.leadId(),
                Map.of(ModelKeys.VAR_LEAD_ID, requested.leadId()));
    }

    /**
     * Nurture instances waiting for engagement react. A sunset lead whose journeys have all ended (nurture ends at the
     * sunset) starts nurture again at its "Came back" start event, unless a journey of its own is running: the one
     * this same event's {@link LeadQualified} started, or a came-back nurture an earlier event started. The caller
     * holds the lead's row lock, as the sunset step does, so the sunset this reads is settled.
     */
    @EventListener
    void onEngagement(EngagementRecorded engagement) {
        String leadId = engagement.leadId();
        if (correlate(ModelKeys.MSG_ENGAGEMENT_RECORDED, leadId) == 0
                && nurture.of(leadId).map(NurtureStatus.View::sunset).orElse(false) && !journeyRunning(leadId)) {
            runtime.createMessageCorrelation(ModelKeys.MSG_LEAD_CAME_BACK).processInstanceBusinessKey(leadId)
                    .setVariable(ModelKeys.VAR_LEAD_ID, leadId).correlateAllWithResult();
            log.info("Lead {} came back after its sunset: nurture starts again at Came back", leadId);
        }
    }

    @EventListener
    void onConfirmed(ConsentConfirmed confirmed) {
        correlate(ModelKeys.MSG_CONSENT_CONFIRMED, confirmed.leadId());
    }

    /**
     * The journey waiting in nurture hands the lead to sales. A lead whose qualification ended in nurture
     * ("Nurtured") gets a new {@code lead-qualification}, which finds it an MQL and hands it over; so does any lead
     * nurture once had, but not an imported lead that never entered a journey. When a qualification is still running
     * but not waiting (its scoring step is queued), that step sees the stage. A qualification ending at this moment
     * on another node is the same execution row this correlation changes: one of the two transactions fails on
     * optimistic locking and runs again, and then sees the other.
     */
    @EventListener
    void onQualified(LeadQualified qualified) {
        String leadId = qualified.leadId();
        if (correlate(ModelKeys.MSG_LEAD_QUALIFIED, leadId) == 0 && nurture.of(leadId).isPresent()
                && startQualificationUnlessRunning(runtime, leadId)) {
            log.info("Lead {} qualified after its journey ended: a new lead-qualification hands it to sales", leadId);
        }
    }

    /** Starts the lead's {@code lead-qualification} unless one is running; whether it started one. */
    static boolean startQualificationUnlessRunning(RuntimeService runtime, String leadId) {
        if (runtime.createProcessInstanceQuery().processDefinitionKey(ModelKeys.LEAD_QUALIFICATION)
                .processInstanceBusinessKey(leadId).count() > 0) {
            return false;
        }
        runtime.startProcessInstanceByKey(ModelKeys.LEAD_QUALIFICATION, leadId, Map.of(ModelKeys.VAR_LEAD_ID, leadId));
        return true;
    }

    @EventListener
    void onUnsubscribed(Unsubscribed unsubscribed) {
        correlate(ModelKeys.MSG_UNSUBSCRIBED, unsubscribed.leadId());
    }

    /**
     * An erasure asked for through the API ends every journey of the lead (models may react to the message first).
     * An erasure made by a process step (an expired opt-in) leaves that process to finish itself.
     */
    @EventListener
    void onErased(LeadErased erased) {
        if (!erased.endsJourneys()) {
            return;
        }
        correlate(ModelKeys.MSG_LEAD_ERASED, erased.leadId());
        runtime.createProcessInstanceQuery().processInstanceBusinessKey(erased.leadId()).list()
                .forEach(pi -> runtime.deleteProcessInstanceIfExists(pi.getId(), "lead erased", false, true,
                        true, false));
    }

    private int correlate(String message, String leadId) {
        int matched = runtime.createMessageCorrelation(message).processInstanceBusinessKey(leadId)
                .correlateAllWithResult().size();
        log.debug("Message {} for lead {} reached {} instance(s)", message, leadId, matched);
        return matched;
    }

    /** A qualification or a nurture of the lead is running. */
    private boolean journeyRunning(String leadId) {
        return runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).list().stream()
                .map(pi -> pi.getProcessDefinitionId().split(":")[0])
                .anyMatch(key -> key.equals(ModelKeys.LEAD_QUALIFICATION) || key.equals(ModelKeys.NURTURE));
    }
}
