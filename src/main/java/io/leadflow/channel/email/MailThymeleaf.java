package io.leadflow.channel.email;

import java.util.Map;

import org.springframework.context.expression.MapAccessor;
import org.springframework.expression.spel.support.SimpleEvaluationContext;
import org.springframework.stereotype.Component;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.spring6.expression.ThymeleafEvaluationContext;
import org.thymeleaf.spring6.expression.ThymeleafEvaluationContextWrapper;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.StringTemplateResolver;

/**
 * Thymeleaf for the marketers' email templates, which are untrusted input like their models: an expression reads
 * the values it is given ({@code ${lead.firstName}}, {@code ${links.unsubscribeUrl}}) and nothing else. No method is
 * called, no class named, no object made, so a template can neither run code nor reach past the maps Leadflow hands
 * it (each value a string or a number). A template is its own text; Thymeleaf caches its parse by that text, so an
 * edited template is parsed anew and an old version stays valid for the emails rendered from it.
 */
@Component
class MailThymeleaf {

    private final TemplateEngine text = engine(TemplateMode.TEXT);
    private final TemplateEngine html = engine(TemplateMode.HTML);

    String text(String template, Map<String, Object> values) {
        return text.process(template, context(values));
    }

    String html(String template, Map<String, Object> values) {
        return html.process(template, context(values));
    }

    private static Context context(Map<String, Object> values) {
        Context context = new Context();
        values.forEach(context::setVariable);
        // property reads of maps only: no method resolver, no constructor resolver, no type locator
        SimpleEvaluationContext readOnly = SimpleEvaluationContext.forPropertyAccessors(new MapAccessor(false))
                .build();
        context.setVariable(ThymeleafEvaluationContext.THYMELEAF_EVALUATION_CONTEXT_CONTEXT_VARIABLE_NAME,
                new ThymeleafEvaluationContextWrapper(readOnly));
        return context;
    }

    private static TemplateEngine engine(TemplateMode mode) {
        StringTemplateResolver resolver = new StringTemplateResolver();
        resolver.setTemplateMode(mode);
        resolver.setCacheable(true);
        SpringTemplateEngine engine = new SpringTemplateEngine();
        engine.setTemplateResolver(resolver);
        return engine;
    }
}
