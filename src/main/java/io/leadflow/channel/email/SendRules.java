package io.leadflow.channel.email;

import java.sql.Timestamp;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.leadflow.lead.Lead;

/**
 * When a marketing email may go out: inside the send window in the lead's time zone (no marketing email at night
 * or at the weekend unless the step says {@code sendWindow = any}), and at most {@code leadflow.mail.max-per-week}
 * marketing emails per lead in any seven days, across all journeys, or fewer when the lead asked for fewer in the
 * preference centre (weekly: one in any seven days; monthly: one in any thirty). An email outside these rules is not
 * dropped: it waits for the first instant the rules allow.
 */
@Component
class SendRules {

    static final Duration WEEK = Duration.ofDays(7);
    static final Duration MONTH = Duration.ofDays(30);
    /** The step's choice to send at any hour (e.g. a webinar starting now). */
    static final String ANY_TIME = "any";

    /**
     * Same prefix as {@link EmailSettings}: {@code leadflow.mail.max-per-week}, {@code leadflow.mail.send-window.*}.
     *
     * @param maxPerWeek  marketing emails per lead in any seven days
     * @param sendWindow  days and hours marketing email may go out, in the lead's time zone
     */
    @ConfigurationProperties("leadflow.mail")
    record Settings(int maxPerWeek, Window sendWindow) {

        Settings {
            maxPerWeek = maxPerWeek <= 0 ? 3 : maxPerWeek;
            sendWindow = sendWindow == null ? new Window(null, null, null) : sendWindow;
        }
    }

    /**
     * @param days        weekdays with a window (default Monday to Friday)
     * @param hours       {@code HH:mm-HH:mm} (default {@code 08:00-20:00})
     * @param defaultZone the zone of leads whose country says none (default Europe/Paris)
     */
    record Window(Set<DayOfWeek> days, String hours, ZoneId defaultZone) {

        Window {
            days = days == null || days.isEmpty() ? EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY) : days;
            hours = hours == null || hours.isBlank() ? "08:00-20:00" : hours;
            defaultZone = defaultZone == null ? ZoneId.of("Europe/Paris") : defaultZone;
        }

        LocalTime opens() {
            return LocalTime.parse(hours.split("-")[0].trim());
        }

