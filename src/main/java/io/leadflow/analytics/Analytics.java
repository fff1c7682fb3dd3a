package io.leadflow.analytics;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.leadflow.platform.InvalidInputException;

/**
 * The numbers marketing and sales look at together, read from our own tables (stage history, leads, outbox,
 * events, ledger), never from the engine's history. Every report covers the leads created in a period (a cohort),
 * so a conversion rate compares like with like.
 */
@Service
public class Analytics {

    static final List<String> FUNNEL = List.of("NEW", "NURTURE", "MQL", "SAL", "SQL");

    public record Period(LocalDate from, LocalDate to) {

        Timestamp start() {
            return Timestamp.from(from.atStartOfDay(ZoneOffset.UTC).toInstant());
        }

        Timestamp end() {
            return Timestamp.from(to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        }
    }

    /**
     * @param reached             leads of the cohort that ever entered the stage
     * @param conversionPercent   share of the previous stage's leads that reached this one; null for NEW
     * @param medianHoursFromPrevious median time from entering the previous stage to entering this one
     */
    public record Stage(String stage, long reached, Double conversionPercent, Double medianHoursFromPrevious) {
    }

    public record Week(LocalDate week, long mql, int target) {
    }

    public record Funnel(Period period, List<Stage> stages, List<Week> mqlPerWeek, int mqlWeeklyTarget) {
    }

    public record Source(String source, String campaign, long leads, long mql, long sql, Double mqlPercent) {
    }

    /**
     * @param track   the nurture track the lead is in now ({@code nurture_status}, chosen by {@code nurture-track})
     * @param leads   leads of the cohort in the track; leads that never entered nurture are in no track
     * @param sunset  of them, leads nurture ever sunset, whether or not they came back since
     * @param mqlPercent share of the track's leads that reached MQL; null for an empty track
     * @param sqlPercent share of the track's leads that reached SQL
     */
    public record Track(String track, long leads, long mql, long sql, long sunset, Double mqlPercent,
            Double sqlPercent) {
    }

    public record Doi(Period period, long submitted, long confirmed, Double confirmationPercent,
            Double medianMinutesToConfirm) {
    }

    /**
     * The emails of one template created in the period, and what they led to whenever it happened.
     *
     * @param clicks       clicks on their tracked links
     * @param unsubscribes leads who unsubscribed with the link (or header) of one of them
     * @param bounces      of them, emails that bounced: refused by the SMTP server, or a bounce report (hard or soft)
     * @param complaints   of them, emails their recipient reported as spam
     */
    public record TemplateEmails(String template, long sent, long failed, long skipped, long clicks,
            long unsubscribes, long bounces, long complaints) {
    }

    /**
     * @param templates        per template, the emails created in the period and what they led to
     * @param clicks           clicks in the period, on any email
     * @param unsubscribes     unsubscribes in the period
     * @param bouncedAddresses addresses suppressed in the period because mail to them bounced (hard, or soft three
     *                         times)
     * @param complaints       addresses suppressed because their owner reported our email as spam
     * @param opens            opens recorded by open tracking (0 while {@code leadflow.mail.open-tracking} is off)
     * @param sunsets          leads nurture stopped writing to in the period (no engagement after the re-engagement
     *                         email), whether or not they came back since
     */
    public record Emails(Period period, List<TemplateEmails> templates, long clicks, long unsubscribes,
            long bouncedAddresses, long complaints, long opens, long sunsets) {
    }

    private final JdbcClient jdbc;
    private final FunnelSettings settings;
    private final Clock clock;
    private final EmailReportDays emailDays;

    Analytics(JdbcClient jdbc, FunnelSettings settings, Clock clock, EmailReportDays emailDays) {
        this.emailDays = emailDays;
        this.jdbc = jdbc;
        this.settings = settings;
        this.clock = clock;
    }

