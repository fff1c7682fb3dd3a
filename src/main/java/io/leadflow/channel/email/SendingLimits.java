package io.leadflow.channel.email;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.platform.ConflictException;
import io.leadflow.platform.Texts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What protects the sender's reputation, on top of each lead's own rules ({@link SendRules}), for marketing email only
 * (confirmations and notifications to staff always go):
 * <ul>
 * <li><b>Warm-up.</b> A new sending domain earns its reputation by volume growing day by day: from {@code first-day}
 * emails on its start date, times {@code growth} each day, up to {@code max-per-day} (UTC days). Every email of the
 * day counts, confirmations included, since mailbox providers see them all.</li>
 * <li><b>Per-domain rate.</b> At most so many emails an hour to one recipient domain ({@code gmail.com: 500}).</li>
 * <li><b>Automatic pause.</b> When the hard bounces or the complaints among the last {@code last-emails} emails
 * (since the last resume, and once there are {@code min-emails}) pass their line (2 % and 0.1 %; Gmail's bulk-sender
 * guideline keeps complaints under 0.3 %), marketing email stops until a person resumes it: a list went bad or a
 * campaign upset people, and sending on would make it worse.</li>
 * </ul>
 * An email held back waits in the outbox and is tried again (when the limit frees up, or every {@code recheck-every}
 * while paused); nothing is dropped. The counts are read from the outbox all nodes share, so the limits hold for the
 * cluster, give or take the emails the senders are handing over at the same instant.
 */
@Component
class SendingLimits {

    private static final Logger log = LoggerFactory.getLogger(SendingLimits.class);

    /**
     * {@code leadflow.mail.deliverability.*}.
     *
     * @param warmUp      the ramp of each sending domain (the domain of {@code leadflow.mail.from})
     * @param domainRates emails an hour at most, by recipient domain
     */
    @ConfigurationProperties("leadflow.mail.deliverability")
    record Settings(Map<String, Ramp> warmUp, Map<String, Integer> domainRates, Pause pause) {

        Settings {
            warmUp = warmUp == null ? Map.of() : Map.copyOf(lowerKeys(warmUp));
            domainRates = domainRates == null ? Map.of() : Map.copyOf(lowerKeys(domainRates));
            pause = pause == null ? new Pause(0, 0, 0, 0, null) : pause;
        }

        private static <T> Map<String, T> lowerKeys(Map<String, T> map) {
            Map<String, T> lower = new java.util.HashMap<>();
            map.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
            return lower;
        }
    }

    /** From {@code firstDay} emails on {@code start}, times {@code growth} a day, up to {@code maxPerDay}. */
    record Ramp(LocalDate start, int firstDay, double growth, int maxPerDay) {

        Ramp {
            firstDay = firstDay <= 0 ? 50 : firstDay;
            growth = growth <= 1 ? 1.5 : growth;
            maxPerDay = maxPerDay <= 0 ? 50_000 : maxPerDay;
        }

        /** The emails the ramp allows on that day; unlimited before it starts is not a thing: day 0 before. */
        long limitOn(LocalDate day) {
            long days = start == null ? Long.MAX_VALUE : Math.max(0, ChronoUnit.DAYS.between(start, day));
            double limit = firstDay * Math.pow(growth, Math.min(days, 200));
            return (long) Math.min(maxPerDay, Math.floor(limit));
        }
    }

    record Pause(int lastEmails, int minEmails, double hardBounceRate, double complaintRate, Duration recheckEvery) {

        Pause {
            lastEmails = lastEmails <= 0 ? 1000 : lastEmails;
            minEmails = minEmails <= 0 ? 200 : Math.min(minEmails, lastEmails);
            hardBounceRate = hardBounceRate <= 0 ? 0.02 : hardBounceRate;
            complaintRate = complaintRate <= 0 ? 0.001 : complaintRate;
            recheckEvery = recheckEvery == null ? Duration.ofMinutes(15) : recheckEvery;
        }
    }

    /** A pause of marketing email, holding while {@code resumedAt} is null. */
    record SendingPause(String id, Instant startedAt, String reason, Instant resumedAt, String resumedBy) {
    }

    /** The last emails' bounces and complaints (since the last resume). */
    record Recent(int emails, int hardBounces, int complaints, double hardBounceRate, double complaintRate) {
    }

    private final Settings settings;
    private final EmailSettings mail;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final Counter pauses;
    private volatile boolean paused;

