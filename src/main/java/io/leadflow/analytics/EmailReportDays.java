package io.leadflow.analytics;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.HashSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The email report's rollup: per day of creation (UTC) and template, the counts the report shows, recomputed from
 * the outbox for the days and templates whose emails changed since the last refresh ({@code email_outbox.changed_at},
 * database time). The report refreshes before it reads, so it is exact; a refresh every minute in the background
 * keeps that first step short. Refreshes take turns on the one state row, on every node.
 */
@Component
class EmailReportDays {

    private static final Logger log = LoggerFactory.getLogger(EmailReportDays.class);

    /**
     * Changes are looked for from this long before the last refresh: a transaction that changed an email before the
     * refresh read the outbox, but committed after, is seen at the next one (database time is a transaction's start).
     */
    static final Duration COMMIT_MARGIN = Duration.ofMinutes(5);

    private static final String COUNTS = """
            sum(case when status = 'SENT' then 1 else 0 end), sum(case when status = 'FAILED' then 1 else 0 end),
            sum(case when status = 'SKIPPED' then 1 else 0 end), sum(clicks), count(unsubscribed_at), count(bounced_at),
            count(complained_at)""";

    private final JdbcClient jdbc;

    EmailReportDays(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Scheduled(initialDelayString = "PT1M", fixedDelayString = "PT1M")
    void refreshInBackground() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("The email report's rollup was not refreshed ({}); the next page view or minute tries again",
                    e.toString());
        }
    }

    /** Brings the rollup up to date; answers how many (day, template) groups were recomputed. */
    @Transactional
    public int refresh() {
        Timestamp through = jdbc.sql("select refreshed_through from email_report_state where id = 1 for update")
                .query((rs, n) -> rs.getTimestamp(1)).list().get(0);
        Timestamp now = jdbc.sql("select current_timestamp from email_report_state where id = 1")
                .query(Timestamp.class).single();
        int groups;
        if (through == null) {
            groups = rebuild();
        } else {
            Set<Group> dirty = new HashSet<>();
            jdbc.sql("select created_at, template from email_outbox where changed_at >= ? and to_address is null")
                    .param(Timestamp.from(through.toInstant().minus(COMMIT_MARGIN)))
                    .query(rs -> {
                        dirty.add(new Group(rs.getTimestamp(1).toInstant().atZone(ZoneOffset.UTC).toLocalDate(),
                                rs.getString(2)));
                    });
            for (Group group : dirty) {
                jdbc.sql("delete from email_report_days where created_on = ? and template = ?")
                        .params(group.day(), group.template()).update();
                insertCounts(group.day(), group.template());
            }
            groups = dirty.size();
        }
        jdbc.sql("update email_report_state set refreshed_through = ? where id = 1").param(now).update();
        return groups;
    }

    /** The first refresh: every day and template of the outbox, one day at a time. */
    private int rebuild() {
        jdbc.sql("delete from email_report_days").update();
        Timestamp[] range = jdbc.sql("select min(created_at), max(created_at) from email_outbox where to_address is null")
                .query((rs, n) -> new Timestamp[] {rs.getTimestamp(1), rs.getTimestamp(2)}).single();
        if (range[0] == null) {
            return 0;
        }
        LocalDate last = range[1].toInstant().atZone(ZoneOffset.UTC).toLocalDate();
        LocalDate day = range[0].toInstant().atZone(ZoneOffset.UTC).toLocalDate();
        int groups = 0;
        long started = System.nanoTime();
        for (; !day.isAfter(last); day = day.plusDays(1)) {
            groups += insertCounts(day, null);
        }
        log.info("Email report rollup built: {} days and templates in {} ms", groups,
                (System.nanoTime() - started) / 1_000_000);
        return groups;
    }

    /** Writes the counts of one day's emails per template (of one template, unless null); answers the rows written. */
    private int insertCounts(LocalDate day, String template) {
        return jdbc.sql("""
                insert into email_report_days (created_on, template, sent, failed, skipped, clicks, unsubscribes, bounces,
                                               complaints)
                select :day, template, COUNTS
                  from email_outbox
                 where created_at >= :from and created_at < :to and to_address is null TEMPLATE
                 group by template""".replace("COUNTS", COUNTS)
                        .replace("TEMPLATE", template == null ? "" : "and template = :template"))
                .param("day", day).param("from", start(day)).param("to", start(day.plusDays(1)))
                .param("template", template).update();
    }

    /** A day of creation and a template: one row of the rollup. */
    private record Group(LocalDate day, String template) {
    }

    private static Timestamp start(LocalDate day) {
        return Timestamp.from(day.atStartOfDay(ZoneOffset.UTC).toInstant());
    }
}