    /** From and to as ISO dates, inclusive, UTC; default the last 12 weeks. */
    public Period period(String from, String to) {
        LocalDate end = to == null || to.isBlank() ? LocalDate.now(clock.withZone(ZoneOffset.UTC)) : date("to", to);
        LocalDate start = from == null || from.isBlank() ? end.minusWeeks(12).plusDays(1) : date("from", from);
        if (start.isAfter(end)) {
            throw InvalidInputException.of("from", "must not be after 'to'");
        }
        if (start.plusYears(2).isBefore(end)) {
            throw InvalidInputException.of("to", "the period may be at most two years");
        }
        return new Period(start, end);
    }

    public Funnel funnel(Period p) {
        // One pass over the cohort's lead rows, which keep when each lead first entered each stage (NEW: created_at);
        // each median is over the leads that entered both stages, in that order.
        Map<String, Long> reached = new HashMap<>();
        Map<String, Double> medianHours = new HashMap<>();
        List<String> entered = List.of("created_at", "first_nurture_at", "first_mql_at", "first_sal_at",
                "first_sql_at");
        StringBuilder sql = new StringBuilder("select count(*)");
        for (int i = 1; i < FUNNEL.size(); i++) {
            sql.append(", count(").append(entered.get(i)).append("), ")
                    .append(medianSeconds(entered.get(i - 1), entered.get(i)));
        }
        sql.append(" from leads where created_at >= ? and created_at < ?");
        jdbc.sql(sql.toString())
                .params(p.start(), p.end())
                .query(rs -> {
                    reached.put(FUNNEL.get(0), rs.getLong(1));
                    for (int i = 1; i < FUNNEL.size(); i++) {
                        reached.put(FUNNEL.get(i), rs.getLong(2 * i));
                        double seconds = rs.getDouble(2 * i + 1);
                        medianHours.put(FUNNEL.get(i), rs.wasNull() ? null : Math.round(seconds / 360.0) / 10.0);
                    }
                });
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < FUNNEL.size(); i++) {
            String stage = FUNNEL.get(i);
            long count = reached.getOrDefault(stage, 0L);
            Double conversion = null;
            if (i > 0) {
                long previous = reached.getOrDefault(FUNNEL.get(i - 1), 0L);
                conversion = percent(count, previous);
            }
            stages.add(new Stage(stage, count, conversion, i == 0 ? null : medianHours.get(stage)));
        }
        Map<LocalDate, Long> weekly = new TreeMap<>();
        for (LocalDate w = monday(p.from()); !w.isAfter(p.to()); w = w.plusWeeks(1)) {
            weekly.put(w, 0L);
        }
        jdbc.sql("select entered_at from stage_history where stage = 'MQL' and entered_at >= ? and entered_at < ?")
                .params(p.start(), p.end())
                .query(rs -> {
                    weekly.merge(monday(rs.getTimestamp(1).toInstant().atZone(ZoneOffset.UTC).toLocalDate()), 1L,
                            Long::sum);
                });
        List<Week> weeks = weekly.entrySet().stream()
                .map(e -> new Week(e.getKey(), e.getValue(), settings.mqlWeeklyTarget())).toList();
        return new Funnel(p, stages, weeks, settings.mqlWeeklyTarget());
    }

    /**
     * SQL for the median of {@code to − from} in seconds, over the rows where both are set and {@code to} is not
     * before {@code from} (null when there is none); PostgreSQL and H2 both speak it.
     */
    private static String medianSeconds(String from, String to) {
        return "percentile_cont(0.5) within group (order by case when " + to + " >= " + from
                + " then extract(epoch from " + to + ") - extract(epoch from " + from + ") end)";
    }

