package io.leadflow.channel.crm;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import io.leadflow.lead.Lead;
import io.leadflow.qualification.Qualifications;

/**
 * Our lead fields → the CRM's fields ({@code leadflow.crm.mapping.<our field>: <CRM field> [| format]…}), plus
 * constants ({@code leadflow.crm.constants: ["<CRM field>=<value>"]}). The preset gives defaults; a configured entry
 * replaces the preset's for that field, and an empty one leaves the field out. A dotted CRM field
 * ({@code properties.email}) is nested. Formats, applied left to right: {@code upper}, {@code lower},
 * {@code trim}, {@code truncate:<n>}, {@code default:<text>} (when empty), {@code date} (ISO date, UTC),
 * {@code epoch-millis}, {@code text}.
 */
final class CrmMapping {

    /** The fields of ours that can be sent, by name. */
    static final Map<String, Function<Lead, Object>> FIELDS = fields();
    /** The qualification desk's facts about the lead (BANT and its note), when the desk saw it. */
    static final java.util.Set<String> DESK_FIELDS = Qualifications.CRM_FIELDS;

    private record Entry(String source, String target, List<Function<Object, Object>> formats) {
    }

    private final List<Entry> entries;
    private final Map<String, String> constants;

    private CrmMapping(List<Entry> entries, Map<String, String> constants) {
        this.entries = entries;
        this.constants = constants;
    }

    /** Refuses at start-up what it cannot do, naming the key and what would work. */
    static CrmMapping of(Map<String, String> presetDefaults, Map<String, String> configured, List<String> constants) {
        Map<String, String> merged = new LinkedHashMap<>();
        presetDefaults.forEach((field, target) -> merged.put(field(field, "preset"), target));
        if (configured != null) {
            configured.forEach((field, target) -> merged.put(field(field, "leadflow.crm.mapping." + field), target));
        }
        List<Entry> entries = new ArrayList<>();
        merged.forEach((field, spec) -> {
            if (spec == null || spec.isBlank()) {
                return;
            }
            String[] parts = spec.split("\\|");
            String target = parts[0].trim();
            List<Function<Object, Object>> formats = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                formats.add(format(parts[i].trim(), "leadflow.crm.mapping." + field));
            }
            entries.add(new Entry(field, target, formats));
        });
        Map<String, String> fixed = new LinkedHashMap<>();
        for (String constant : constants == null ? List.<String>of() : constants) {
            int eq = constant.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("leadflow.crm.constants entry '" + constant
                        + "' must read <CRM field>=<value>, e.g. LeadSource=Web");
            }
            fixed.put(constant.substring(0, eq).trim(), constant.substring(eq + 1).trim());
        }
        return new CrmMapping(List.copyOf(entries), Map.copyOf(fixed));
    }

    /** The CRM's fields for the lead; empty values are left out. */
    Map<String, Object> apply(Lead lead) {
        return apply(lead, Map.of());
    }

    /** As {@link #apply(Lead)}, with the desk's facts ({@link #DESK_FIELDS}) when it saw the lead. */
    Map<String, Object> apply(Lead lead, Map<String, Object> desk) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            Object value = FIELDS.containsKey(e.source()) ? FIELDS.get(e.source()).apply(lead) : desk.get(e.source());
            for (Function<Object, Object> format : e.formats()) {
                value = format.apply(value);
            }
            if (value != null && !(value instanceof String s && s.isEmpty())) {
                put(out, e.target(), value);
            }
        }
        constants.forEach((target, value) -> put(out, target, value));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> out, String target, Object value) {
        int dot = target.indexOf('.');
        if (dot < 0) {
            out.put(target, value);
            return;
        }
        Object inner = out.computeIfAbsent(target.substring(0, dot), k -> new LinkedHashMap<String, Object>());
        if (inner instanceof Map<?, ?> map) {
            put((Map<String, Object>) map, target.substring(dot + 1), value);
        }
    }

    /** Keys may come as firstName, first-name or FIRSTNAME (environment variables). */
    private static String field(String key, String where) {
        String wanted = normalise(key);
        return java.util.stream.Stream.concat(FIELDS.keySet().stream(), DESK_FIELDS.stream().sorted())
                .filter(f -> normalise(f).equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(where + ": '" + key + "' is none of our fields; use one of "
                        + FIELDS.keySet() + " or the desk's " + DESK_FIELDS.stream().sorted().toList()));
    }

    private static String normalise(String key) {
        return key.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static Function<Object, Object> format(String spec, String where) {
        String name = spec.contains(":") ? spec.substring(0, spec.indexOf(':')).trim() : spec;
        String arg = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : null;
        return switch (name) {
            case "upper" -> v -> v == null ? null : v.toString().toUpperCase(Locale.ROOT);
            case "lower" -> v -> v == null ? null : v.toString().toLowerCase(Locale.ROOT);
            case "trim" -> v -> v == null ? null : v.toString().trim();
            case "text" -> v -> v == null ? null : v.toString();
            case "truncate" -> {
                int max = Integer.parseInt(arg == null ? "" : arg.trim());
                yield v -> v == null || v.toString().length() <= max ? v : v.toString().substring(0, max);
            }
            case "default" -> v -> v == null || v.toString().isBlank() ? arg : v;
            case "date" -> v -> v instanceof Instant i ? i.atOffset(ZoneOffset.UTC).toLocalDate().toString() : v;
            case "epoch-millis" -> v -> v instanceof Instant i ? i.toEpochMilli() : v;
            default -> throw new IllegalArgumentException(where + ": unknown format '" + spec + "'; use upper, lower,"
                    + " trim, text, truncate:<n>, default:<text>, date or epoch-millis");
        };
    }

    private static Map<String, Function<Lead, Object>> fields() {
        Map<String, Function<Lead, Object>> f = new LinkedHashMap<>();
        f.put("leadId", Lead::id);
        f.put("email", Lead::email);
        f.put("firstName", Lead::firstName);
        f.put("lastName", Lead::lastName);
        f.put("company", Lead::company);
        f.put("jobTitle", Lead::jobTitle);
        f.put("industry", Lead::industry);
        f.put("companySize", Lead::companySize);
        f.put("country", Lead::country);
        f.put("phone", Lead::phone);
        f.put("source", Lead::source);
        f.put("utmSource", Lead::utmSource);
        f.put("utmMedium", Lead::utmMedium);
        f.put("utmCampaign", Lead::utmCampaign);
        f.put("language", Lead::language);
        f.put("grade", Lead::grade);
        f.put("fitScore", Lead::fitScore);
        f.put("engagementScore", Lead::engagementScore);
        f.put("team", Lead::team);
        f.put("owner", Lead::owner);
        f.put("createdAt", Lead::createdAt);
        f.put("confirmedAt", Lead::confirmedAt);
        return Collections.unmodifiableMap(f);
    }
}
