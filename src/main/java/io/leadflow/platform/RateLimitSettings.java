package io.leadflow.platform;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Against list bombing and token guessing (per node).
 *
 * @param perIpPerMinute      public POSTs (forms, confirmation, new-link requests) from one IP address
 * @param perAddressPerHour   submissions naming one email address
 */
@ConfigurationProperties("leadflow.ratelimit")
public record RateLimitSettings(int perIpPerMinute, int perAddressPerHour) {

    public RateLimitSettings {
        perIpPerMinute = perIpPerMinute <= 0 ? 30 : perIpPerMinute;
        perAddressPerHour = perAddressPerHour <= 0 ? 10 : perAddressPerHour;
    }
}
