package io.leadflow.platform;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Against list bombing, token guessing and password guessing; counted in the database, so shared by all nodes.
 *
 * @param perIpPerMinute       public POSTs (forms, confirmation, new-link requests) from one IP address
 * @param perAddressPerHour    submissions naming one email address
 * @param loginFailuresPerIp   failed sign-ins from one IP address within {@code loginWindow}, then 429
 * @param loginFailuresPerUser failed sign-ins for one user name within {@code loginWindow}, then 429
 * @param loginWindow          the window failed sign-ins are counted in; a limit lifts when it ends
 */
@ConfigurationProperties("leadflow.ratelimit")
public record RateLimitSettings(int perIpPerMinute, int perAddressPerHour, int loginFailuresPerIp,
        int loginFailuresPerUser, Duration loginWindow) {

    public RateLimitSettings {
        perIpPerMinute = perIpPerMinute <= 0 ? 30 : perIpPerMinute;
        perAddressPerHour = perAddressPerHour <= 0 ? 10 : perAddressPerHour;
        loginFailuresPerIp = loginFailuresPerIp <= 0 ? 50 : loginFailuresPerIp;
        loginFailuresPerUser = loginFailuresPerUser <= 0 ? 10 : loginFailuresPerUser;
        loginWindow = loginWindow == null || loginWindow.isNegative() || loginWindow.isZero()
                ? Duration.ofMinutes(15) : loginWindow;
    }
}
