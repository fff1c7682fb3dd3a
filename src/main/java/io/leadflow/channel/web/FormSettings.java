package io.leadflow.channel.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Capture forms, {@code leadflow.forms.<id>.*}; {@code newsletter} exists out of the box. A form that names an
 * unknown field, or a redirect that is no absolute web address, stops the start with a message naming it.
 */
@ConfigurationProperties("leadflow")
public record FormSettings(Map<String, Form> forms) {

    /**
     * @param fields            what a new visitor is asked, in order ({@code email} always comes first)
     * @param progressiveFields asked of a known visitor, in order, in place of the fields we already hold
     * @param required          fields that must be given (once we hold a field, a known visitor is not asked again)
     * @param consentVersion    what the consent ledger records when set (else the consent text itself)
     * @param thankYou          shown after a submission (hosted page and embedded form)
     * @param redirect          where the browser goes after a submission instead (absolute URL)
     * @param language          the form's labels and, unless the visitor gives one, the language of its emails
     */
    public record Form(String title, String intro, String consentText, String consentVersion, List<String> fields,
            List<String> progressiveFields, List<String> required, String thankYou, URI redirect, String language) {

        public Form {
            Set<String> asked = new LinkedHashSet<>();
            asked.add("email");
            asked.addAll(fields == null || fields.isEmpty() ? FormFields.NEWSLETTER : fields);
            fields = List.copyOf(asked);
            progressiveFields = progressiveFields == null ? List.of()
                    : progressiveFields.stream().filter(f -> !asked.contains(f)).distinct().toList();
            Set<String> must = new LinkedHashSet<>();
            must.add("email");
            if (required != null) {
                must.addAll(required);
            }
            required = List.copyOf(must);
            language = language == null || language.isBlank() ? null : language;
            if (redirect != null && (!redirect.isAbsolute() || !redirect.getScheme().matches("https?"))) {
                throw new IllegalArgumentException("leadflow.forms.*.redirect must be an absolute http(s) URL, not '"
                        + redirect + "'");
            }
            List<String> unknown = new ArrayList<>();
            for (String f : fieldsAndProgressive(fields, progressiveFields, required)) {
                if (!FormFields.KNOWN.containsKey(f)) {
                    unknown.add(f);
                }
            }
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("leadflow.forms.*: unknown field(s) " + unknown + "; known: "
                        + FormFields.KNOWN.keySet());
            }
        }

        /** What the consent ledger records for a submission of this form. */
        public String consentRecord() {
            return consentVersion != null && !consentVersion.isBlank() ? consentVersion : consentText;
        }

        private static List<String> fieldsAndProgressive(List<String> a, List<String> b, List<String> c) {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            all.addAll(c);
            return all;
        }
    }

    static final Form NEWSLETTER = new Form("The B2B marketing newsletter",
            "Practical notes on lead nurturing and sales alignment, twice a month.",
            "I agree to receive the Leadflow newsletter and can unsubscribe at any time (consent v1).", null,
            FormFields.NEWSLETTER, List.of("phone"), List.of(), null, null, null);

    public FormSettings {
        Map<String, Form> all = new LinkedHashMap<>();
        all.put("newsletter", NEWSLETTER);
        if (forms != null) {
            all.putAll(forms);
        }
        forms = Map.copyOf(all);
    }
}
