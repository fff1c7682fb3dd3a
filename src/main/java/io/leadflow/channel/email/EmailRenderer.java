package io.leadflow.channel.email;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

import org.springframework.stereotype.Component;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

import io.leadflow.lead.Lead;
import io.leadflow.platform.LeadflowSettings;

/**
 * Renders {@code mail/<template>.txt} and {@code mail/<template>.html}, or their translation
 * {@code <template>_<language>} for the lead's language. The first line of the text template is
 * {@code Subject: …}; a new email is two files, no Java.
 */
@Component
class EmailRenderer {

    /** Control characters (CR and LF among them) and Unicode's line and paragraph separators. */
    private static final Pattern LINE_BREAKS = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029]+");
    /** The lead's fields and its canonical constructor, looked up once rather than for every email. */
    private static final RecordComponent[] LEAD_FIELDS = Lead.class.getRecordComponents();
    private static final Method[] LEAD_ACCESSORS = Arrays.stream(LEAD_FIELDS).map(RecordComponent::getAccessor)
            .toArray(Method[]::new);
    private static final Constructor<Lead> LEAD_CONSTRUCTOR = canonicalConstructor();
    /** Text fields that choose the template or name the lead, not typed by a person: kept in a blank lead. */
    private static final Set<String> TEMPLATE_KEYS = Set.of("id", "language");

    record Rendered(String subject, String text, String html) {
    }

    private final TemplateEngine text = engine(TemplateMode.TEXT, ".txt");
    private final TemplateEngine html = engine(TemplateMode.HTML, ".html");
    private final LeadflowSettings settings;

    EmailRenderer(LeadflowSettings settings) {
        this.settings = settings;
    }

    Rendered render(String template, Lead lead, Map<String, String> relativeLinks) {
        return render(template, lead, relativeLinks, Map.of());
    }

    /** @param params values a staff notification shows besides the lead ({@code ${params.dueAt}}) */
    Rendered render(String template, Lead lead, Map<String, String> relativeLinks, Map<String, String> params) {
        lead = withoutLineBreaks(lead);
        Map<String, String> links = new HashMap<>();
        relativeLinks.forEach((k, v) -> links.put(k, settings.link(v)));
        Context ctx = new Context();
        ctx.setVariable("lead", lead);
        ctx.setVariable("links", links);
        ctx.setVariable("publicUrl", settings.link(""));
        ctx.setVariable("params", params);
        String name = localised(template, lead.language());
        String body = text.process(name, ctx);
        int eol = body.indexOf('\n');
        if (!body.startsWith("Subject:") || eol < 0) {
            throw new IllegalStateException("mail/" + template + ".txt must start with a 'Subject: …' line");
        }
        return new Rendered(oneHeaderLine(body.substring("Subject:".length(), eol)), body.substring(eol + 1).strip(),
                html.process(name, ctx));
    }

    /**
     * The web addresses the template itself writes into this email: the email rendered for a lead that holds no
     * text at all (no name, company or other field a person typed), so that no URL typed into a form gets in. A link
     * built from a lead field is therefore not among them either.
     */
    Set<String> templateUrls(String template, Lead lead, Map<String, String> relativeLinks) {
        Rendered blank = render(template, withoutText(lead), relativeLinks);
        return TrackedLinks.urls(blank.text(), blank.html());
    }

    /** The lead with every text field empty; ids, states, numbers and times kept (a template may branch on them). */
    static Lead withoutText(Lead lead) {
        return withFields(lead, (field, value) -> value instanceof String && !TEMPLATE_KEYS.contains(field) ? null
                : value);
    }

    /**
     * The lead as the email shows it: a line break in a field (refused at every way in, but a value may predate that)
     * becomes a space, so that it can neither end the subject line early nor start a header of its own.
     */
    static Lead withoutLineBreaks(Lead lead) {
        return withFields(lead, (field, value) -> value instanceof String text && LINE_BREAKS.matcher(text).find()
                ? oneHeaderLine(text) : value);
    }

    /**
     * The lead with each field (name, value) replaced by what {@code change} answers; the lead itself when nothing
     * changed.
     */
    private static Lead withFields(Lead lead, BiFunction<String, Object, Object> change) {
        Object[] values = new Object[LEAD_ACCESSORS.length];
        boolean changed = false;
        try {
            for (int i = 0; i < LEAD_ACCESSORS.length; i++) {
                Object value = LEAD_ACCESSORS[i].invoke(lead);
                values[i] = change.apply(LEAD_FIELDS[i].getName(), value);
                changed |= values[i] != value;
            }
            return changed ? LEAD_CONSTRUCTOR.newInstance(values) : lead;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot copy lead " + lead.id(), e);
        }
    }

    private static Constructor<Lead> canonicalConstructor() {
        try {
            return Lead.class.getDeclaredConstructor(
                    Arrays.stream(LEAD_FIELDS).map(RecordComponent::getType).toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("A record has its canonical constructor", e);
        }
    }

    /**
     * A subject is one header line whatever a lead field holds: every control character (CR and LF above all,
     * which would start a header of the sender's choosing) and Unicode line separator becomes a space.
     */
    static String oneHeaderLine(String subject) {
        return LINE_BREAKS.matcher(subject).replaceAll(" ").trim();
    }

    /** {@code welcome_fr} for a lead whose language is French, when that translation exists; else the default. */
    static String localised(String template, String language) {
        if (language == null || language.isBlank()) {
            return template;
        }
        String lang = language.toLowerCase(Locale.ROOT).split("[-_]")[0];
        String candidate = template + "_" + lang;
        return MailTemplates.exists(candidate) ? candidate : template;
    }

    private static TemplateEngine engine(TemplateMode mode, String suffix) {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver();
        resolver.setPrefix("mail/");
        resolver.setSuffix(suffix);
        resolver.setTemplateMode(mode);
        resolver.setCharacterEncoding("UTF-8");
        resolver.setCacheable(true);
        TemplateEngine engine = new SpringTemplateEngine();
        engine.setTemplateResolver(resolver);
        return engine;
    }
}
