package io.leadflow.analytics;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.leadflow.experiment.ExperimentOutcomes;
import io.leadflow.experiment.ExperimentPlan;

/**
 * The figures of an experiment's variants, from the tables of the modules that own each outcome: marketing emails
 * sent (the outbox, test emails excluded), clicks (engagement events), unsubscribes (the consent ledger, its entries
 * not sealed yet included, so the guard acts at once), complaints
 * (bounce reports), MQLs and SQLs (stage history), each counted per lead within its window after the split.
 */
@Component
class ExperimentFigures implements ExperimentOutcomes {

    private final JdbcClient jdbc;

    ExperimentFigures(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Map<String, Figures> figures(String experimentKey, Instant now) {
        Map<String, Figures> figures = new LinkedHashMap<>();
        jdbc.sql("""
                select variant, count(*) as leads, sum(matured) as matured, sum(emails) as emails,
                       sum(clicked) as clicked, sum(unsubscribed) as unsubscribed, sum(complained) as complained,
                       sum(mql) as mqls, sum(sqlz) as sqls, sum(matured * clicked) as matured_clicked,
                       sum(matured * mql) as matured_mqls, sum(matured * sqlz) as matured_sqls
                  from (select a.variant,
                               case when a.window_ends_at <= ? then 1 else 0 end as matured,
                               (select count(*) from email_outbox o
                                 where o.lead_id = a.lead_id and o.status = 'SENT' and o.to_address is null
                                   and o.sent_at >= a.assigned_at and o.sent_at < a.window_ends_at) as emails,
                               case when exists (select 1 from engagement_events e
                                                  where e.lead_id = a.lead_id and e.type = 'EMAIL_CLICKED'
                                                    and e.occurred_at >= a.assigned_at
                                                    and e.occurred_at < a.window_ends_at) then 1 else 0 end as clicked,
                               case when exists (select 1 from consent_ledger c
                                                  where c.lead_id = a.lead_id and c.event = 'UNSUBSCRIBED'
                                                    and c.occurred_at >= a.assigned_at
                                                    and c.occurred_at < a.window_ends_at)
                                         or exists (select 1 from consent_ledger_pending p
                                                  where p.lead_id = a.lead_id and p.event = 'UNSUBSCRIBED'
                                                    and p.occurred_at >= a.assigned_at
                                                    and p.occurred_at < a.window_ends_at) then 1 else 0 end
                                   as unsubscribed,
                               case when exists (select 1 from email_bounces b
                                                  where b.lead_id = a.lead_id and b.kind = 'COMPLAINT'
                                                    and b.received_at >= a.assigned_at
                                                    and b.received_at < a.window_ends_at) then 1 else 0 end
                                   as complained,
                               case when exists (select 1 from stage_history h
                                                  where h.lead_id = a.lead_id and h.stage = 'MQL'
                                                    and h.entered_at >= a.assigned_at
                                                    and h.entered_at < a.window_ends_at) then 1 else 0 end as mql,
                               case when exists (select 1 from stage_history h
                                                  where h.lead_id = a.lead_id and h.stage = 'SQL'
                                                    and h.entered_at >= a.assigned_at
                                                    and h.entered_at < a.window_ends_at) then 1 else 0 end as sqlz
                          from experiment_assignments a
                         where a.experiment_key = ? and a.in_sample = true) x
                 group by variant""")
                .params(Timestamp.from(now), experimentKey)
                .query((rs, n) -> {
                    Map<ExperimentPlan.Metric, Long> hits = new EnumMap<>(ExperimentPlan.Metric.class);
                    hits.put(ExperimentPlan.Metric.CLICK, rs.getLong("matured_clicked"));
                    hits.put(ExperimentPlan.Metric.MQL, rs.getLong("matured_mqls"));
                    hits.put(ExperimentPlan.Metric.SQL, rs.getLong("matured_sqls"));
                    return figures.put(rs.getString("variant"), new Figures(rs.getLong("leads"),
                            rs.getLong("matured"), rs.getLong("emails"), rs.getLong("clicked"),
                            rs.getLong("unsubscribed"), rs.getLong("complained"), rs.getLong("mqls"),
                            rs.getLong("sqls"), hits));
                })
                .list();
        return figures;
    }
}
