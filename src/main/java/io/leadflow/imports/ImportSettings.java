package io.leadflow.imports;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * @param maxSize               largest file accepted ({@code leadflow.imports.max-size}, 200 MB)
 * @param repermissionPerHour   double opt-in emails started per hour for a re-permission campaign, to protect the
 *                              sending reputation (a sudden burst to an old list is what spam filters watch for)
 */
@ConfigurationProperties("leadflow.imports")
public record ImportSettings(DataSize maxSize, int repermissionPerHour) {

    public ImportSettings {
        maxSize = maxSize == null ? DataSize.ofMegabytes(200) : maxSize;
        repermissionPerHour = repermissionPerHour <= 0 ? 500 : repermissionPerHour;
    }
}