    SendingLimits(Settings settings, EmailSettings mail, JdbcClient jdbc, Clock clock, MeterRegistry registry) {
        this.settings = settings;
        this.mail = mail;
        this.jdbc = jdbc;
        this.clock = clock;
        this.pauses = Counter.builder("leadflow.mail.pauses")
                .description("Pauses of marketing email after too many hard bounces or complaints").register(registry);
        Gauge.builder("leadflow.mail.paused", this, l -> l.paused ? 1 : 0)
                .description("1 while marketing email is paused (GET /api/deliverability says why)").register(registry);
    }

    Settings settings() {
        return settings;
    }

    /** The domain marketing email is sent from: that of {@code leadflow.mail.from}. */
    String senderDomain() {
        return mail.fromDomain();
    }

    static String domainOf(String address) {
        return address == null ? null : address.substring(address.lastIndexOf('@') + 1).trim().toLowerCase(Locale.ROOT);
    }

    /** Until when this marketing email to that address must wait, and why; empty when it may go now. */
    Optional<SendRules.Deferral> deferral(String address, Instant now) {
        Optional<SendingPause> pause = activePause();
        if (pause.isPresent()) {
            return Optional.of(new SendRules.Deferral(now.plus(settings.pause().recheckEvery()),
                    "deferred: marketing email is paused since " + pause.get().startedAt() + ": "
                            + pause.get().reason()));
        }
        Ramp ramp = settings.warmUp().get(senderDomain());
        if (ramp != null) {
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            long limit = ramp.limitOn(today);
            long sent = sentSince(today.atStartOfDay(ZoneOffset.UTC).toInstant(), now);
            if (sent >= limit) {
                return Optional.of(new SendRules.Deferral(today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                        "deferred: warm-up of " + senderDomain() + ": " + limit + " emails allowed today, " + sent
                                + " sent (leadflow.mail.deliverability.warm-up)"));
            }
        }
        String domain = domainOf(address);
        Integer perHour = domain == null ? null : settings.domainRates().get(domain);
        if (perHour != null) {
            Instant hourAgo = now.minus(Duration.ofHours(1));
            List<Instant> sent = jdbc.sql("""
                    select coalesce(sent_at, :now) from email_outbox
                     where recipient_domain = :domain and status in ('SENT', 'SENDING')
                       and coalesce(sent_at, :now) > :since order by 1""")
                    .param("now", Timestamp.from(now)).param("domain", domain).param("since", Timestamp.from(hourAgo))
                    .query((rs, n) -> rs.getTimestamp(1).toInstant()).list();
            if (sent.size() >= perHour) {
                return Optional.of(new SendRules.Deferral(sent.get(sent.size() - perHour).plus(Duration.ofHours(1)),
                        "deferred: at most " + perHour + " emails an hour to " + domain
                                + " (leadflow.mail.deliverability.domain-rates)"));
            }
        }
        return Optional.empty();
    }

    /** Emails handed to SMTP (or being handed) from {@code since}. */
    long sentSince(Instant since, Instant now) {
        return jdbc.sql("""
                select count(*) from email_outbox
                 where status in ('SENT', 'SENDING') and coalesce(sent_at, :now) >= :since""")
                .param("now", Timestamp.from(now)).param("since", Timestamp.from(since))
                .query(Long.class).single();
    }

    /** Emails to that recipient domain handed to SMTP (or being handed) from {@code since}. */
    long sentSince(Instant since, Instant now, String domain) {
        return jdbc.sql("""
                select count(*) from email_outbox
                 where recipient_domain = :domain and status in ('SENT', 'SENDING')
                   and coalesce(sent_at, :now) >= :since""")
                .param("now", Timestamp.from(now)).param("since", Timestamp.from(since)).param("domain", domain)
                .query(Long.class).single();
    }

    Optional<SendingPause> activePause() {
        Optional<SendingPause> pause = jdbc.sql("select * from sending_pauses where active = 1")
                .query((rs, n) -> pause(rs)).optional();
        paused = pause.isPresent();
        return pause;
    }

    List<SendingPause> history(int limit) {
        return jdbc.sql("select * from sending_pauses order by started_at desc fetch first :limit rows only")
                .param("limit", limit).query((rs, n) -> pause(rs)).list();
    }

    private static SendingPause pause(java.sql.ResultSet rs) throws java.sql.SQLException {
        Timestamp resumed = rs.getTimestamp("resumed_at");
        return new SendingPause(rs.getString("id"), rs.getTimestamp("started_at").toInstant(), rs.getString("reason"),
                resumed == null ? null : resumed.toInstant(), rs.getString("resumed_by"));
    }

