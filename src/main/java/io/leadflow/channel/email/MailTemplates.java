package io.leadflow.channel.email;

import java.util.List;

/** The templates the code itself names; every other template is a marketing email a journey chose. */
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
}
