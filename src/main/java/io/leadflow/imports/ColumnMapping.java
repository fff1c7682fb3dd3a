package io.leadflow.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which column of the file feeds which lead field: suggested from the header names (English and French, accents and
 * punctuation ignored), overridable by the uploader. Unmapped columns are ignored and listed in the import.
 * <p>
 * The resolved mapping is kept on the import row twice: {@link #encode encoded} for whichever node reads the file,
 * and {@link #describe described} for the marketer.
 */
final class ColumnMapping {

    static final List<String> FIELDS = List.of("email", "firstName", "lastName", "company", "jobTitle", "industry",
            "companySize", "country", "phone", "language", "source");

    private static final Map<String, String> SYNONYMS = new LinkedHashMap<>();

    static {
        synonyms("email", "email", "e-mail", "mail", "email address", "adresse email", "adresse e-mail", "courriel",
                "adresse mail", "work email");
        synonyms("firstName", "first name", "firstname", "given name", "prenom", "prénom");
        synonyms("lastName", "last name", "lastname", "surname", "family name", "nom", "nom de famille");
        synonyms("company", "company", "company name", "organisation", "organization", "account", "societe",
                "société", "entreprise", "raison sociale");
        synonyms("jobTitle", "job title", "title", "position", "role", "poste", "fonction", "titre", "intitule de poste");
        synonyms("industry", "industry", "sector", "secteur", "secteur d'activite", "secteur d'activité");
        synonyms("companySize", "company size", "employees", "number of employees", "headcount", "size", "taille",
                "effectif", "nombre de salaries", "nombre de salariés");
        synonyms("country", "country", "pays", "country code", "code pays");
        synonyms("phone", "phone", "phone number", "telephone", "téléphone", "tel", "tél", "mobile", "portable");
        synonyms("language", "language", "langue", "locale");
        synonyms("source", "source", "lead source", "origine", "provenance");
    }

    private static void synonyms(String field, String... names) {
        for (String name : names) {
            SYNONYMS.put(ContactNormaliser.key(name), field);
        }
    }

    private ColumnMapping() {
    }

    /**
     * Column index per field: the uploader's choices ({@code header name → field}) first, then the suggestions.
     *
     * @throws IllegalArgumentException when a chosen field is unknown or no column gives the email
     */
    static Map<String, Integer> resolve(List<String> header, Map<String, String> chosen) {
        Map<String, Integer> byField = new LinkedHashMap<>();
        Map<String, String> byKey = new LinkedHashMap<>();
        chosen.forEach((column, field) -> byKey.put(ContactNormaliser.key(column), field));
        for (int i = 0; i < header.size(); i++) {
            String key = ContactNormaliser.key(header.get(i));
            String field = byKey.containsKey(key) ? byKey.get(key) : SYNONYMS.get(key);
            if (field != null && !field.isBlank()) {
                if (!FIELDS.contains(field)) {
                    throw new IllegalArgumentException("mapping: '" + field + "' is no lead field; use one of " + FIELDS);
                }
                byField.putIfAbsent(field, i);
            }
        }
        if (!byField.containsKey("email")) {
            throw new IllegalArgumentException("no column holds the email address: name it 'email' (or 'courriel'), "
                    + "or map it with mapping={\"<your column>\": \"email\"}");
        }
        return byField;
    }

    /** The mapping as the import row keeps it ({@code column_map}): {@code field=index} pairs, {@code ;} between. */
    static String encode(Map<String, Integer> columns) {
        StringBuilder out = new StringBuilder();
        columns.forEach((field, index) -> out.append(out.isEmpty() ? "" : ";").append(field).append('=').append(index));
        return out.toString();
    }

    /** The mapping {@link #encode} kept, in its order; empty for none. */
    static Map<String, Integer> decode(String columns) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (columns == null || columns.isBlank()) {
            return out;
        }
        for (String pair : columns.split(";")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), Integer.parseInt(pair.substring(eq + 1)));
        }
        return out;
    }

    /** For the marketer: which column feeds which field, then the columns ignored. */
    static String describe(List<String> header, Map<String, Integer> columns) {
        StringBuilder out = new StringBuilder();
        columns.forEach((field, index) -> out.append(header.get(index)).append(" → ").append(field).append("; "));
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) {
            if (!columns.containsValue(i)) {
                ignored.add(header.get(i));
            }
        }
        if (!ignored.isEmpty()) {
            out.append("ignored: ").append(String.join(", ", ignored));
        }
        return out.toString().trim();
    }
}
