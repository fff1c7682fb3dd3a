package io.leadflow.channel.email;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.leadflow.lead.Lead;

/**
 * What an email template may show, and nothing more: a few fields of the lead ({@code ${lead.firstName}}), its links
 * ({@code ${links.unsubscribeUrl}}), {@code ${publicUrl}}, and for a notification to sales {@code ${params.dueAt}}
 * and the like. Each is a string or a number in a map (see {@link MailThymeleaf}); docs/marketers.md lists them.
 */
final class TemplateValues {

    /** The lead's fields a template may use (docs/marketers.md, "Emails"). */
    static final List<String> LEAD_FIELDS = List.of("firstName", "lastName", "email", "company", "jobTitle",
            "industry", "companySize", "country", "language", "grade");
    /** The values a notification to sales shows besides the lead. */
    static final List<String> STAFF_PARAMS = List.of("handoffId", "team", "owner", "previousOwner", "dueAt", "slaUrl",
            "tasklistUrl");
    /** Control characters (CR and LF among them) and Unicode's line and paragraph separators. */
    private static final Pattern LINE_BREAKS = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029]+");

    private TemplateValues() {
    }

    /**
     * The lead as its email shows it: a line break in a field (refused at every way in, but a value may predate that)
     * becomes a space, so that it can neither end the subject line early nor start a header of its own.
     */
    static Map<String, Object> lead(Lead lead) {
        Map<String, Object> fields = new HashMap<>();
        fields.put("firstName", oneLine(lead.firstName()));
        fields.put("lastName", oneLine(lead.lastName()));
        fields.put("email", oneLine(lead.email()));
        fields.put("company", oneLine(lead.company()));
        fields.put("jobTitle", oneLine(lead.jobTitle()));
        fields.put("industry", oneLine(lead.industry()));
        fields.put("companySize", lead.companySize());
        fields.put("country", oneLine(lead.country()));
        fields.put("language", oneLine(lead.language()));
        fields.put("grade", oneLine(lead.grade()));
        return fields;
    }

    /**
     * The lead with no text a person typed (only its language and numbers): the email rendered for it holds only
     * the addresses the template itself writes, none typed into a form.
     */
    static Map<String, Object> withoutText(Map<String, Object> lead) {
        Map<String, Object> blank = new HashMap<>();
        lead.forEach((field, value) -> blank.put(field, value instanceof String && !field.equals("language") ? null
                : value));
        return blank;
    }

    /** A made-up lead for previews and for the check of a template before it goes live. */
    static Map<String, Object> sampleLead(String language) {
        Map<String, Object> fields = new HashMap<>();
        fields.put("firstName", "Camille");
        fields.put("lastName", "Martin");
        fields.put("email", "camille.martin@example.com");
        fields.put("company", "Example Industries");
        fields.put("jobTitle", "Head of Marketing");
        fields.put("industry", "Software");
        fields.put("companySize", 120);
        fields.put("country", "FR");
        fields.put("language", language);
        fields.put("grade", "B");
        return fields;
    }

    /** Links as a template of that kind gets them (see EmailLinks), pointing nowhere real. */
    static Map<String, String> sampleLinks(String template, String publicUrl) {
        Map<String, String> links = new LinkedHashMap<>();
        if (MailTemplates.isStaff(template)) {
            return links;
        }
        if (MailTemplates.isDoubleOptIn(template)) {
            links.put("confirmUrl", publicUrl + "/optin/confirm?token=sample");
        }
        if (MailTemplates.REPERMISSION.equals(template)) {
            links.put("keepUrl", publicUrl + "/optin/keep?token=sample");
        }
        links.put("unsubscribeUrl", publicUrl + "/optin/unsubscribe?token=sample");
        return links;
    }

    static Map<String, String> sampleParams(String template, String publicUrl) {
        Map<String, String> params = new LinkedHashMap<>();
        if (MailTemplates.isStaff(template)) {
            params.put("handoffId", "00000000-0000-0000-0000-000000000000");
            params.put("team", "enterprise");
            params.put("owner", "alice");
            params.put("previousOwner", "bob");
            params.put("dueAt", "2026-01-05T14:00:00Z");
            params.put("slaUrl", publicUrl + "/sla");
            params.put("tasklistUrl", publicUrl + "/camunda/app/tasklist/");
        }
        return params;
    }

    /** Everything one rendering sees. */
    static Map<String, Object> values(Map<String, Object> lead, Map<String, String> links, String publicUrl,
            Map<String, String> params) {
        Map<String, Object> values = new HashMap<>();
        values.put("lead", lead);
        values.put("links", new HashMap<>(links));
        values.put("publicUrl", publicUrl);
        values.put("params", new HashMap<>(params));
        return values;
    }

    /** One header line whatever the value holds: every line break or control character becomes a space. */
    static String oneLine(String value) {
        return value == null ? null : LINE_BREAKS.matcher(value).replaceAll(" ").trim();
    }
}
