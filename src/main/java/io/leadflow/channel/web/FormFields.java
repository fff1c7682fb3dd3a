package io.leadflow.channel.web;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.leadflow.lead.Lead;

/** The capture fields a form may ask, with their labels (English, French) and how a browser should input them. */
final class FormFields {

    public record Field(String name, String type, String labelEn, String labelFr, int maxLength) {

        public String label(String language) {
            return language != null && language.toLowerCase().startsWith("fr") ? labelFr : labelEn;
        }
    }

    static final Map<String, Field> KNOWN;

    /** The newsletter's fields, as the hosted form always asked them. */
    static final List<String> NEWSLETTER = List.of("firstName", "lastName", "company", "jobTitle", "companySize",
            "country", "industry");

    static {
        Map<String, Field> known = new LinkedHashMap<>();
        for (Field f : List.of(
                new Field("email", "email", "Work email", "E-mail professionnel", 254),
                new Field("firstName", "text", "First name", "Prénom", 200),
                new Field("lastName", "text", "Last name", "Nom", 200),
                new Field("company", "text", "Company", "Société", 200),
                new Field("jobTitle", "text", "Job title", "Poste", 200),
                new Field("companySize", "number", "Company size (employees)", "Taille de la société (salariés)", 9),
                new Field("country", "text", "Country (ISO code)", "Pays (code ISO)", 2),
                new Field("industry", "text", "Industry", "Secteur", 200),
                new Field("phone", "tel", "Phone", "Téléphone", 200))) {
            known.put(f.name(), f);
        }
        KNOWN = Collections.unmodifiableMap(known);
    }

    private FormFields() {
    }

    /** Whether we already hold this field of the lead: a known visitor is not asked for it again. */
    static boolean held(Lead lead, String field) {
        Object value = switch (field) {
            case "email" -> lead.email();
            case "firstName" -> lead.firstName();
            case "lastName" -> lead.lastName();
            case "company" -> lead.company();
            case "jobTitle" -> lead.jobTitle();
            case "companySize" -> lead.companySize();
            case "country" -> lead.country();
            case "industry" -> lead.industry();
            case "phone" -> lead.phone();
            default -> null;
        };
        return value != null && !(value instanceof String s && s.isBlank());
    }
}
