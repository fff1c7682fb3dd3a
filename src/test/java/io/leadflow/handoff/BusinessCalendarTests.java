package io.leadflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Business time on a team's calendar (docs/api.md §6): {@code PTnH}/{@code PTnM} count working time, {@code PnD} counts
 * working days, in the calendar's zone. Dates are of 2026; Paris changes clocks on 29 March and 25 October.
 */
class BusinessCalendarTests {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    private static final LocalDate LABOUR_DAY = LocalDate.of(2026, 5, 1);

    private final BusinessCalendar calendar = new BusinessCalendar(new CalendarSettings(Map.of(
            "paris", new CalendarSettings.Calendar(PARIS, EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                    "09:00-17:00", List.of(LABOUR_DAY), null, null),
            "night-desk", new CalendarSettings.Calendar(PARIS, EnumSet.allOf(DayOfWeek.class), "00:00-06:00",
                    List.of(), null, null),
            "france", new CalendarSettings.Calendar(PARIS, EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                    "09:00-17:00", List.of(), "fr", List.of()),
            "berlin", new CalendarSettings.Calendar(PARIS, EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                    "09:00-17:00", List.of(), "de", List.of()),
            "munich", new CalendarSettings.Calendar(PARIS, EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                    "09:00-17:00", List.of(), "DE", List.of("by")))));

    @Nested
    class PublicHolidays {

        @Test
        void skipsBastilleDayFromTheCountrysHolidays() {
            assertThat(add("france", "2026-07-13T15:00", "PT4H")).isEqualTo("2026-07-15T11:00");
        }

        @Test
        void skipsAscensionWhoseDateMovesWithEaster() {
            assertThat(add("france", "2026-05-13T15:00", "PT4H")).isEqualTo("2026-05-15T11:00");
            assertThat(add("france", "2026-05-13T10:00", "P1D")).isEqualTo("2026-05-15T10:00");
        }

        @Test
        void countsARegionalHolidayOnlyInItsRegion() {
            assertThat(add("munich", "2026-01-05T15:00", "PT4H")).as("Epiphany in Bavaria").isEqualTo("2026-01-07T11:00");
            assertThat(add("berlin", "2026-01-05T15:00", "PT4H")).isEqualTo("2026-01-06T11:00");
        }

        @Test
        void refusesACountryTheLibraryDoesNotKnow() {
            assertThatThrownBy(() -> new BusinessCalendar(new CalendarSettings(Map.of("nowhere",
                    new CalendarSettings.Calendar(PARIS, EnumSet.of(DayOfWeek.MONDAY), "09:00-17:00", List.of(),
                            "xx", List.of())))))
                    .hasMessageContaining("leadflow.calendar.nowhere.holiday-country");
        }
    }

    @Nested
    class WorkingHours {

        @Test
        void countsHoursWithinOneWorkingDay() {
            assertThat(add("2026-06-09T10:00", "PT4H")).isEqualTo("2026-06-09T14:00");
        }

        @Test
        void carriesWhatIsLeftAtClosingToTheNextMorning() {
            assertThat(add("2026-06-09T15:00", "PT4H")).isEqualTo("2026-06-10T11:00");
        }

        @Test
        void endsAtClosingTimeWhenTheWorkFillsTheDay() {
            assertThat(add("2026-06-09T09:00", "PT8H")).isEqualTo("2026-06-09T17:00");
        }

        @Test
        void skipsTheWeekend() {
            assertThat(add("2026-06-12T16:00", "PT8H")).isEqualTo("2026-06-15T16:00");
        }

        @Test
        void skipsAHoliday() {
            assertThat(add("2026-04-30T15:00", "PT4H")).isEqualTo("2026-05-04T11:00");
        }

        @Test
        void startsAtOpeningWhenCreatedBeforeIt() {
            assertThat(add("2026-06-09T07:30", "PT1H")).isEqualTo("2026-06-09T10:00");
        }

