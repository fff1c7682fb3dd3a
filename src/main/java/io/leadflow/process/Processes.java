package io.leadflow.process;

/** Process keys, decision keys and message names of API.md §8, in one place. */
public final class Processes {

    public static final String DOUBLE_OPT_IN = "double-opt-in";
    public static final String LEAD_QUALIFICATION = "lead-qualification";
    public static final String NURTURE = "nurture";
    public static final String MQL_HANDOFF = "mql-handoff";

    public static final String MSG_CONSENT_CONFIRMED = "ConsentConfirmed";
    public static final String MSG_UNSUBSCRIBED = "Unsubscribed";
    public static final String MSG_LEAD_QUALIFIED = "LeadQualified";
    public static final String MSG_LEAD_ERASED = "LeadErased";
    public static final String MSG_ENGAGEMENT_RECORDED = "EngagementRecorded";

    public static final String VAR_LEAD_ID = "leadId";

    private Processes() {
    }
}
