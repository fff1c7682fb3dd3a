package io.leadflow.platform;

/**
 * The names the code shares with the marketers' models in {@code bpmn/} and {@code dmn/}: process keys, decision
 * keys, message names and the one variable every journey carries (docs/api.md §8). Renaming one in a model means
 * renaming it here; {@code ModelKeysTests} checks that each names a shipped model.
 */
public final class ModelKeys {

    public static final String DOUBLE_OPT_IN = "double-opt-in";
    public static final String LEAD_QUALIFICATION = "lead-qualification";
    public static final String NURTURE = "nurture";
    public static final String MQL_HANDOFF = "mql-handoff";
    /** Called by {@code mql-handoff} first: the qualification desk, when the qualification-route table sends it there. */
    public static final String QUALIFICATION = "qualification";

    public static final String DECISION_FIT = "lead-fit-score";
    public static final String DECISION_ENGAGEMENT = "engagement-points";
    public static final String DECISION_MQL = "mql-decision";
    public static final String DECISION_NURTURE_TRACK = "nurture-track";
    public static final String DECISION_ASSIGNMENT = "lead-assignment";
    public static final String DECISION_SALES_SLA = "sales-sla";
    public static final String DECISION_ACCOUNT_SCORE = "account-score";
    public static final String DECISION_QUALIFICATION_ROUTE = "qualification-route";

    public static final String MSG_CONSENT_CONFIRMED = "ConsentConfirmed";
    public static final String MSG_UNSUBSCRIBED = "Unsubscribed";
    public static final String MSG_LEAD_QUALIFIED = "LeadQualified";
    public static final String MSG_LEAD_ERASED = "LeadErased";
    public static final String MSG_ENGAGEMENT_RECORDED = "EngagementRecorded";
    /** Starts {@code nurture} at its "Came back" start event: a sunset lead with no journey running engaged again. */
    public static final String MSG_LEAD_CAME_BACK = "LeadCameBack";

    public static final String VAR_LEAD_ID = "leadId";

    private ModelKeys() {
    }
}
