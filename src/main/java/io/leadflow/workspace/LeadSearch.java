package io.leadflow.workspace;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.leadflow.platform.InvalidInputException;

/**
 * The leads list: a search with filters, sorted by score or by last activity, a page at a time. Paging is by keyset
 * (the last row's sort value and id, in an opaque cursor), so page 500 costs what page 1 costs and a lead that
 * changes meanwhile is neither skipped twice nor shown twice within one sort value.
 *
 * <p>Each sort is an indexed expression followed by the id, so that PostgreSQL walks an index from the cursor and
 * stops after one page instead of sorting every lead of the filter (V27, bench M14: a million leads): keep an
 * expression here and its index in the migrations identical, or the list scans the table again.
 */
@Service
public class LeadSearch {

    /**
     * How a list is sorted, highest first. {@code activity} is the lead's last change (score, stage, consent): the
     * column itself (never null), which {@code ix_leads_stage_activity} and {@code ix_leads_activity} serve;
     * {@code score} is served by an index on the same expression on PostgreSQL (H2 has no expression indexes).
     */
    public enum Sort {
        activity("l.updated_at"),
        score("(coalesce(l.fit_score, 0) + coalesce(l.engagement_score, 0))"),
        created("l.created_at");

        final String expression;

        Sort(String expression) {
            this.expression = expression;
        }

        static Sort of(String value) {
            if (value == null || value.isBlank()) {
                return activity;
            }
            for (Sort s : values()) {
                if (s.name().equalsIgnoreCase(value.trim())) {
                    return s;
                }
            }
            throw InvalidInputException.of("sort", "must be activity, score or created");
        }
    }

    /** One lead of the list, with what a list shows. {@code score} is fit plus engagement as last computed. */
    public record Row(String id, String email, String name, String company, String stage, String consent, String grade,
            Integer fit, Double engagement, double score, String team, String owner, String track, Instant createdAt,
            Instant lastActivityAt) {
    }

    /** @param next the cursor of the next page, or null on the last one */
    public record Page(List<Row> leads, String sort, String next) {
    }

    public static final int MAX_PAGE = 200;

    private final JdbcClient jdbc;

    LeadSearch(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Page search(LeadFilter filter, String sortName, String after, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw InvalidInputException.of("limit", "must be between 1 and " + MAX_PAGE);
        }
        Sort sort = Sort.of(sortName);
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("""
                select l.id, l.email, l.first_name, l.last_name, l.company, l.stage, l.consent, l.grade, l.fit_score,
                       l.engagement_score, l.team, l.owner, n.track, l.created_at,
                       l.updated_at as last_activity, %s as sort_value
                  from leads l left join nurture_status n on n.lead_id = l.id""".formatted(sort.expression));
        sql.append(filter.where(args));
        if (after != null && !after.isBlank()) {
            Cursor cursor = Cursor.decode(after, sort);
            // a row comparison, not "value < ? or (value = ? and id < ?)": PostgreSQL starts the index scan at it
            sql.append(" and (").append(sort.expression).append(", l.id) < (?, ?)");
            args.add(cursor.value());
            args.add(cursor.id());
        }
        sql.append(" order by sort_value desc, l.id desc fetch first ").append(limit + 1).append(" rows only");
        List<Object[]> keys = new ArrayList<>();
        List<Row> rows = jdbc.sql(sql.toString()).params(args).query((rs, i) -> {
            keys.add(new Object[] {sort == Sort.score ? (Object) rs.getDouble("sort_value") : rs.getTimestamp("sort_value"),
                    rs.getString("id")});
            String name = String.join(" ", java.util.stream.Stream.of(rs.getString("first_name"),
                    rs.getString("last_name")).filter(s -> s != null && !s.isBlank()).toList());
            Integer fit = rs.getObject("fit_score", Integer.class);
            Double engagement = rs.getObject("engagement_score", Double.class);
            return new Row(rs.getString("id"), rs.getString("email"), name.isEmpty() ? null : name,
                    rs.getString("company"), rs.getString("stage"), rs.getString("consent"), rs.getString("grade"), fit,
                    engagement, (fit == null ? 0 : fit) + (engagement == null ? 0 : engagement), rs.getString("team"),
                    rs.getString("owner"), rs.getString("track"), rs.getTimestamp("created_at").toInstant(),
                    rs.getTimestamp("last_activity").toInstant());
        }).list();
        String next = null;
        if (rows.size() > limit) {
            rows = rows.subList(0, limit);
            Object[] last = keys.get(limit - 1);
            next = Cursor.encode(sort, last[0], (String) last[1]);
        }
        return new Page(List.copyOf(rows), sort.name(), next);
    }

    /** The last row's sort value and id, as an opaque URL-safe token. */
    record Cursor(Object value, String id) {

        static String encode(Sort sort, Object value, String id) {
            String text = value instanceof Timestamp t ? t.toInstant().toString() : String.valueOf(value);
            return Base64.getUrlEncoder().withoutPadding().encodeToString((sort.name() + "|" + text + "|" + id)
                    .getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String token, Sort sort) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(token.trim()), StandardCharsets.UTF_8)
                        .split("\\|", 3);
                if (parts.length != 3 || !parts[0].equals(sort.name())) {
                    throw new IllegalArgumentException("another sort");
                }
                Object value = sort == Sort.score ? (Object) Double.valueOf(parts[1])
                        : Timestamp.from(Instant.parse(parts[1]));
                return new Cursor(value, parts[2]);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw InvalidInputException.of("after", "is not a cursor of this list and sort: take the 'next' of "
                        + "the previous page, with the same sort");
            }
        }
    }
}
