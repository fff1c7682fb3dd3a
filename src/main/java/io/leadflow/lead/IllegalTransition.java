package io.leadflow.lead;

import io.leadflow.platform.ConflictException;

/** A lead asked to make a transition its current state does not allow (409): names the lead, the from and the to. */
public class IllegalTransition extends ConflictException {

    private final String leadId;
    private final Transition transition;
    private final Enum<?> from;

    IllegalTransition(String leadId, Transition transition, Enum<?> from) {
        super("Lead " + leadId + " cannot go from " + from + " to " + transition.to() + " (" + transition
                + " moves only from " + transition.from() + ")");
        this.leadId = leadId;
        this.transition = transition;
        this.from = from;
    }

    public String leadId() {
        return leadId;
    }

    public Transition transition() {
        return transition;
    }

    public Enum<?> from() {
        return from;
    }
}