        @Test
        void startsTheNextMorningWhenCreatedAfterClosing() {
            assertThat(add("2026-06-09T18:00", "PT1H")).isEqualTo("2026-06-10T10:00");
        }

        @Test
        void startsOnMondayWhenCreatedOnASaturday() {
            assertThat(add("2026-06-13T11:00", "PT30M")).isEqualTo("2026-06-15T09:30");
        }

        @Test
        void countsMinutesAcrossClosingTime() {
            assertThat(add("2026-06-09T16:15", "PT90M")).isEqualTo("2026-06-10T09:45");
        }
    }

    @Nested
    class WorkingDays {

        @Test
        void keepsTheTimeOfDayAndSkipsTheWeekend() {
            assertThat(add("2026-06-11T10:00", "P2D")).isEqualTo("2026-06-15T10:00");
        }

        @Test
        void skipsAHoliday() {
            assertThat(add("2026-04-30T10:00", "P1D")).isEqualTo("2026-05-04T10:00");
        }

        @Test
        void countsFromOpeningWhenCreatedBeforeIt() {
            assertThat(add("2026-06-09T07:00", "P1D")).isEqualTo("2026-06-10T09:00");
        }

        @Test
        void countsFromTheNextOpeningWhenCreatedAfterClosing() {
            assertThat(add("2026-06-12T18:00", "P1D")).isEqualTo("2026-06-16T09:00");
        }

        @Test
        void countsFromMondayOpeningWhenCreatedOnASaturday() {
            // No working time passes over the weekend: a handoff made on Saturday morning or afternoon is due
            // one working day after Monday's opening, like one made at Friday's closing.
            assertThat(add("2026-06-13T11:00", "P1D")).isEqualTo("2026-06-16T09:00");
            assertThat(add("2026-06-13T15:30", "P1D")).isEqualTo(add("2026-06-12T18:00", "P1D"));
        }
    }

    @Nested
    class DaylightSavingTime {

        @Test
        void landsOnTheSameLocalHourAfterClocksGoForwardInMarch() {
            Instant friday = local("2026-03-27T16:00");

            Instant due = calendar.add("paris", friday, "PT8H");

            assertThat(local(due)).isEqualTo("2026-03-30T16:00");
            assertThat(Duration.between(friday, due)).isEqualTo(Duration.ofHours(71));
        }

        @Test
        void landsOnTheSameLocalHourAfterClocksGoBackInOctober() {
            Instant friday = local("2026-10-23T16:00");

            Instant due = calendar.add("paris", friday, "PT8H");

            assertThat(local(due)).isEqualTo("2026-10-26T16:00");
            assertThat(Duration.between(friday, due)).isEqualTo(Duration.ofHours(73));
        }

        @Test
        void keepsTheLocalTimeOfDayForWorkingDaysAcrossBothChanges() {
            assertThat(add("2026-03-27T10:00", "P1D")).isEqualTo("2026-03-30T10:00");
            assertThat(add("2026-10-23T10:00", "P1D")).isEqualTo("2026-10-26T10:00");
        }

        @Test
        void countsTheRealHoursOfAShortNightWhenClocksGoForward() {
            // 00:00-06:00 on 29 March lasts five real hours: the sixth is worked the next night.
            assertThat(add("night-desk", "2026-03-29T00:00", "PT6H")).isEqualTo("2026-03-30T01:00");
        }

        @Test
        void countsTheRealHoursOfALongNightWhenClocksGoBack() {
            // 00:00-06:00 on 25 October lasts seven real hours: six of them end at 05:00.
            assertThat(add("night-desk", "2026-10-25T00:00", "PT6H")).isEqualTo("2026-10-25T05:00");
        }
    }

    /** The working time left until a due date ({@code /my-leads}), each case counted by hand. */
    @Nested
    class WorkingTimeLeft {

