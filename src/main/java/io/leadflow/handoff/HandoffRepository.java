package io.leadflow.handoff;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

@Repository
class HandoffRepository {

    private static final TypeReference<List<Routing.Candidate>> CANDIDATES = new TypeReference<>() {
    };
    /** Enough for every rep of a few large teams; a longer list is cut, its reason still says who got the lead. */
    private static final int CANDIDATES_LENGTH = 16000;

    private final JdbcClient jdbc;
    private final TransactionTemplate ownTransaction;
    private final ObjectMapper json;

    HandoffRepository(JdbcClient jdbc, PlatformTransactionManager transactions, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(
                TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    void insert(Handoff h) {
        jdbc.sql("""
                insert into handoffs (id, lead_id, team, owner, grade, status, created_at, due_at, remind_at,
                                      escalate_at, reassign_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(h.id(), h.leadId(), h.team(), h.owner(), h.grade(), h.status().name(), ts(h.createdAt()),
                        ts(h.dueAt()), ts(h.remindAt()), ts(h.ladder().escalateAt()), ts(h.ladder().reassignAt()))
                .update();
    }

    Optional<Handoff> find(String id) {
        return jdbc.sql("select * from handoffs where id = ?").param(id).query(HandoffRepository::map).optional();
    }

    Optional<Handoff> lock(String id) {
        return jdbc.sql("select * from handoffs where id = ? for update").param(id).query(HandoffRepository::map)
                .optional();
    }

    List<Handoff> byStatus(List<String> statuses) {
        return jdbc.sql("select * from handoffs where status in (:statuses) order by due_at")
                .param("statuses", statuses).query(HandoffRepository::map).list();
    }

    /** The lead's first handoff opened at or after the instant. */
    Optional<Handoff> firstForLeadSince(String leadId, Instant since) {
        return jdbc.sql("select * from handoffs where lead_id = ? and created_at >= ? order by created_at, id"
                        + " fetch first 1 rows only")
                .params(leadId, java.sql.Timestamp.from(since)).query(HandoffRepository::map).optional();
    }

    /** The lead's most recent handoff (a recycled lead may have had earlier ones). */
    Optional<Handoff> latestForLead(String leadId) {
        return jdbc.sql("select * from handoffs where lead_id = ? order by created_at desc").param(leadId)
                .query(HandoffRepository::map).list().stream().findFirst();
    }

    int countOpen() {
        return jdbc.sql("select count(*) from handoffs where status in ('OPEN', 'ACCEPTED', 'CRM_FAILED')")
                .query(Integer.class).single();
    }

    /** Open handoffs (waiting for sales or accepted) per team and owner, in one query for the teams overview. */
    Map<String, Map<String, Integer>> countOpenPerTeamAndOwner() {
        Map<String, Map<String, Integer>> counts = new HashMap<>();
        jdbc.sql("""
                select team, owner, count(*) as open_handoffs from handoffs
                 where status in ('OPEN', 'ACCEPTED', 'CRM_FAILED') and owner is not null group by team, owner""")
                .query(rs -> {
                    counts.computeIfAbsent(rs.getString("team"), t -> new HashMap<>())
                            .put(rs.getString("owner"), rs.getInt("open_handoffs"));
                });
        return counts;
    }

    void update(String id, Handoff.Status status, Instant acceptedAt, Instant closedAt, String reason,
            String opportunityId) {
        jdbc.sql("""
                update handoffs set status = ?, accepted_at = coalesce(accepted_at, ?), closed_at = ?,
                       reject_reason = ?, opportunity_id = ? where id = ?""")
                .params(status.name(), ts(acceptedAt), ts(closedAt), reason, opportunityId, id).update();
    }

    void setStatus(String id, Handoff.Status status, String crmError) {
        jdbc.sql("update handoffs set status = ?, crm_error = ? where id = ?").params(status.name(), crmError, id)
                .update();
    }

    boolean markBreached(String id, Instant now) {
        return jdbc.sql("update handoffs set breached_at = ? where id = ? and breached_at is null and status = 'OPEN'")
                .params(ts(now), id).update() == 1;
    }

    boolean markReminded(String id, Instant now) {
        return jdbc.sql("update handoffs set reminded_at = ? where id = ? and reminded_at is null and status = 'OPEN'")
                .params(ts(now), id).update() == 1;
    }

    boolean markEscalated(String id, Instant now) {
        return jdbc.sql("""
                update handoffs set escalated_at = ?, escalation_level = case when escalation_level < 1 then 1
                       else escalation_level end
                 where id = ? and escalated_at is null and status = 'OPEN'""").params(ts(now), id).update() == 1;
    }

    void reassign(String id, String team, String owner, String previousOwner, Instant now) {
        jdbc.sql("""
                update handoffs set team = ?, owner = ?, previous_owner = ?, reassigned_at = ?,
                       escalation_level = case when escalation_level < 2 then 2 else escalation_level end
                 where id = ?""").params(team, owner, previousOwner, ts(now), id).update();
    }

    /** Open handoffs (waiting for sales or accepted) of each of these users, in every team. */
    Map<String, Integer> openPerOwner(List<String> users) {
        Map<String, Integer> counts = new HashMap<>();
        if (users.isEmpty()) {
            return counts;
        }
        jdbc.sql("""
                select owner, count(*) from handoffs
                 where status in ('OPEN', 'ACCEPTED', 'CRM_FAILED') and owner in (:users) group by owner""")
                .param("users", users).query(rs -> {
                    counts.put(rs.getString(1), rs.getInt(2));
                });
        return counts;
    }

    void insertRouting(String handoffId, Routing r) {
        String candidates;
        try {
            List<Routing.Candidate> kept = r.candidates();
            candidates = json.writeValueAsString(kept);
            while (candidates.length() > CANDIDATES_LENGTH && !kept.isEmpty()) {
                kept = kept.subList(0, kept.size() / 2);
                candidates = json.writeValueAsString(kept);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        jdbc.sql("""
                insert into handoff_routings (id, handoff_id, step, decided_at, rule, table_team, team,
                                              fallback_team, fallback_used, owner, reason, clock_starts_at, candidates)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(java.util.UUID.randomUUID().toString(), handoffId, r.step(), ts(r.decidedAt()), r.rule(),
                        r.tableTeam(), r.team(), r.fallbackTeam(), r.fallbackUsed(), r.owner(), r.reason(), ts(r.clockStartsAt()),
                        candidates)
                .update();
    }

    /** Records the first touch unless one is recorded already; false then. */
    boolean firstTouch(String id, Instant at, String activity) {
        return jdbc.sql("""
                update handoffs set first_touch_at = ?, first_touch_activity = ? where id = ? and first_touch_at is null""")
                .params(ts(at), activity, id).update() == 1;
    }

    /**
     * Creates the opportunity or moves it on: a status already {@code WON} or {@code LOST} stays unless the event
     * closes it again (a CRM may deliver "created" after "won"); an amount, currency, close date the event leaves
     * out stay as they were.
     */
    void upsertOpportunity(String leadId, String accountId, String handoffId, Opportunity o, String eventId,
            Instant now) {
        int updated = jdbc.sql("""
                update opportunities
                   set status = case when ? = 'OPEN' then status else ? end,
                       amount = coalesce(?, amount), currency = coalesce(?, currency),
                       close_date = coalesce(?, close_date), lost_reason = coalesce(?, lost_reason),
                       closed_at = case when ? = 'OPEN' then closed_at else ? end,
                       updated_at = ?, last_event_id = ?
                 where id = ?""")
                .params(o.status(), o.status(), o.amount(), o.currency(), date(o.closeDate()), o.lostReason(),
                        o.status(), ts(o.at()), ts(now), eventId, o.id())
                .update();
        if (updated == 0) {
            jdbc.sql("""
                    insert into opportunities (id, lead_id, account_id, handoff_id, status, amount, currency, close_date,
                                               lost_reason, created_at, closed_at, updated_at, last_event_id)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(o.id(), leadId, accountId, handoffId, o.status(), o.amount(), o.currency(),
                            date(o.closeDate()), o.lostReason(), ts(o.at()),
                            "OPEN".equals(o.status()) ? null : ts(o.at()), ts(now), eventId)
                    .update();
        }
    }

    List<Opportunity> opportunitiesOfHandoffs(List<String> handoffIds) {
        if (handoffIds.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("select * from opportunities where handoff_id in (:ids)").param("ids", handoffIds)
                .query(HandoffRepository::opportunity).list();
    }

    List<Opportunity> openOpportunitiesOfAccount(String accountId) {
        return jdbc.sql("select * from opportunities where account_id = ? and status = 'OPEN' order by created_at")
                .param(accountId).query(HandoffRepository::opportunity).list();
    }

    List<Opportunity> opportunitiesOfLead(String leadId) {
        return jdbc.sql("select * from opportunities where lead_id = ? order by created_at").param(leadId)
                .query(HandoffRepository::opportunity).list();
    }

    private static Opportunity opportunity(ResultSet rs, int n) throws SQLException {
        java.sql.Date close = rs.getDate("close_date");
        return new Opportunity(rs.getString("id"), rs.getString("handoff_id"), rs.getString("status"),
                rs.getBigDecimal("amount"), rs.getString("currency"), close == null ? null : close.toLocalDate(),
                rs.getString("lost_reason"), at(rs, "created_at"), at(rs, "closed_at"));
    }

    private static java.sql.Date date(java.time.LocalDate d) {
        return d == null ? null : java.sql.Date.valueOf(d);
    }

    /** How the handoff was routed, assignment first. */
    List<Routing> routings(String handoffId) {
        return jdbc.sql("""
                select step, decided_at, rule, table_team, team, fallback_team, fallback_used, owner, reason, clock_starts_at,
                       candidates
                  from handoff_routings where handoff_id = ? order by decided_at, step""").param(handoffId)
                .query((rs, n) -> {
                    List<Routing.Candidate> candidates;
                    try {
                        candidates = json.readValue(rs.getString("candidates"), CANDIDATES);
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException("Routing of handoff " + handoffId + " unreadable", e);
                    }
                    return new Routing(rs.getString("step"), at(rs, "decided_at"), rs.getString("rule"),
                            rs.getString("table_team"), rs.getString("team"), rs.getString("fallback_team"), rs.getBoolean("fallback_used"),
                            rs.getString("owner"), rs.getString("reason"), at(rs, "clock_starts_at"), candidates);
                }).list();
    }


    /** Handoffs created in [from, to), for reports. */
    List<Handoff> createdBetween(Instant from, Instant to) {
        return jdbc.sql("select * from handoffs where created_at >= ? and created_at < ? order by created_at")
                .params(ts(from), ts(to)).query(HandoffRepository::map).list();
    }

    /** Next rep of a team in turn; the cursor row is locked so nodes and restarts keep the rotation fair. */
    int nextIndex(String team) {
        List<Integer> current = jdbc.sql("select next_index from team_cursor where team = ? for update").param(team)
                .query(Integer.class).list();
        if (current.isEmpty()) {
            // A team's first handoff: the row is created in a transaction of its own, because on PostgreSQL a
            // failed insert (another node created it at the same moment) would abort the handoff's transaction.
            ownTransaction.executeWithoutResult(s -> {
                try {
                    jdbc.sql("insert into team_cursor (team, next_index) values (?, 0)").param(team).update();
                } catch (DuplicateKeyException raced) {
                    s.setRollbackOnly();
                }
            });
            return nextIndex(team);
        }
        jdbc.sql("update team_cursor set next_index = next_index + 1 where team = ?").param(team).update();
        return current.get(0);
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant at(ResultSet rs, String c) throws SQLException {
        Timestamp t = rs.getTimestamp(c);
        return t == null ? null : t.toInstant();
    }

    private static Handoff map(ResultSet rs, int n) throws SQLException {
        return new Handoff(rs.getString("id"), rs.getString("lead_id"), rs.getString("team"), rs.getString("owner"),
                rs.getString("grade"), Handoff.Status.valueOf(rs.getString("status")), at(rs, "created_at"),
                at(rs, "due_at"), at(rs, "remind_at"), at(rs, "breached_at"), rs.getInt("escalation_level"),
                at(rs, "accepted_at"), at(rs, "closed_at"), rs.getString("reject_reason"),
                rs.getString("opportunity_id"), new Handoff.Ladder(at(rs, "escalate_at"), at(rs, "reassign_at"),
                        at(rs, "reminded_at"), at(rs, "escalated_at"), at(rs, "reassigned_at"),
                        rs.getString("previous_owner")),
                at(rs, "first_touch_at") == null ? null
                        : new Handoff.FirstTouch(at(rs, "first_touch_at"), rs.getString("first_touch_activity")));
    }
}
