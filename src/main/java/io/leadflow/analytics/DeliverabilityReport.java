package io.leadflow.analytics;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.leadflow.channel.email.MailTemplates;

/**
 * The deliverability panel of {@code /analytics}: how the marketing emails of a period fared with the mailbox
 * providers, day by day and provider by provider, against the lines that pause marketing email
 * ({@code leadflow.mail.deliverability.pause.*}), and whether unsubscribes were honoured at once. The automatic pause
 * looks at the last emails only; this is the history a marketer reads to find the list or the campaign that went bad,
 * and the provider that minds.
 * <p>
 * Unlike the cohort reports, it covers the emails <em>sent</em> in the period: marketing emails to leads (neither the
 * double opt-in's nor notifications to staff) handed to the SMTP server, those it refused for good included. An email
 * is a <b>hard bounce</b> when the SMTP server refused it for good, or when a hard bounce report of its lead came at
 * or after it was sent and before the lead's next marketing email was; a <b>complaint</b> when its recipient reported
 * it as spam ({@code complained_at}). Both can come days after the email, so a recent day's rates may still grow.
 */
@Component
class DeliverabilityReport {

    /** Mailbox providers listed by name, most emails first; the others are summed up in one {@value #OTHER} row. */
    static final int PROVIDERS = 20;
    static final String OTHER = "other";
    /** Emails handed to SMTP before their recipient's domain was kept (before V30). */
    static final String UNKNOWN = "unknown";
    /** Gmail's bulk-sender guideline: spam complaints must never reach 0.3 % (and should stay under 0.1 %). */
    static final double GMAIL_COMPLAINT_LINE = 0.003;

    /**
     * One UTC day's marketing emails, or one provider's.
     *
     * @param sent           emails handed to the SMTP server, those it refused for good included
     * @param hardBounces    of them, emails refused for good or followed by a hard bounce report
     * @param complaints     of them, emails their recipient reported as spam
     * @param hardBounceRate hardBounces / sent, a fraction (0.02 is 2 %); null when nothing was sent
     * @param complaintRate  complaints / sent, a fraction; null when nothing was sent
     */
    public record Day(LocalDate day, long sent, long hardBounces, long complaints, Double hardBounceRate,
            Double complaintRate) {
    }

    /** The same figures for one recipient domain ({@value #UNKNOWN}, {@value #OTHER}). */
    public record Provider(String domain, long sent, long hardBounces, long complaints, Double hardBounceRate,
            Double complaintRate) {
    }

    /**
     * @param hardBounceRate     the hard-bounce rate that pauses marketing email
     *                           ({@code leadflow.mail.deliverability.pause.hard-bounce-rate})
     * @param complaintRate      the complaint rate that pauses it ({@code ….pause.complaint-rate})
     * @param gmailComplaintRate Gmail's limit for bulk senders
     */
    public record Lines(double hardBounceRate, double complaintRate, double gmailComplaintRate) {
    }

    /**
     * @param count                    unsubscribes in the period (link, one-click header or mailto, all the same)
     * @param marketingEmailsSentAfter marketing emails sent to those leads after they unsubscribed: 0 when every
     *                                 unsubscribe was honoured at once
     * @param longestMinutesToHonour   the longest time from an unsubscribe to the last marketing email sent after it,
     *                                 in minutes rounded up; 0 when none was sent after
     */
    public record Unsubscribes(long count, long marketingEmailsSentAfter, long longestMinutesToHonour) {
    }

    public record Deliverability(Analytics.Period period, List<Day> days, List<Provider> providers, Lines lines,
            Unsubscribes unsubscribes) {
    }

    private final JdbcClient jdbc;
    private final Lines lines;

    DeliverabilityReport(JdbcClient jdbc,
            @Value("${leadflow.mail.deliverability.pause.hard-bounce-rate:0.02}") double hardBounceLine,
            @Value("${leadflow.mail.deliverability.pause.complaint-rate:0.001}") double complaintLine) {
        this.jdbc = jdbc;
        // as the pause reads them: nothing (or 0) is the default
        this.lines = new Lines(hardBounceLine <= 0 ? 0.02 : hardBounceLine, complaintLine <= 0 ? 0.001 : complaintLine,
                GMAIL_COMPLAINT_LINE);
    }

