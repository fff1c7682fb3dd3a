package io.leadflow.workspace;

import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.leadflow.lead.Lead;
import io.leadflow.platform.InvalidInputException;

/**
 * Which leads a list or an export shows: a search and the filters of {@code /leads}, turned into SQL over
 * {@code leads l left join nurture_status n}. Every value is checked here (a wrong one is a {@code 400} naming its
 * parameter) and bound as a parameter, never written into the SQL.
 *
 * @param q        a part of the address, the name (first, last or both: "anna mar") or the company (any case)
 * @param from     created on or after this day (UTC)
 * @param to       created on or before this day (UTC)
 */
public record LeadFilter(String q, String stage, String consent, String grade, String track, String team, String owner,
        LocalDate from, LocalDate to) {

    /**
     * What {@code q} is looked for in: the address, the names and the company as one lower-case text. One expression,
     * so that PostgreSQL answers {@code like '%q%'} from one trigram index on it (V27.1, {@code ix_leads_search})
     * instead of reading every lead; keep it and the index identical. H2 evaluates the same SQL without the index.
     */
    static final String SEARCHED = "lower(coalesce(l.email, '') || ' ' || coalesce(l.first_name, '') || ' '"
            + " || coalesce(l.last_name, '') || ' ' || coalesce(l.company, ''))";

    /** The filter from request parameters, each checked; blanks count as absent. */
    public static LeadFilter of(String q, String stage, String consent, String grade, String track, String team,
            String owner, String from, String to) {
        return new LeadFilter(text("q", q, 200), allowed("stage", stage, Lead.Stage.values()),
                allowed("consent", consent, Lead.Consent.values()), grade(grade), text("track", track, 64),
                text("team", team, 64), text("owner", owner, 64), day("from", from), day("to", to));
    }

    /** The same filter for one sales rep's own leads. */
    public LeadFilter ownedBy(String user) {
        return new LeadFilter(q, stage, consent, grade, track, team, user, from, to);
    }

    /** {@code " and …"} conditions over {@code l} and {@code n}, their values appended to {@code args}. */
    public String where(List<Object> args) {
        StringBuilder where = new StringBuilder(" where l.erased_at is null");
        if (q != null) {
            String like = "%" + q.toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                    + "%";
            where.append(" and ").append(SEARCHED).append(" like ? escape '\\'");
            args.add(like);
        }
        condition(where, args, "l.stage", stage);
        condition(where, args, "l.consent", consent);
        condition(where, args, "l.grade", grade);
        condition(where, args, "n.track", track);
        condition(where, args, "l.team", team);
        condition(where, args, "l.owner", owner);
        if (from != null) {
            where.append(" and l.created_at >= ?");
            args.add(Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant()));
        }
        if (to != null) {
            where.append(" and l.created_at < ?");
            args.add(Timestamp.from(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()));
        }
        return where.toString();
    }

    /** The filter as query parameters, to carry it to the next page or to the export. */
    public String query() {
        List<String> parts = new ArrayList<>();
        add(parts, "q", q);
        add(parts, "stage", stage);
        add(parts, "consent", consent);
        add(parts, "grade", grade);
        add(parts, "track", track);
        add(parts, "team", team);
        add(parts, "owner", owner);
        add(parts, "from", from == null ? null : from.toString());
        add(parts, "to", to == null ? null : to.toString());
        return String.join("&", parts);
    }

    private static void add(List<String> parts, String name, String value) {
        if (value != null) {
            parts.add(name + "=" + java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static void condition(StringBuilder where, List<Object> args, String column, String value) {
        if (value != null) {
            where.append(" and ").append(column).append(" = ?");
            args.add(value);
        }
    }

    private static String text(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (trimmed.length() > max || trimmed.chars().anyMatch(Character::isISOControl)) {
            throw InvalidInputException.of(field, "must be at most " + max + " characters without control characters");
        }
        return trimmed;
    }

    private static String grade(String value) {
        String grade = text("grade", value, 1);
        if (grade != null && !Character.isLetter(grade.charAt(0))) {
            throw InvalidInputException.of("grade", "must be one letter, such as A");
        }
        return grade == null ? null : grade.toUpperCase(Locale.ROOT);
    }

    private static String allowed(String field, String value, Enum<?>[] values) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String upper = value.trim().toUpperCase(Locale.ROOT);
        for (Enum<?> v : values) {
            if (v.name().equals(upper)) {
                return upper;
            }
        }
        throw InvalidInputException.of(field, "must be one of " + Arrays.toString(values));
    }

    private static LocalDate day(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw InvalidInputException.of(field, "must be a date such as 2026-11-01");
        }
    }
}