        @Test
        void countsTheHoursLeftWithinOneWorkingDay() {
            assertThat(left("2026-06-09T10:00", "2026-06-09T14:00")).isEqualTo(Duration.ofHours(4));
        }

        @Test
        void leavesTheNightOut() {
            // Tuesday 15:40 to Wednesday 11:00: 1 h 20 min until closing, 2 h from opening
            assertThat(left("2026-06-09T15:40", "2026-06-10T11:00")).isEqualTo(Duration.ofMinutes(200));
        }

        @Test
        void leavesTheWeekendOut() {
            // Friday 16:00 to Monday 16:00: 1 h on Friday, 7 h on Monday
            assertThat(left("2026-06-12T16:00", "2026-06-15T16:00")).isEqualTo(Duration.ofHours(8));
        }

        @Test
        void leavesAHolidayOut() {
            // Thursday 30 April 15:00 to Monday 4 May 11:00: 2 h, Labour Day, the weekend, 2 h
            assertThat(left("2026-04-30T15:00", "2026-05-04T11:00")).isEqualTo(Duration.ofHours(4));
        }

        @Test
        void countsNothingOutsideWorkingHours() {
            assertThat(left("2026-06-09T07:30", "2026-06-09T08:30")).isZero();
            assertThat(left("2026-06-13T10:00", "2026-06-14T18:00")).as("a weekend").isZero();
            assertThat(left("2026-06-09T18:00", "2026-06-10T10:00")).isEqualTo(Duration.ofHours(1));
        }

        @Test
        void isNegativeByTheWorkingTimeSinceOnceDue() {
            // due Monday 16:30, now Tuesday 10:15: 30 min on Monday, 1 h 15 min on Tuesday
            assertThat(left("2026-06-09T10:15", "2026-06-08T16:30")).isEqualTo(Duration.ofMinutes(-105));
        }

        @Test
        void countsTheRealHoursOfAShortNightWhenClocksGoForward() {
            assertThat(calendar.workingTime("night-desk", local("2026-03-29T00:00"), local("2026-03-29T06:00")))
                    .isEqualTo(Duration.ofHours(5));
        }

        @Test
        void givesBackWhatAddAdded() {
            for (String start : List.of("2026-06-09T10:00", "2026-06-12T16:00", "2026-06-13T11:00",
                    "2026-04-30T15:00", "2026-03-27T16:00", "2026-10-23T16:00", "2026-06-09T18:00")) {
                for (String amount : List.of("PT1H", "PT4H", "PT8H", "PT90M", "PT16H")) {
                    Instant from = local(start);
                    assertThat(calendar.workingTime("paris", from, calendar.add("paris", from, amount)))
                            .as(start + " + " + amount).isEqualTo(Duration.parse(amount));
                }
            }
        }

        @Test
        void namesTheMissingCalendar() {
            assertThatThrownBy(() -> calendar.workingTime("tokyo", Instant.now(), Instant.now()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("leadflow.calendar.tokyo");
        }

        private Duration left(String now, String due) {
            return calendar.workingTime("paris", local(now), local(due));
        }
    }

    @Nested
    class Mistakes {

        @Test
        void namesTheMissingCalendarAndItsSettings() {
            assertThatThrownBy(() -> calendar.add("tokyo", Instant.now(), "PT1H"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("'tokyo'")
                    .hasMessageContaining("leadflow.calendar.tokyo");
        }

        @Test
        void refusesADurationThatIsNotIso8601() {
            assertThatThrownBy(() -> calendar.add("paris", Instant.now(), "two days"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'two days'");
        }
    }

    private String add(String start, String duration) {
        return add("paris", start, duration);
    }

    private String add(String calendarId, String start, String duration) {
        return local(calendar.add(calendarId, local(start), duration));
    }

    private static Instant local(String dateTime) {
        return LocalDateTime.parse(dateTime).atZone(PARIS).toInstant();
    }

    private static String local(Instant instant) {
        return instant.atZone(PARIS).toLocalDateTime().toString();
    }
}
