package io.leadflow.channel.email;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.stereotype.Component;

import io.leadflow.lead.Lead;
import io.leadflow.platform.LeadflowSettings;

/**
 * Renders a template of the {@link TemplateLibrary} for a lead: {@code mail/<template>.txt} and
 * {@code mail/<template>.html}, or their translation {@code <template>_<language>} for the lead's language. The first
 * line of the text template is {@code Subject: …}; a new email is two files, no Java.
 */
@Component
class EmailRenderer {

    /** @param version the version of the template it was rendered from */
    record Rendered(String subject, String text, String html, int version) {

        Rendered withBodies(String text, String html) {
            return new Rendered(subject, text, html, version);
        }
    }

    private final TemplateLibrary library;
    private final MailThymeleaf thymeleaf;
    private final LeadflowSettings settings;

    EmailRenderer(TemplateLibrary library, MailThymeleaf thymeleaf, LeadflowSettings settings) {
        this.library = library;
        this.thymeleaf = thymeleaf;
        this.settings = settings;
    }

    Rendered render(String template, Lead lead, Map<String, String> relativeLinks) {
        return render(template, lead, relativeLinks, Map.of());
    }

    /** @param params values a staff notification shows besides the lead ({@code ${params.dueAt}}) */
    Rendered render(String template, Lead lead, Map<String, String> relativeLinks, Map<String, String> params) {
        return render(template(template), TemplateValues.lead(lead), absolute(relativeLinks), params);
    }

    /** The template for a made-up lead writing in that language, as the preview and the test send show it. */
    Rendered sample(EmailTemplate template, String language) {
        String publicUrl = settings.link("");
        return render(template, TemplateValues.sampleLead(language),
                TemplateValues.sampleLinks(template.name(), publicUrl),
                TemplateValues.sampleParams(template.name(), publicUrl));
    }

    /**
     * The web addresses the template itself writes into this email: the email rendered for a lead that holds no
     * text at all (no name, company or other field a person typed), so that no URL typed into a form gets in. A link
     * built from a lead field is therefore not among them either.
     */
    Set<String> templateUrls(String template, Lead lead, Map<String, String> relativeLinks) {
        Rendered blank = render(template(template), TemplateValues.withoutText(TemplateValues.lead(lead)),
                absolute(relativeLinks), Map.of());
        return TrackedLinks.urls(blank.text(), blank.html());
    }

    private Rendered render(EmailTemplate template, Map<String, Object> lead, Map<String, String> links,
            Map<String, String> params) {
        Map<String, Object> values = TemplateValues.values(lead, links, settings.link(""), params);
        String language = (String) lead.get("language");
        String body = thymeleaf.text(template.text(language), values);
        String subject = subjectLine(body);
        if (subject == null) {
            throw new IllegalStateException("mail/" + template.fileFor(language)
                    + ".txt must start with a 'Subject: …' line");
        }
        return new Rendered(subject, body.substring(body.indexOf('\n') + 1).strip(),
                thymeleaf.html(template.html(language), values), template.version());
    }

    /**
     * The subject of a rendered text template, from its first line {@code Subject: …}, as one header line whatever a
     * lead field put in it (every control character, CR and LF above all, and Unicode line separator becomes a space,
     * so that it can start no header of the sender's choosing); null when the text does not start with that line.
     */
    static String subjectLine(String renderedText) {
        int eol = renderedText.indexOf('\n');
        if (!renderedText.startsWith("Subject:") || eol < 0) {
            return null;
        }
        return TemplateValues.oneLine(renderedText.substring("Subject:".length(), eol));
    }

    private EmailTemplate template(String name) {
        return library.find(name).orElseThrow(() -> new IllegalStateException("there is no email template '" + name
                + "' (mail/" + name + ".txt and mail/" + name + ".html)"));
    }

    private Map<String, String> absolute(Map<String, String> relativeLinks) {
        Map<String, String> links = new HashMap<>();
        relativeLinks.forEach((k, v) -> links.put(k, settings.link(v)));
        return links;
    }
}
