package io.leadflow.analytics;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** @param mqlWeeklyTarget MQLs per week marketing promised sales ({@code leadflow.funnel.mql-weekly-target}) */
@ConfigurationProperties("leadflow.funnel")
public record FunnelSettings(int mqlWeeklyTarget) {
}
