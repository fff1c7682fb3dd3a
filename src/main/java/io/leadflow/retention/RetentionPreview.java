package io.leadflow.retention;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/retention/preview} (ADMIN, MARKETER): how many leads each retention rule would touch if it ran now,
 * and how many of them it would leave alone because sales has their open handoff. Reads only: the run that warns
 * and anonymises is built on these same rules.
 */
@RestController
class RetentionPreview {

    private final RetentionSettings settings;
    private final JdbcClient jdbc;
    private final Clock clock;

    RetentionPreview(RetentionSettings settings, JdbcClient jdbc, Clock clock) {
        this.settings = settings;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * @param inactiveSince the instant before which the rule's leads showed no sign of life
     * @param leads         leads the rule would touch
     * @param openHandoffs  leads it matches but leaves alone: sales has their open handoff
     */
    record RulePreview(String name, Set<String> stages, Set<String> consents, String inactiveAfter,
            Instant inactiveSince, long leads, long openHandoffs) {
    }

    record Preview(Instant asOf, List<RulePreview> rules) {
    }

    @GetMapping(value = "/api/retention/preview", produces = MediaType.APPLICATION_JSON_VALUE)
    Preview preview() {
        Instant now = clock.instant();
        return new Preview(now, settings.rules().stream().map(rule -> preview(rule, now)).toList());
    }

    RulePreview preview(RetentionSettings.Rule rule, Instant now) {
        Instant since = now.atZone(ZoneOffset.UTC).minus(rule.inactiveAfter()).toInstant();
        List<long[]> counts = jdbc.sql("""
                select count(*), sum(case when exists (select 1 from handoffs h
                                                        where h.lead_id = l.id
                                                          and h.status in ('OPEN', 'ACCEPTED', 'CRM_FAILED'))
                                          then 1 else 0 end)
                  from leads l
                 where l.erased_at is null and l.stage in (:stages) and l.consent in (:consents)
                   and l.created_at < :since and (l.confirmed_at is null or l.confirmed_at < :since)
                   and not exists (select 1 from engagement_events e
                                    where e.lead_id = l.id and e.occurred_at >= :since)""")
                .param("stages", rule.stages()).param("consents", rule.consents())
                .param("since", Timestamp.from(since))
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}).list();
        long matched = counts.get(0)[0];
        long open = counts.get(0)[1];
        return new RulePreview(rule.name(), new TreeSet<>(rule.stages()), new TreeSet<>(rule.consents()),
                rule.inactiveAfter().toString(), since, matched - open, open);
    }
}