    public List<Source> sources(Period p) {
        return jdbc.sql("""
                select coalesce(source, '(none)'), coalesce(utm_campaign, '(none)'), count(*), count(first_mql_at),
                       count(first_sql_at)
                  from leads
                 where created_at >= ? and created_at < ?
                 group by coalesce(source, '(none)'), coalesce(utm_campaign, '(none)')
                 order by 3 desc, 1, 2""")
                .params(p.start(), p.end())
                .query((rs, n) -> new Source(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), percent(rs.getLong(4), rs.getLong(3))))
                .list();
    }

    public List<Track> tracks(Period p) {
        return jdbc.sql("""
                select n.track, count(*), count(l.first_mql_at), count(l.first_sql_at), count(n.sunset_at)
                  from nurture_status n join leads l on l.id = n.lead_id
                 where l.created_at >= ? and l.created_at < ?
                 group by n.track
                 order by 2 desc, 1""")
                .params(p.start(), p.end())
                .query((rs, n) -> new Track(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        percent(rs.getLong(3), rs.getLong(2)), percent(rs.getLong(4), rs.getLong(2))))
                .list();
    }

    public Doi doi(Period p) {
        return jdbc.sql("select count(*), count(confirmed_at), " + medianSeconds("created_at", "confirmed_at")
                        + " from leads where created_at >= ? and created_at < ?")
                .params(p.start(), p.end())
                .query((rs, n) -> {
                    long submitted = rs.getLong(1);
                    long confirmed = rs.getLong(2);
                    double seconds = rs.getDouble(3);
                    Double medianMinutes = rs.wasNull() ? null : Math.round(seconds / 6.0) / 10.0;
                    return new Doi(p, submitted, confirmed, percent(confirmed, submitted), medianMinutes);
                })
                .single();
    }

    public Emails emails(Period p) {
        // per day and template, brought up to date first (exact, and a few rows a day instead of every email)
        emailDays.refresh();
        List<TemplateEmails> templates = jdbc.sql("""
                select template, sum(sent), sum(failed), sum(skipped), sum(clicks), sum(unsubscribes), sum(bounces),
                       sum(complaints)
                  from email_report_days where created_on >= ? and created_on <= ?
                 group by template order by template""")
                .params(p.from(), p.to())
                .query((rs, n) -> new TemplateEmails(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)))
                .list();
        long clicks = jdbc.sql("""
                select count(*) from engagement_events where type = 'EMAIL_CLICKED' and occurred_at >= ? and occurred_at < ?""")
                .params(p.start(), p.end()).query(Long.class).single();
        long unsubscribes = jdbc.sql("""
                select count(*) from consent_ledger where event = 'UNSUBSCRIBED' and occurred_at >= ? and occurred_at < ?""")
                .params(p.start(), p.end()).query(Long.class).single();
        long bounced = suppressed(p, "HARD_BOUNCE", "SOFT_BOUNCE");
        long opens = jdbc.sql("""
                select count(*) from engagement_events where type = 'EMAIL_OPENED' and occurred_at >= ? and occurred_at < ?""")
                .params(p.start(), p.end()).query(Long.class).single();
        long sunsets = jdbc.sql("select count(*) from nurture_status where sunset_at >= ? and sunset_at < ?")
                .params(p.start(), p.end()).query(Long.class).single();
        return new Emails(p, templates, clicks, unsubscribes, bounced, suppressed(p, "COMPLAINED"), opens, sunsets);
    }

    private long suppressed(Period p, String... reasons) {
        return jdbc.sql("select count(*) from leads where suppressed_reason in (:reasons) and suppressed_at >= :from "
                + "and suppressed_at < :to")
                .param("reasons", List.of(reasons)).param("from", p.start()).param("to", p.end())
                .query(Long.class).single();
    }

    /** Part of whole in percent with one decimal; null when there is no whole to take a part of. */
    static Double percent(long part, long whole) {
        return whole == 0 ? null : Math.round(1000.0 * part / whole) / 10.0;
    }

    private static LocalDate monday(LocalDate day) {
        return day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    }

    private static LocalDate date(String field, String value) {
        try {
            return LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw InvalidInputException.of(field, "must be a date such as 2026-11-01");
        }
    }
}
