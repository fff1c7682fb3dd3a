package io.leadflow.channel.web;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Capture forms: {@code leadflow.forms.<id>.{title,intro,consent-text}}; {@code newsletter} exists out of the box. */
@ConfigurationProperties("leadflow")
public record FormSettings(Map<String, Form> forms) {

    public record Form(String title, String intro, String consentText) {
    }

    static final Form NEWSLETTER = new Form("The B2B marketing newsletter",
            "Practical notes on lead nurturing and sales alignment, twice a month.",
            "I agree to receive the Leadflow newsletter and can unsubscribe at any time (consent v1).");

    public FormSettings {
        Map<String, Form> all = new LinkedHashMap<>();
        all.put("newsletter", NEWSLETTER);
        if (forms != null) {
            all.putAll(forms);
        }
        forms = Map.copyOf(all);
    }
}