    Deliverability report(Analytics.Period p) {
        Map<LocalDate, long[]> days = new TreeMap<>();
        for (LocalDate d = p.from(); !d.isAfter(p.to()); d = d.plusDays(1)) {
            days.put(d, new long[3]);
        }
        Map<String, long[]> domains = new HashMap<>();
        // one row per UTC day (days since 1970, from the epoch seconds: the same on every database and time zone) and
        // recipient domain. A refused email has no sent_at: it counts when it was handed to SMTP. Erasing a lead
        // replaces the SMTP server's answer on its emails: then bounced_at alone says the server refused it.
        jdbc.sql("""
                select x.sent_on, x.provider, count(*), sum(x.hard), sum(x.complained)
                  from (select floor(extract(epoch from coalesce(o.sent_at, o.smtp_started_at, o.changed_at)) / 86400)
                                   as sent_on,
                               coalesce(o.recipient_domain, :unknown) as provider,
                               case when o.status = 'FAILED'
                                      or exists (select 1 from email_bounces b
                                                  where b.lead_id = o.lead_id and b.kind = 'HARD'
                                                    and b.received_at >= o.sent_at
                                                    and not exists (select 1 from email_outbox n
                                                                     where n.lead_id = o.lead_id
                                                                       and n.to_address is null and n.status = 'SENT'
                                                                       and n.template not in (:doubleOptIn)
                                                                       and n.sent_at > o.sent_at
                                                                       and n.sent_at <= b.received_at))
                                    then 1 else 0 end as hard,
                               case when o.complained_at is not null then 1 else 0 end as complained
                          from email_outbox o
                         where o.to_address is null and o.template not in (:doubleOptIn)
                           and ((o.status = 'SENT' and o.sent_at >= :from and o.sent_at < :to)
                                or (o.status = 'FAILED'
                                    and (o.last_error like 'permanent SMTP refusal%'
                                         or (o.last_error = 'erased with the lead' and o.bounced_at is not null))
                                    and coalesce(o.smtp_started_at, o.changed_at) >= :from
                                    and coalesce(o.smtp_started_at, o.changed_at) < :to))) x
                 group by x.sent_on, x.provider""")
                .param("unknown", UNKNOWN).param("doubleOptIn", MailTemplates.DOUBLE_OPT_IN)
                .param("from", p.start()).param("to", p.end())
                .query(rs -> {
                    long[] figures = {rs.getLong(3), rs.getLong(4), rs.getLong(5)};
                    add(days.computeIfAbsent(LocalDate.ofEpochDay(rs.getLong(1)), d -> new long[3]), figures);
                    add(domains.computeIfAbsent(rs.getString(2), d -> new long[3]), figures);
                });
        List<Day> perDay = days.entrySet().stream().map(e -> {
            long[] f = e.getValue();
            return new Day(e.getKey(), f[0], f[1], f[2], rate(f[1], f[0]), rate(f[2], f[0]));
        }).toList();
        return new Deliverability(p, perDay, providers(domains), lines, unsubscribes(p));
    }

    /** The {@value #PROVIDERS} domains with the most emails, then the others summed up, if any. */
    static List<Provider> providers(Map<String, long[]> domains) {
        List<Map.Entry<String, long[]>> sorted = domains.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0])
                        .thenComparing(Map.Entry::getKey))
                .toList();
        List<Provider> providers = new ArrayList<>();
        long[] other = new long[3];
        for (int i = 0; i < sorted.size(); i++) {
            if (i < PROVIDERS) {
                providers.add(provider(sorted.get(i).getKey(), sorted.get(i).getValue()));
            } else {
                add(other, sorted.get(i).getValue());
            }
        }
        if (sorted.size() > PROVIDERS) {
            providers.add(provider(OTHER, other));
        }
        return providers;
    }

    private static Provider provider(String domain, long[] f) {
        return new Provider(domain, f[0], f[1], f[2], rate(f[1], f[0]), rate(f[2], f[0]));
    }

    /**
     * The period's unsubscribes (sealed in the consent ledger or still waiting for the sealer), each with the
     * marketing emails its lead was sent after it. An email sent after it is one the suppression did not stop: being
     * handed to SMTP at that very moment, or a rule that failed.
     */
    private Unsubscribes unsubscribes(Analytics.Period p) {
        long[] totals = new long[3];
        jdbc.sql("""
                select u.occurred_at, count(o.id), max(o.sent_at)
                  from (select 'sealed ' || cast(c.seq as varchar(20)) as id, c.lead_id, c.occurred_at
                          from consent_ledger c
                         where c.event = 'UNSUBSCRIBED' and c.occurred_at >= :from and c.occurred_at < :to
                        union all
                        select 'pending ' || q.id, q.lead_id, q.occurred_at
                          from consent_ledger_pending q
                         where q.event = 'UNSUBSCRIBED' and q.occurred_at >= :from and q.occurred_at < :to) u
                  left join email_outbox o on o.lead_id = u.lead_id and o.to_address is null and o.status = 'SENT'
                                          and o.template not in (:doubleOptIn) and o.sent_at > u.occurred_at
                 group by u.id, u.occurred_at""")
                .param("from", p.start()).param("to", p.end()).param("doubleOptIn", MailTemplates.DOUBLE_OPT_IN)
                .query(rs -> {
                    totals[0]++;
                    totals[1] += rs.getLong(2);
                    Timestamp last = rs.getTimestamp(3);
                    if (last != null) {
                        Duration gap = Duration.between(rs.getTimestamp(1).toInstant(), last.toInstant());
                        long minutes = gap.toMinutes() + (gap.minusMinutes(gap.toMinutes()).isZero() ? 0 : 1);
                        totals[2] = Math.max(totals[2], minutes);
                    }
                });
        return new Unsubscribes(totals[0], totals[1], totals[2]);
    }

    private static void add(long[] into, long[] figures) {
        for (int i = 0; i < into.length; i++) {
            into[i] += figures[i];
        }
    }

    /** Part of whole as a fraction rounded to six places (0.0001 %); null when there is no whole. */
    static Double rate(long part, long whole) {
        return whole == 0 ? null : Math.round(1_000_000.0 * part / whole) / 1_000_000.0;
    }
}
