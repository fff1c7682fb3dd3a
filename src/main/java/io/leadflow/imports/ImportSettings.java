package io.leadflow.imports;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * @param maxSize               largest file accepted ({@code leadflow.imports.max-size}, 200 MB)
 * @param repermissionPerHour   double opt-in emails started per hour for a re-permission campaign, to protect the
 *                              sending reputation (a sudden burst to an old list is what spam filters watch for)
 * @param claimTime             how long a node's claim on a running import lasts without being renewed
 *                              ({@code leadflow.imports.claim-time}, 1 minute): when the node stops without
 *                              giving its import back (a crash, {@code kill -9}), another node takes it over after
 *                              this long
 * @param checkEvery            how often a node renews its claims and looks for imports to take over
 *                              ({@code leadflow.imports.check-every}, 15 seconds)
 * @param rejectedRowsRetention how long the rows an import refused are kept after it ended (they hold personal data;
 *                              {@code P30D})
 */
@ConfigurationProperties("leadflow.imports")
public record ImportSettings(DataSize maxSize, int repermissionPerHour, Duration claimTime, Duration checkEvery,
        Duration rejectedRowsRetention) {

    public ImportSettings {
        maxSize = maxSize == null ? DataSize.ofMegabytes(200) : maxSize;
        repermissionPerHour = repermissionPerHour <= 0 ? 500 : repermissionPerHour;
        claimTime = claimTime == null ? Duration.ofMinutes(1) : claimTime;
        checkEvery = checkEvery == null ? Duration.ofSeconds(15) : checkEvery;
        rejectedRowsRetention = rejectedRowsRetention == null ? Duration.ofDays(30) : rejectedRowsRetention;
        if (claimTime.compareTo(checkEvery.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("leadflow.imports.claim-time (" + claimTime + ") must be at least twice "
                    + "leadflow.imports.check-every (" + checkEvery + "), or a busy node's claim runs out before it "
                    + "renews it: raise the one or lower the other");
        }
    }
}
