package io.leadflow.consent;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Double opt-in timing. The {@code get…} methods give ISO-8601 strings for the model's timers
 * ({@code ${doiSettings.reminderAfter}}); a literal a marketer types in the model wins over them.
 */
@ConfigurationProperties("leadflow.doi")
public record DoiSettings(Duration reminderAfter, Duration expireAfter, Duration tokenValidFor,
        Duration resendMinInterval) {

    public DoiSettings {
        Duration afterReminder = expireAfter.minus(reminderAfter);
        if (afterReminder.isNegative() || afterReminder.isZero()) {
            throw new IllegalArgumentException("leadflow.doi.expire-after (" + expireAfter
                    + ") must be longer than leadflow.doi.reminder-after (" + reminderAfter + ")");
        }
    }

    public String getReminderAfter() {
        return reminderAfter.toString();
    }

    /** The expiry timer starts after the reminder: together they make {@code expire-after} from submission. */
    public String getExpireAfterReminder() {
        return expireAfter.minus(reminderAfter).toString();
    }
}
