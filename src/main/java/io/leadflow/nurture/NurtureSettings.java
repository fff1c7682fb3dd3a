package io.leadflow.nurture;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Nurture rules the models read ({@code ${nurtureSettings.sunsetAfter}}); a number a marketer types in the model
 * wins over them.
 *
 * @param sunsetAfter marketing emails in a row without any engagement after which nurture sends its re-engagement
 *                    email (and, still without engagement, sunsets the lead); default 3
 */
@ConfigurationProperties("leadflow.nurture")
public record NurtureSettings(int sunsetAfter) {

    public NurtureSettings {
        sunsetAfter = sunsetAfter <= 0 ? 3 : sunsetAfter;
    }

    /** For model expressions, which call getters. */
    public int getSunsetAfter() {
        return sunsetAfter;
    }
}
