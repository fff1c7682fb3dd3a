package io.leadflow.experiment;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.leadflow.platform.Texts;

/** The tables {@code experiments}, {@code experiment_variants} and {@code experiment_assignments}. */
@Repository
class ExperimentRepository {

    private final JdbcClient jdbc;

    ExperimentRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Adds the experiment of a plan seen for the first time. Deployments are one at a time in the cluster (the
     * engine's deployment lock), and a split runs after its deployment committed: two nodes do not add the same one.
     */
    void insertIfAbsent(ExperimentPlan plan, String processKey, String activityId, Instant now) {
        jdbc.sql("""
                insert into experiments (experiment_key, process_key, activity_id, metric, window_iso, min_leads,
                                         on_decision, confidence, guard_rate, state, started_at, updated_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', ?, ?)""")
                .params(plan.key(), processKey, activityId, plan.metric().name(), plan.window(), plan.minLeads(),
                        plan.onDecision().name(), plan.confidence(), plan.guardRate(), Timestamp.from(now),
                        Timestamp.from(now))
                .update();
        int position = 0;
        for (var variant : plan.variants().entrySet()) {
            jdbc.sql("""
                    insert into experiment_variants (experiment_key, variant, position, weight)
                    values (?, ?, ?, ?)""")
                    .params(plan.key(), variant.getKey(), position++, variant.getValue()).update();
        }
    }

    /** A later model version changed the plan: its settings and weights apply from now on, the state stays. */
    void updatePlan(ExperimentPlan plan, String processKey, String activityId, Instant now) {
        jdbc.sql("""
                update experiments set process_key = ?, activity_id = ?, metric = ?, window_iso = ?, min_leads = ?,
                                       on_decision = ?, confidence = ?, guard_rate = ?, updated_at = ?
                 where experiment_key = ?""")
                .params(processKey, activityId, plan.metric().name(), plan.window(), plan.minLeads(),
                        plan.onDecision().name(), plan.confidence(), plan.guardRate(), Timestamp.from(now), plan.key())
                .update();
        jdbc.sql("update experiment_variants set weight = 0 where experiment_key = ?").param(plan.key()).update();
        int position = 0;
        for (var variant : plan.variants().entrySet()) {
            int updated = jdbc.sql("""
                    update experiment_variants set weight = ?, position = ? where experiment_key = ? and variant = ?""")
                    .params(variant.getValue(), position, plan.key(), variant.getKey()).update();
            if (updated == 0) {
                jdbc.sql("""
                        insert into experiment_variants (experiment_key, variant, position, weight)
                        values (?, ?, ?, ?)""")
                        .params(plan.key(), variant.getKey(), position, variant.getValue()).update();
            }
            position++;
        }
    }

    Optional<Experiment> find(String key) {
        return jdbc.sql("select * from experiments where experiment_key = ?").param(key)
                .query((rs, n) -> experiment(rs, variants(key))).optional();
    }

    /** The experiment, its row locked until the transaction ends: one node decides, once. */
    Optional<Experiment> lock(String key) {
        return jdbc.sql("select * from experiments where experiment_key = ? for update").param(key)
                .query((rs, n) -> experiment(rs, variants(key))).optional();
    }

    List<Experiment> all() {
        List<String> keys = jdbc.sql("select experiment_key from experiments order by started_at desc, experiment_key")
                .query(String.class).list();
        return keys.stream().map(this::find).flatMap(Optional::stream).toList();
    }

    List<String> running() {
        return jdbc.sql("select experiment_key from experiments where state = 'RUNNING' order by experiment_key")
                .query(String.class).list();
    }

    private List<Experiment.Variant> variants(String key) {
        return jdbc.sql("""
                select variant, weight, stopped_at, stop_reason from experiment_variants
                 where experiment_key = ? order by position, variant""").param(key)
                .query((rs, n) -> new Experiment.Variant(rs.getString("variant"), rs.getInt("weight"),
                        instant(rs, "stopped_at"), rs.getString("stop_reason")))
                .list();
    }

    Optional<String> assignment(String key, String leadId) {
        return jdbc.sql("select variant from experiment_assignments where experiment_key = ? and lead_id = ?")
                .params(key, leadId).query(String.class).optional();
    }

    /**
     * Records the lead's variant. A lead runs one journey of a kind at a time, so two steps do not draw it at once; if
     * they did, the second fails on the primary key and its retry finds the first one's variant.
     */
    void assign(String key, String leadId, String variant, boolean inSample, Instant now, Instant windowEnds) {
        jdbc.sql("""
                insert into experiment_assignments (experiment_key, lead_id, variant, in_sample, assigned_at,
                                                    window_ends_at)
                values (?, ?, ?, ?, ?, ?)""")
                .params(key, leadId, variant, inSample, Timestamp.from(now), Timestamp.from(windowEnds)).update();
    }

    /** Each variant's leads routed outside the sample (by the winner or the control), for the report. */
    Map<String, Long> routedOutsideSample(String key) {
        Map<String, Long> routed = new LinkedHashMap<>();
        jdbc.sql("""
                select variant, count(*) as n from experiment_assignments
                 where experiment_key = ? and in_sample = false group by variant""").param(key)
                .query((rs, n) -> routed.put(rs.getString("variant"), rs.getLong("n"))).list();
        return routed;
    }

    void stopVariant(String key, String variant, String reason, Instant now) {
        jdbc.sql("""
                update experiment_variants set stopped_at = ?, stop_reason = ?
                 where experiment_key = ? and variant = ? and stopped_at is null""")
                .params(Timestamp.from(now), Texts.truncate(reason, 1000), key, variant).update();
    }

    void conclude(String key, Experiment.State state, String winner, String by, String note, String figures,
            Instant now) {
        jdbc.sql("""
                update experiments set state = ?, winner = ?, decided_at = ?, decided_by = ?, decision_note = ?,
                                       decision_figures = ?, updated_at = ?
                 where experiment_key = ?""")
                .params(state.name(), winner, Timestamp.from(now), Texts.truncate(by, 100),
                        Texts.truncate(note, 2000), Texts.truncate(figures, 4000), Timestamp.from(now), key)
                .update();
    }

    private static Experiment experiment(ResultSet rs, List<Experiment.Variant> variants) throws SQLException {
        Map<String, Integer> weights = new LinkedHashMap<>();
        variants.forEach(v -> weights.put(v.name(), Math.max(v.weight(), 1)));
        var plan = new ExperimentPlan(rs.getString("experiment_key"), weights,
                ExperimentPlan.Metric.valueOf(rs.getString("metric")), rs.getString("window_iso"),
                rs.getInt("min_leads"), ExperimentPlan.OnDecision.valueOf(rs.getString("on_decision")),
                rs.getDouble("confidence"), rs.getDouble("guard_rate"));
        return new Experiment(plan, rs.getString("process_key"), rs.getString("activity_id"),
                Experiment.State.valueOf(rs.getString("state")), rs.getString("winner"), instant(rs, "decided_at"),
                rs.getString("decided_by"), rs.getString("decision_note"), rs.getString("decision_figures"),
                instant(rs, "started_at"), new ArrayList<>(variants));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
