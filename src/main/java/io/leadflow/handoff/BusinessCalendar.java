package io.leadflow.handoff;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.Period;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.springframework.stereotype.Component;

import de.focus_shift.jollyday.core.HolidayManager;
import de.focus_shift.jollyday.core.HolidayType;
import de.focus_shift.jollyday.core.ManagerParameters;

/**
 * Adds business time to an instant: {@code PTnH}/{@code PTnM} count working hours, {@code PnD} counts working
 * days, on a team's calendar (zone, working days and hours, holidays). Local times are resolved in the zone, so
 * DST changes are handled by {@link ZonedDateTime}.
 */
@Component
public class BusinessCalendar {

    private final CalendarSettings settings;
    private final Map<String, HolidayManager> publicHolidays = new ConcurrentHashMap<>();

    BusinessCalendar(CalendarSettings settings) {
        this.settings = settings;
        settings.calendar().forEach((id, cal) -> {
            if (cal.holidayCountry() != null && !cal.holidayCountry().isBlank()) {
                try {
                    publicHolidays.put(id, HolidayManager.getInstance(ManagerParameters.create(
                            cal.holidayCountry().trim().toLowerCase(Locale.ROOT))));
                } catch (RuntimeException e) {
                    throw new IllegalStateException("leadflow.calendar." + id + ".holiday-country '"
                            + cal.holidayCountry() + "' is no country the holiday library knows: use an ISO code "
                            + "such as fr, de, gb or us", e);
                }
            }
        });
    }

