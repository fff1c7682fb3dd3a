package io.leadflow.platform;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The period of a report as its API takes it: {@code from} a day (ISO date) or an instant, inclusive, default 30 days
 * before {@code to}; {@code to} a day (inclusive) or an instant (exclusive), default now; at most 366 days.
 */
public record ReportPeriod(Instant start, Instant end) {

    public static final Duration LONGEST = Duration.ofDays(366);

    /** @throws InvalidInputException naming {@code from} or {@code to} */
    public static ReportPeriod of(String from, String to, Instant now) {
        Instant end = to == null || to.isBlank() ? now : parse("to", to, true);
        Instant start = from == null || from.isBlank() ? end.minus(Duration.ofDays(30)) : parse("from", from, false);
        if (!start.isBefore(end)) {
            throw InvalidInputException.of("from", "must be before 'to'");
        }
        if (Duration.between(start, end).compareTo(LONGEST) > 0) {
            throw InvalidInputException.of("to", "the period may be at most 366 days");
        }
        return new ReportPeriod(start, end);
    }

    private static Instant parse(String field, String value, boolean endOfDay) {
        try {
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw InvalidInputException.of(field, "must be a date such as 2026-11-01 or an instant such as "
                    + "2026-11-01T00:00:00Z");
        }
    }
}