        LocalTime closes() {
            return LocalTime.parse(hours.split("-")[1].trim());
        }
    }

    /** The main time zone of a country; one of several for wide countries, chosen by where most people live. */
    private static final Map<String, String> ZONES = Map.ofEntries(
            Map.entry("FR", "Europe/Paris"), Map.entry("BE", "Europe/Brussels"), Map.entry("CH", "Europe/Zurich"),
            Map.entry("LU", "Europe/Luxembourg"), Map.entry("MC", "Europe/Monaco"), Map.entry("DE", "Europe/Berlin"),
            Map.entry("AT", "Europe/Vienna"), Map.entry("NL", "Europe/Amsterdam"), Map.entry("IT", "Europe/Rome"),
            Map.entry("ES", "Europe/Madrid"), Map.entry("PT", "Europe/Lisbon"), Map.entry("GB", "Europe/London"),
            Map.entry("UK", "Europe/London"), Map.entry("IE", "Europe/Dublin"), Map.entry("DK", "Europe/Copenhagen"),
            Map.entry("SE", "Europe/Stockholm"), Map.entry("NO", "Europe/Oslo"), Map.entry("FI", "Europe/Helsinki"),
            Map.entry("PL", "Europe/Warsaw"), Map.entry("CZ", "Europe/Prague"), Map.entry("GR", "Europe/Athens"),
            Map.entry("RO", "Europe/Bucharest"), Map.entry("US", "America/New_York"),
            Map.entry("CA", "America/Toronto"), Map.entry("MX", "America/Mexico_City"),
            Map.entry("BR", "America/Sao_Paulo"), Map.entry("AR", "America/Argentina/Buenos_Aires"),
            Map.entry("MA", "Africa/Casablanca"), Map.entry("TN", "Africa/Tunis"), Map.entry("DZ", "Africa/Algiers"),
            Map.entry("SN", "Africa/Dakar"), Map.entry("CI", "Africa/Abidjan"), Map.entry("ZA", "Africa/Johannesburg"),
            Map.entry("IN", "Asia/Kolkata"), Map.entry("SG", "Asia/Singapore"), Map.entry("JP", "Asia/Tokyo"),
            Map.entry("CN", "Asia/Shanghai"), Map.entry("AE", "Asia/Dubai"), Map.entry("IL", "Asia/Jerusalem"),
            Map.entry("AU", "Australia/Sydney"), Map.entry("NZ", "Pacific/Auckland"));

    private final Settings settings;
    private final JdbcClient jdbc;
    private final FrequencyPreference frequency;
    private final SendingLimits limits;

    SendRules(Settings settings, JdbcClient jdbc, FrequencyPreference frequency, SendingLimits limits) {
        this.limits = limits;
        this.settings = settings;
        this.jdbc = jdbc;
        this.frequency = frequency;
    }

    /** At most {@code emails} marketing emails in any {@code period}; {@code why} names the rule. */
    record Cap(int emails, Duration period, String why) {
    }

    /** The cap of a lead: the weekly cap, or the lead's own choice when it asked for fewer emails. */
    Cap capOf(String leadId) {
        String chosen = frequency.frequencyOf(leadId);
        if (FrequencyPreference.MONTHLY.equals(chosen)) {
            return new Cap(1, MONTH, "1 marketing email in thirty days (the lead chose monthly emails)");
        }
        if (FrequencyPreference.WEEKLY.equals(chosen)) {
            return new Cap(1, WEEK, "1 marketing email in seven days (the lead chose weekly emails)");
        }
        return new Cap(settings.maxPerWeek(), WEEK, settings.maxPerWeek()
                + " marketing emails in seven days (leadflow.mail.max-per-week)");
    }

    /**
     * The instant this marketing email may go out, when that is later than {@code now}, with the reason; empty when
     * it may go now.
     */
    Optional<Deferral> deferral(EmailOutbox.Row row, Lead lead, Instant now) {
        if (!ANY_TIME.equals(row.sendWindow())) {
            Instant opens = nextWindow(settings.sendWindow(), zoneOf(lead.country(), settings.sendWindow()), now);
            if (opens.isAfter(now)) {
                return Optional.of(new Deferral(opens, "deferred: outside the send window in the lead's time zone"));
            }
        }
        Cap cap = capOf(row.leadId());
        List<Instant> recent = jdbc.sql("""
                select coalesce(sent_at, :now) from email_outbox
                 where lead_id = :lead and id <> :id and to_address is null and status in ('SENT', 'SENDING')
                   and template not in (:doubleOptIn) and coalesce(sent_at, :now) > :since
                 order by 1""")
                .param("now", Timestamp.from(now)).param("lead", row.leadId()).param("id", row.id())
                .param("doubleOptIn", MailTemplates.DOUBLE_OPT_IN)
                .param("since", Timestamp.from(now.minus(cap.period())))
                .query((rs, n) -> rs.getTimestamp(1).toInstant()).list();
        if (recent.size() >= cap.emails()) {
            Instant freed = recent.get(recent.size() - cap.emails()).plus(cap.period());
            return Optional.of(new Deferral(freed, "deferred: " + cap.why()));
        }
        return limits.deferral(lead.email(), now);
    }

    record Deferral(Instant until, String reason) {
    }

    static ZoneId zoneOf(String country, Window window) {
        String zone = country == null ? null : ZONES.get(country.trim().toUpperCase(Locale.ROOT));
        return zone == null ? window.defaultZone() : ZoneId.of(zone);
    }

    /** {@code now} inside the window, else the next opening of the window. */
    static Instant nextWindow(Window window, ZoneId zone, Instant now) {
        ZonedDateTime local = now.atZone(zone);
        for (int day = 0; day < 8; day++) {
            ZonedDateTime date = local.plusDays(day);
            if (!window.days().contains(date.getDayOfWeek())) {
                continue;
            }
            ZonedDateTime opens = date.toLocalDate().atTime(window.opens()).atZone(zone);
            ZonedDateTime closes = date.toLocalDate().atTime(window.closes()).atZone(zone);
            if (day == 0 && !local.isBefore(opens) && local.isBefore(closes)) {
                return now;
            }
            if (opens.isAfter(local)) {
                return opens.toInstant();
            }
        }
        throw new IllegalStateException("leadflow.mail.send-window has no working day: check its days");
    }
}