    public Instant add(String calendarId, Instant start, String isoDuration) {
        CalendarSettings.Calendar cal = settings.calendar().get(calendarId);
        if (cal == null) {
            throw new IllegalStateException("No business calendar '" + calendarId
                    + "': configure leadflow.calendar." + calendarId + ".{zone,days,hours}");
        }
        String iso = isoDuration.trim().toUpperCase();
        Predicate<LocalDate> working = workingDays(calendarId, cal);
        try {
            if (iso.contains("T")) {
                return addWorkingTime(cal, working, start, Duration.parse(iso));
            }
            return addWorkingDays(cal, working, start, Period.parse(iso).getDays());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + isoDuration + "' is not an ISO-8601 duration such as PT8H or P2D",
                    e);
        }
    }

    /**
     * The working time from one instant to another on the calendar, the inverse of {@link #add} for hours: what a
     * rep still has before a due date, in the hours the SLA was counted in. Negative, by the working time since, once
     * {@code to} has passed, so an overdue handoff says by how much.
     */
    public Duration workingTime(String calendarId, Instant from, Instant to) {
        CalendarSettings.Calendar cal = settings.calendar().get(calendarId);
        if (cal == null) {
            throw new IllegalStateException("No business calendar '" + calendarId
                    + "': configure leadflow.calendar." + calendarId + ".{zone,days,hours}");
        }
        Predicate<LocalDate> working = workingDays(calendarId, cal);
        return to.isBefore(from) ? workingTimeBetween(cal, working, to, from).negated()
                : workingTimeBetween(cal, working, from, to);
    }

    /**
     * Whether the instant falls in the calendar's working hours on a working day, in its zone: what routing asks of a
     * rep's own calendar at the instant the SLA clock starts.
     */
    public boolean isWorkingAt(String calendarId, Instant at) {
        CalendarSettings.Calendar cal = settings.calendar().get(calendarId);
        if (cal == null) {
            throw new IllegalStateException("No business calendar '" + calendarId
                    + "': configure leadflow.calendar." + calendarId + ".{zone,days,hours}");
        }
        ZonedDateTime local = at.atZone(cal.zone());
        LocalTime time = local.toLocalTime();
        return workingDays(calendarId, cal).test(local.toLocalDate()) && !time.isBefore(cal.opens())
                && time.isBefore(cal.closes());
    }

    /** Whether a calendar of this id is configured. */
    public boolean exists(String calendarId) {
        return calendarId != null && settings.calendar().containsKey(calendarId);
    }

    /** Whether a day of this calendar has working time: a working weekday, no configured or public holiday. */
    public boolean isWorkingDay(String calendarId, LocalDate day) {
        CalendarSettings.Calendar cal = settings.calendar().get(calendarId);
        return cal != null && workingDays(calendarId, cal).test(day);
    }

    private Predicate<LocalDate> workingDays(String calendarId, CalendarSettings.Calendar cal) {
        HolidayManager holidays = publicHolidays.get(calendarId);
        String[] regions = cal.holidayRegions() == null ? new String[0]
                : cal.holidayRegions().stream().map(r -> r.trim().toLowerCase(Locale.ROOT))
                        .toArray(String[]::new);
        return day -> cal.days().contains(day.getDayOfWeek())
                && (cal.holidays() == null || !cal.holidays().contains(day))
                && (holidays == null || !holidays.isHoliday(day, HolidayType.PUBLIC_HOLIDAY, regions));
    }

    static Instant addWorkingTime(CalendarSettings.Calendar cal, Predicate<LocalDate> isWorkingDay, Instant start,
            Duration amount) {
        Duration left = amount;
        ZonedDateTime cursor = start.atZone(cal.zone());
        for (int guard = 0; guard < 3660; guard++) {
            LocalDate day = cursor.toLocalDate();
            if (isWorkingDay.test(day)) {
                ZonedDateTime open = day.atTime(cal.opens()).atZone(cal.zone());
                ZonedDateTime close = day.atTime(cal.closes()).atZone(cal.zone());
                ZonedDateTime from = cursor.isAfter(open) ? cursor : open;
                if (from.isBefore(close)) {
                    Duration available = Duration.between(from, close);
                    if (available.compareTo(left) >= 0) {
                        return from.plus(left).toInstant();
                    }
                    left = left.minus(available);
                }
            }
            cursor = day.plusDays(1).atStartOfDay(cal.zone());
        }
        throw new IllegalStateException("No working time within ten years on this calendar: check its days and hours");
    }

    /**
     * The working time within {@code [from, to]}, {@code from} not after {@code to}: each working day's opening hours
     * that fall inside, measured as {@link #addWorkingTime} measures them (real time between opening and closing in
     * the zone), so that the time between a start and start plus a duration is that duration.
     */
    static Duration workingTimeBetween(CalendarSettings.Calendar cal, Predicate<LocalDate> isWorkingDay, Instant from,
            Instant to) {
        ZonedDateTime start = from.atZone(cal.zone());
        ZonedDateTime end = to.atZone(cal.zone());
        Duration total = Duration.ZERO;
        for (LocalDate day = start.toLocalDate(); !day.isAfter(end.toLocalDate()); day = day.plusDays(1)) {
            if (!isWorkingDay.test(day)) {
                continue;
            }
            ZonedDateTime open = day.atTime(cal.opens()).atZone(cal.zone());
            ZonedDateTime close = day.atTime(cal.closes()).atZone(cal.zone());
            ZonedDateTime a = start.isAfter(open) ? start : open;
            ZonedDateTime b = end.isBefore(close) ? end : close;
            if (a.isBefore(b)) {
                total = total.plus(Duration.between(a, b));
            }
        }
        return total;
    }

    static Instant addWorkingDays(CalendarSettings.Calendar cal, Predicate<LocalDate> isWorkingDay, Instant start,
            int days) {
        ZonedDateTime cursor = start.atZone(cal.zone());
        LocalDate day = cursor.toLocalDate();
        LocalTime time = cursor.toLocalTime();
        if (time.isBefore(cal.opens())) {
            time = cal.opens();
        } else if (!time.isBefore(cal.closes())) {
            time = cal.opens();
            day = day.plusDays(1);
        }
        if (!isWorkingDay.test(day)) {
            // no working time passes on a weekend or holiday: count from the next opening
            time = cal.opens();
            while (!isWorkingDay.test(day)) {
                day = day.plusDays(1);
            }
        }
        int added = 0;
        while (added < days) {
            day = day.plusDays(1);
            if (isWorkingDay.test(day)) {
                added++;
            }
        }
        return day.atTime(time).atZone(cal.zone()).toInstant();
    }
}
