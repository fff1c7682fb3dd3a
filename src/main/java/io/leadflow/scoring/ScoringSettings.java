package io.leadflow.scoring;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param engagementHalfLife each event's points halve every this long
 * @param maxEventAge        events older than this are refused (400)
 */
@ConfigurationProperties("leadflow.scoring")
public record ScoringSettings(Duration engagementHalfLife, Duration maxEventAge) {
}
