package io.leadflow.handoff;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Business calendars: {@code leadflow.calendar.<id>.{zone,days,hours,holidays}}. */
@ConfigurationProperties("leadflow")
public record CalendarSettings(Map<String, Calendar> calendar) {

    /**
     * @param hours          working hours as {@code HH:mm-HH:mm}, e.g. {@code 09:00-17:00}
     * @param holidays       dates with no working time, besides the public holidays below
     * @param holidayCountry public holidays of this country (ISO code such as {@code fr}, {@code de}, {@code us}) from
     *                       the jollyday library, kept up to date by its maintainers; none when empty
     * @param holidayRegions the country's regions whose holidays count too (e.g. {@code by} for Bavaria)
     */
    public record Calendar(ZoneId zone, Set<DayOfWeek> days, String hours, List<LocalDate> holidays,
            String holidayCountry, List<String> holidayRegions) {

        public LocalTime opens() {
            return LocalTime.parse(hours.split("-")[0].trim());
        }

        public LocalTime closes() {
            return LocalTime.parse(hours.split("-")[1].trim());
        }
    }

    public CalendarSettings {
        // in the order configured: the first calendar is the one of a team that names none (a team made in Admin)
        calendar = calendar == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(calendar));
    }

    /** The first calendar configured, for a team that names none; null when there is no calendar at all. */
    public String defaultCalendar() {
        return calendar.keySet().stream().findFirst().orElse(null);
    }
}
