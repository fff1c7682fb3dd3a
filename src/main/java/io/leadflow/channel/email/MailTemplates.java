package io.leadflow.channel.email;

import java.util.List;

/**
 * The email templates Leadflow's code names: the double opt-in's and the notifications of the SLA ladder. Every
 * other template is a marketing email a journey chose; {@link TemplateLibrary} holds them all.
 */
public final class MailTemplates {

    /** The double opt-in's confirmation request. */
    public static final String CONFIRMATION = "doi-confirmation";
    /** The double opt-in's reminder. */
    public static final String REMINDER = "doi-reminder";
    /** Sent to pending leads; everything else is marketing and needs confirmed consent. */
    public static final List<String> DOUBLE_OPT_IN = List.of(CONFIRMATION, REMINDER);

    private MailTemplates() {
    }

    public static boolean isDoubleOptIn(String template) {
        return DOUBLE_OPT_IN.contains(template);
    }

    /**
     * Retention's question to a confirmed lead silent for years: does it still want to hear from us? A marketing
     * email in every other respect (consent, pause, warm-up, send window); its {@code links.keepUrl} renews consent.
     */
    public static final String REPERMISSION = "retention-repermission";

    /** Notifications to our sales people about a lead (the SLA ladder): no unsubscribe link, values in params. */
    public static final String SLA_REMIND = "sla-remind";
    public static final String SLA_ESCALATE = "sla-escalate";
    public static final String SLA_REASSIGNED = "sla-reassigned";
    public static final List<String> STAFF = List.of(SLA_REMIND, SLA_ESCALATE, SLA_REASSIGNED);

    public static boolean isStaff(String template) {
        return STAFF.contains(template);
    }
}
