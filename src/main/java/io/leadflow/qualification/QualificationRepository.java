package io.leadflow.qualification;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.leadflow.qualification.Qualification.Bant;
import io.leadflow.qualification.Qualification.Flag;

/** The {@code qualifications} table. */
@Repository
class QualificationRepository {

    private final JdbcClient jdbc;

    QualificationRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(Qualification q) {
        jdbc.sql("""
                insert into qualifications (id, lead_id, account_id, process_instance_id, route, route_reason, grade,
                                            team, source, campaign, flags, status, created_at, due_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(q.id(), q.leadId(), q.accountId(), q.processInstanceId(), q.route(), q.routeReason(),
                        q.grade(), q.team(), q.source(), q.campaign(), flags(q.flags()), q.status(),
                        ts(q.createdAt()), ts(q.dueAt()))
                .update();
    }

    Optional<Qualification> find(String id) {
        return jdbc.sql("select * from qualifications where id = ?").param(id)
                .query(QualificationRepository::map).optional();
    }

    Optional<Qualification> lock(String id) {
        return jdbc.sql("select * from qualifications where id = ? for update").param(id)
                .query(QualificationRepository::map).optional();
    }

    /** The desk's list: {@code OPEN} by deadline, {@code DONE} latest decided first. */
    List<Qualification> list(String status, int limit) {
        String order = Qualification.OPEN.equals(status) ? "due_at, created_at" : "decided_at desc, id";
        return jdbc.sql("select * from qualifications where route = 'DESK' and status = ? order by " + order
                        + " fetch first ? rows only")
                .params(status, limit).query(QualificationRepository::map).list();
    }

    long countOpen() {
        return jdbc.sql("select count(*) from qualifications where status = 'OPEN'").query(Long.class).single();
    }

    List<Qualification> ofLead(String leadId) {
        return jdbc.sql("select * from qualifications where lead_id = ? order by created_at, id").param(leadId)
                .query(QualificationRepository::map).list();
    }

    /** Those routed in [from, to), for the reports. */
    List<Qualification> createdBetween(Instant from, Instant to) {
        return jdbc.sql("select * from qualifications where created_at >= ? and created_at < ? order by created_at")
                .params(ts(from), ts(to)).query(QualificationRepository::map).list();
    }

    boolean decide(String id, Instant at, String by, String disposition, String reason, String duplicateOf,
            String routedTeam, Bant bant, String note) {
        return jdbc.sql("""
                update qualifications
                   set status = 'DONE', decided_at = ?, decided_by = ?, disposition = ?, reason = ?, duplicate_of = ?,
                       routed_team = ?, budget = ?, budget_range = ?, authority = ?, need = ?, timeline = ?, note = ?
                 where id = ? and status = 'OPEN'""")
                .params(ts(at), by, disposition, reason, duplicateOf, routedTeam, bant.budget(), bant.budgetRange(),
                        bant.authority(), bant.need(), bant.timeline(), note, id)
                .update() == 1;
    }

    boolean markBreached(String id, Instant at) {
        return jdbc.sql("update qualifications set breached_at = ? where id = ? and status = 'OPEN' and breached_at is null")
                .params(ts(at), id).update() == 1;
    }

    /** The person's words go with the person: the need and the note; the coded answers stay for the reports. */
    void forget(String leadId) {
        jdbc.sql("""
                update qualifications
                   set need = null, note = null, budget_range = null, flags = null, account_id = null, source = null,
                       campaign = null, duplicate_of = null,
                       status = case when status = 'OPEN' then 'CANCELLED' else status end
                 where lead_id = ?""").param(leadId).update();
    }

    private static String flags(List<Flag> flags) {
        if (flags == null || flags.isEmpty()) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (Flag f : flags) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(f.code()).append('|').append(f.detail() == null ? "" : f.detail().replace('\n', ' '));
        }
        return out.length() > 4000 ? out.substring(0, 4000) : out.toString();
    }

    private static List<Flag> flags(String text) {
        List<Flag> flags = new ArrayList<>();
        if (text == null) {
            return flags;
        }
        for (String line : text.split("\n")) {
            int bar = line.indexOf('|');
            flags.add(bar < 0 ? new Flag(line, null) : new Flag(line.substring(0, bar), line.substring(bar + 1)));
        }
        return flags;
    }

    private static Qualification map(ResultSet rs, int n) throws SQLException {
        return new Qualification(rs.getString("id"), rs.getString("lead_id"), rs.getString("account_id"),
                rs.getString("process_instance_id"), rs.getString("route"), rs.getString("route_reason"),
                rs.getString("grade"), rs.getString("team"), rs.getString("source"), rs.getString("campaign"),
                List.copyOf(flags(rs.getString("flags"))), rs.getString("status"), at(rs, "created_at"),
                at(rs, "due_at"), at(rs, "breached_at"), at(rs, "decided_at"), rs.getString("decided_by"),
                rs.getString("disposition"), rs.getString("reason"), rs.getString("duplicate_of"),
                rs.getString("routed_team"), new Bant(rs.getString("budget"), rs.getString("budget_range"),
                        rs.getString("authority"), rs.getString("need"), rs.getString("timeline")),
                rs.getString("note"));
    }

    private static Instant at(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