    /** The last marketing emails since the last resume: how many bounced for good, how many were reported as spam. */
    Recent recent() {
        Instant since = jdbc.sql("select max(resumed_at) from sending_pauses").query(Timestamp.class).optional()
                .map(Timestamp::toInstant).orElse(Instant.EPOCH);
        // a hard bounce counts for the lead's email it came after, not for that lead's earlier emails too
        List<int[]> last = jdbc.sql("""
                select case when o.status = 'FAILED'
                              or exists (select 1 from email_bounces b
                                          where b.lead_id = o.lead_id and b.kind = 'HARD' and b.received_at >= o.sent_at
                                            and not exists (select 1 from email_outbox n
                                                             where n.lead_id = o.lead_id and n.to_address is null
                                                               and n.status = 'SENT' and n.sent_at > o.sent_at
                                                               and n.sent_at <= b.received_at)) then 1 else 0 end,
                       case when o.complained_at is not null then 1 else 0 end
                  from email_outbox o
                 where o.to_address is null and o.template not in (:doubleOptIn)
                   and coalesce(o.sent_at, o.changed_at) >= :since
                   and (o.status = 'SENT' or (o.status = 'FAILED' and o.last_error like 'permanent SMTP refusal%'))
                 order by coalesce(o.sent_at, o.changed_at) desc
                 fetch first :last rows only""")
                .param("doubleOptIn", MailTemplates.DOUBLE_OPT_IN).param("since", Timestamp.from(since))
                .param("last", settings.pause().lastEmails())
                .query((rs, n) -> new int[] {rs.getInt(1), rs.getInt(2)}).list();
        int hard = last.stream().mapToInt(r -> r[0]).sum();
        int complaints = last.stream().mapToInt(r -> r[1]).sum();
        int n = last.size();
        return new Recent(n, hard, complaints, n == 0 ? 0 : (double) hard / n, n == 0 ? 0 : (double) complaints / n);
    }

    /** Every minute, one node at a time: pauses marketing email when the last emails passed a line. */
    @Scheduled(initialDelayString = "PT20S", fixedDelayString = "${leadflow.mail.deliverability.check-every:PT1M}")
    void check() {
        try {
            checkNow();
        } catch (RuntimeException e) {
            log.warn("Checking the bounce and complaint rates failed; the next check tries again: {}", e.toString());
        }
    }

    /** Pauses marketing email if the last emails call for it; answers the pause that holds, if any. */
    @Transactional
    Optional<SendingPause> checkNow() {
        Optional<SendingPause> holding = activePause();
        if (holding.isPresent()) {
            return holding;
        }
        Recent recent = recent();
        Pause lines = settings.pause();
        if (recent.emails() < lines.minEmails()) {
            return Optional.empty();
        }
        List<String> over = new ArrayList<>();
        if (recent.hardBounceRate() > lines.hardBounceRate()) {
            over.add(String.format(Locale.ROOT, "%d hard bounces in the last %d emails (%.2f %%, the line is %.2f %%)",
                    recent.hardBounces(), recent.emails(), 100 * recent.hardBounceRate(), 100 * lines.hardBounceRate()));
        }
        if (recent.complaintRate() > lines.complaintRate()) {
            over.add(String.format(Locale.ROOT, "%d spam complaints in the last %d emails (%.2f %%, the line is %.2f %%)",
                    recent.complaints(), recent.emails(), 100 * recent.complaintRate(), 100 * lines.complaintRate()));
        }
        if (over.isEmpty()) {
            return Optional.empty();
        }
        String reason = String.join("; ", over) + ". Find the list or the campaign that caused it, then resume.";
        try {
            jdbc.sql("insert into sending_pauses (id, active, started_at, reason) values (?, 1, ?, ?)")
                    .params(UUID.randomUUID().toString(), Timestamp.from(clock.instant()), Texts.truncate(reason, 1000))
                    .update();
        } catch (DuplicateKeyException anotherNodePaused) {
            return activePause();
        }
        pauses.increment();
        paused = true;
        log.warn("Marketing email paused: {}", reason);
        return activePause();
    }

    /** A person looked into the cause: marketing email goes out again, judged afresh on the emails after now. */
    @Transactional
    SendingPause resume(String user) {
        SendingPause pause = activePause().orElseThrow(() -> new ConflictException(
                "Marketing email is not paused: there is nothing to resume"));
        jdbc.sql("update sending_pauses set active = null, resumed_at = ?, resumed_by = ? where id = ?")
                .params(Timestamp.from(clock.instant()), Texts.truncate(user, 100), pause.id()).update();
        paused = false;
        log.info("Marketing email resumed by {} (paused since {})", user, pause.startedAt());
        return history(1).get(0);
    }
}
