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

    ProcessEvents(RuntimeService runtime) {
        this.runtime = runtime;
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

    /** Only nurture instances waiting for engagement (the event-based gateway after the value email) react. */
    @EventListener
    void onEngagement(EngagementRecorded engagement) {
        correlate(ModelKeys.MSG_ENGAGEMENT_RECORDED, engagement.leadId());
    }

    @EventListener
    void onConfirmed(ConsentConfirmed confirmed) {
        correlate(ModelKeys.MSG_CONSENT_CONFIRMED, confirmed.leadId());
    }

    @EventListener
    void onQualified(LeadQualified qualified) {
        correlate(ModelKeys.MSG_LEAD_QUALIFIED, qualified.leadId());
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

    private void correlate(String message, String leadId) {
        int matched = runtime.createMessageCorrelation(message).processInstanceBusinessKey(leadId)
                .correlateAllWithResult().size();
        log.debug("Message {} for lead {} reached {} instance(s)", message, leadId, matched);
    }
}
