package io.leadflow.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Copies one real journey, row by row, {@code n} times in SQL: how M10 fills a database with a million waiting leads
 * in minutes, where capturing them would take hours. The template is a lead (our rows with its {@code lead_id}) and
 * its process instances (every engine row whose process instance is one of them, runtime and history alike), or a
 * raw instance alone. Copy {@code g} maps every id the template's rows hold to {@code md5(id || ':' || g)} read as a
 * UUID, in whichever column it appears (business keys, variables, references between rows), so each copy is a
 * journey of its own that the engine and Leadflow see as they would a real one: it correlates, its timer fires, its
 * step sends an email.
 *
 * <p>What is not a faithful copy: the consent ledger's copied rows keep the template's hashes, so the chain does not
 * verify over them (nothing in the bench verifies it); each copy's address is {@code m10-<g>-} and the template's.
 */
final class JourneyCloner {

    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9:._-]+");
    private static final List<String> INSTANCE_COLUMNS = List.of("root_proc_inst_id_", "proc_inst_id_",
            "process_instance_id_");

    private final JdbcTemplate jdbc;
    private final List<Table> tables = new ArrayList<>();
    private final String idArray;

    /**
     * One table's copy: the rows of the template it holds, the columns a copy writes (its text columns may hold ids),
     * and the columns whose value a copy computes otherwise.
     */
    private record Table(String name, String where, List<String> columns, Set<String> text,
            Map<String, String> overrides) {
    }

    /**
     * @param leadId the template lead, or null for a raw instance without our rows
     * @param instances the template's process instance ids
     * @param moreIds other ids each copy has its own of (a raw instance's business key)
     */
    JourneyCloner(JdbcTemplate jdbc, String leadId, List<String> instances, String... moreIds) {
        this.jdbc = jdbc;
        String inInstances = sqlList(instances);
        Set<String> ids = new LinkedHashSet<>(instances);
        if (leadId != null) {
            ids.add(leadId);
        }
        ids.addAll(List.of(moreIds));
        for (String table : jdbc.queryForList("""
                select table_name from information_schema.tables
                 where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name""",
                String.class)) {
            List<Map<String, Object>> columns = jdbc.queryForList("""
                    select column_name, data_type, is_identity, column_default from information_schema.columns
                     where table_schema = current_schema() and table_name = ? order by ordinal_position""", table);
            List<String> names = columns.stream().map(c -> (String) c.get("column_name")).toList();
            String where = null;
            if (table.startsWith("act_")) {
                for (String column : INSTANCE_COLUMNS) {
                    if (names.contains(column)) {
                        where = (where == null ? "" : where + " or ") + "t." + column + " in (" + inInstances + ")";
                    }
                }
            } else if (leadId != null && table.equals("leads")) {
                where = "t.id = " + literal(leadId);
            } else if (leadId != null && names.contains("lead_id")) {
                where = "t.lead_id = " + literal(leadId);
            }
            if (where == null || count(table, where) == 0) {
                continue;
            }
            List<String> copied = new ArrayList<>();
            Set<String> text = new java.util.HashSet<>();
            for (Map<String, Object> c : columns) {
                String name = (String) c.get("column_name");
                Object defaultValue = c.get("column_default");
                boolean generated = "YES".equals(c.get("is_identity"))
                        || defaultValue != null && defaultValue.toString().startsWith("nextval(");
                if (!generated) {
                    copied.add(name);
                }
                String type = (String) c.get("data_type");
                if (type.contains("character") || type.equals("text")) {
                    text.add(name);
                }
                if ((name.equals("id") || name.equals("id_")) && !generated) {
                    ids.addAll(jdbc.queryForList("select t." + name + "::text from " + table + " t where " + where,
                            String.class));
                }
            }
            tables.add(new Table(table, where, copied, text, overrides(table)));
        }
        // rows that others reference first (foreign keys are checked at each statement's end)
        List<String> first = List.of("leads", "act_ge_bytearray", "act_ru_execution");
        tables.sort(java.util.Comparator.comparingInt((Table t) -> first.contains(t.name()) ? first.indexOf(t.name())
                : first.size()).thenComparing(Table::name));
        ids.forEach(id -> {
            if (!SAFE_ID.matcher(id).matches()) {
                throw new IllegalStateException("The template holds an id the cloner cannot quote: " + id);
            }
        });
        this.idArray = "'{" + String.join(",", ids) + "}'::text[]";
    }

    /** Columns a plain copy would break: unique values that are not ids, and the ledger's sequence. */
    private Map<String, String> overrides(String table) {
        return switch (table) {
            case "leads" -> Map.of("email", "'m10-' || g || '-' || t.email");
            case "consent_tokens" -> Map.of("token_hash",
                    "encode(sha256(convert_to(t.token_hash || ':' || g, 'UTF8')), 'hex')");
            case "consent_ledger" -> Map.of("seq", "(select coalesce(max(seq), 0) from consent_ledger) + t.ledger_rank");
            default -> Map.of();
        };
    }

    /** The template's rows, per table: what one waiting journey is made of. */
    Map<String, Long> rowsPerJourney() {
        Map<String, Long> rows = new java.util.TreeMap<>();
        tables.forEach(t -> rows.put(t.name(), count(t.name(), t.where())));
        return rows;
    }

    /**
     * Copies {@code from..to} (inclusive), each copy's timers due at {@code dueAt} (an SQL expression of {@code g}, the
     * copy's number), in one transaction per table.
     */
    void copy(int from, int to, String dueAt) {
        for (Table table : tables) {
            List<String> expressions = new ArrayList<>();
            for (String column : table.columns()) {
                String override = table.overrides().get(column);
                if (override != null) {
                    expressions.add(override);
                } else if (table.name().equals("act_ru_job") && column.equals("duedate_")) {
                    expressions.add("case when t.type_ = 'timer' then " + dueAt + " else t.duedate_ end");
                } else if (table.text().contains(column)) {
                    expressions.add("case when t." + column + " = any(" + idArray + ") then md5(t." + column
                            + " || ':' || g)::uuid::text else t." + column + " end");
                } else {
                    expressions.add("t." + column);
                }
            }
            String source = table.name() + " t cross join generate_series(" + from + ", " + to + ") g where "
                    + table.where();
            if (!table.name().equals("consent_ledger")) {
                jdbc.update(insert(table, expressions, source));
                continue;
            }
            // the ledger's sequence goes on from its end, in the template's order within each copy
            String insert = insert(table, expressions,
                    "(select t.*, g, row_number() over (order by g, t.seq) as ledger_rank from " + source + ") t");
            jdbc.execute((org.springframework.jdbc.core.ConnectionCallback<Void>) connection -> {
                connection.setAutoCommit(false);
                try (var statement = connection.createStatement()) {
                    // the sealer appends at the chain's head: the copies go on from its end, and the head with them
                    statement.execute("lock table consent_ledger_head in exclusive mode");
                    statement.executeUpdate(insert);
                    statement.executeUpdate("update consent_ledger_head set last_seq = (select max(seq)"
                            + " from consent_ledger) where id = 1");
                    connection.commit();
                } catch (java.sql.SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
                return null;
            });
        }
    }

    private static String insert(Table table, List<String> expressions, String source) {
        return "insert into " + table.name() + " (" + String.join(", ", table.columns()) + ") select "
                + String.join(", ", expressions) + " from " + source;
    }

    /** Copy {@code g}'s id for the template's {@code id}, as the copies hold it. */
    String idOf(String id, int g) {
        return jdbc.queryForObject("select md5(? || ':' || ?)::uuid::text", String.class, id, g);
    }

    /** The ids of copies {@code from..to} of the template's {@code id}, as an SQL sub-select. */
    static String idsOf(String id, int from, int to) {
        return "select md5(" + literal(id) + " || ':' || g)::uuid::text from generate_series(" + from + ", " + to
                + ") g";
    }

    private long count(String table, String where) {
        Long n = jdbc.queryForObject("select count(*) from " + table + " t where " + where, Long.class);
        return n == null ? 0 : n;
    }

    private static String sqlList(List<String> values) {
        return String.join(", ", values.stream().map(JourneyCloner::literal).toList());
    }

    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
