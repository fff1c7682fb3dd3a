package io.leadflow.retention;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The leads a retention rule finds silent: not erased, in one of its stages and consents, captured and confirmed
 * before the rule's horizon, without an engagement event since (clicks and opens are events), and not asked by
 * retention since (a lead that answered, or whose notice was closed, counts as heard from then). The preview and
 * the run read the same condition.
 */
@Component
class InactiveLeads {

    private static final String SILENT = """
             where l.erased_at is null and l.stage in (:stages) and l.consent in (:consents)
               and l.created_at < :since and (l.confirmed_at is null or l.confirmed_at < :since)
               and not exists (select 1 from engagement_events e where e.lead_id = l.id and e.occurred_at >= :since)
               and not exists (select 1 from retention_notices r where r.lead_id = l.id
                                and (r.status = 'WARNED' or r.warned_at >= :since or r.decided_at >= :since))""";

    /** A handoff sales still works on: retention leaves its lead alone. */
    static final String WITH_SALES = """
            exists (select 1 from handoffs h where h.lead_id = l.id and h.status in ('OPEN', 'ACCEPTED', 'CRM_FAILED'))""";

    private final JdbcClient jdbc;

    InactiveLeads(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The instant before which the rule's leads showed no sign of life. */
    static Instant horizon(RetentionSettings.Rule rule, Instant now) {
        return now.atZone(ZoneOffset.UTC).minus(rule.inactiveAfter()).toInstant();
    }

    /** @param leads silent leads the rule would touch; {@code withSales} silent ones it leaves to sales */
    record Count(long leads, long withSales) {
    }

    Count count(RetentionSettings.Rule rule, Instant now) {
        return jdbc.sql("select count(*), coalesce(sum(case when " + WITH_SALES + " then 1 else 0 end), 0)"
                + " from leads l " + SILENT).param("stages", rule.stages()).param("consents", rule.consents())
                .param("since", Timestamp.from(horizon(rule, now)))
                .query((rs, n) -> new Count(rs.getLong(1) - rs.getLong(2), rs.getLong(2))).single();
    }

    /** The next silent leads of the rule, sales' left out, with their consent, by id after {@code after}. */
    List<String[]> next(RetentionSettings.Rule rule, Instant now, String after, int limit) {
        return jdbc.sql("select l.id, l.consent from leads l " + SILENT + " and not " + WITH_SALES
                + " and l.id > :after order by l.id fetch first " + limit + " rows only")
                .param("stages", rule.stages()).param("consents", rule.consents())
                .param("since", Timestamp.from(horizon(rule, now))).param("after", after)
                .query((rs, n) -> new String[] {rs.getString(1), rs.getString(2)}).list();
    }
}
