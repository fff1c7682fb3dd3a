package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;

/** The send window in the lead's time zone: 2026-06-09 is a Tuesday, 2026-06-13 a Saturday. */
class SendRulesTests {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final SendRules.Window WEEKDAYS = new SendRules.Window(
            EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), "08:00-20:00", PARIS);

    @Test
    void sendsAtOnceInsideTheWindow() {
        Instant now = paris("2026-06-09T10:00");
        assertThat(SendRules.nextWindow(WEEKDAYS, PARIS, now)).isEqualTo(now);
    }

    @Test
    void waitsForTheMorningAtNight() {
        assertThat(SendRules.nextWindow(WEEKDAYS, PARIS, paris("2026-06-09T21:30"))).isEqualTo(paris("2026-06-10T08:00"));
        assertThat(SendRules.nextWindow(WEEKDAYS, PARIS, paris("2026-06-09T06:59"))).isEqualTo(paris("2026-06-09T08:00"));
    }

    @Test
    void waitsForMondayAtTheWeekend() {
        assertThat(SendRules.nextWindow(WEEKDAYS, PARIS, paris("2026-06-13T11:00"))).isEqualTo(paris("2026-06-15T08:00"));
        assertThat(SendRules.nextWindow(WEEKDAYS, PARIS, paris("2026-06-12T20:00"))).as("closing time is closed")
                .isEqualTo(paris("2026-06-15T08:00"));
    }

    @Test
    void usesTheLeadsTimeZoneFromItsCountry() {
        ZoneId newYork = SendRules.zoneOf("us", WEEKDAYS);
        assertThat(newYork).isEqualTo(ZoneId.of("America/New_York"));
        // 10:00 in Paris is 04:00 in New York: the American lead gets it at 08:00 its time
        assertThat(SendRules.nextWindow(WEEKDAYS, newYork, paris("2026-06-09T10:00")))
                .isEqualTo(LocalDateTime.parse("2026-06-09T08:00").atZone(newYork).toInstant());
        assertThat(SendRules.zoneOf("XX", WEEKDAYS)).as("unknown country: the default zone").isEqualTo(PARIS);
        assertThat(SendRules.zoneOf(null, WEEKDAYS)).isEqualTo(PARIS);
    }

    private static Instant paris(String local) {
        return LocalDateTime.parse(local).atZone(PARIS).toInstant();
    }
}
