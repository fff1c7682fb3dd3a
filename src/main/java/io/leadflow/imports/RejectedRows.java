package io.leadflow.imports;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import io.leadflow.lead.LeadErased;
import io.leadflow.platform.Hashing;

/**
 * The rows an import refused, kept as they were for the marketer to fix: personal data, so they leave with the
 * person (erasure finds them by the hash of any address they hold) and after
 * {@code leadflow.imports.rejected-rows-retention} in any case.
 */
@Component
class RejectedRows {

    private static final Logger log = LoggerFactory.getLogger(RejectedRows.class);
    /** What separates the words of a row; a word with an {@code @} is taken for an address, wherever it stands. */
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,;\"'<>()\\[\\]]+");
    private static final int MAX_HASHES = 15;

    private final JdbcClient jdbc;
    private final ImportSettings settings;
    private final Clock clock;

    RejectedRows(JdbcClient jdbc, ImportSettings settings, Clock clock) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.clock = clock;
    }

    /** The SHA-256 of every address in the row, normalised as leads' addresses are, space-separated. */
    static String addressHashes(String raw) {
        Set<String> hashes = new LinkedHashSet<>();
        if (raw == null || raw.indexOf('@') < 0) {
            return null;
        }
        for (String word : SEPARATORS.split(raw)) {
            int at = word.indexOf('@');
            if (at > 0 && at < word.length() - 1 && hashes.size() < MAX_HASHES) {
                hashes.add(Hashing.sha256(word.toLowerCase(Locale.ROOT)));
            }
        }
        return hashes.isEmpty() ? null : String.join(" ", hashes);
    }

    /** In the erasing transaction: the person's rejected rows go with her. */
    @EventListener
    void forget(LeadErased erased) {
        if (erased.addressHash() == null) {
            return;
        }
        int deleted = jdbc.sql("delete from import_rejections where address_hashes like ?")
                .param("%" + erased.addressHash() + "%").update();
        // rows kept before the hashes were: looked at one by one
        for (var row : jdbc.sql("select import_id, line_no, raw from import_rejections where address_hashes is null"
                + " and raw like '%@%'").query((rs, n) -> new Object[] {rs.getString(1), rs.getInt(2),
                        rs.getString(3)}).list()) {
            String hashes = addressHashes((String) row[2]);
            if (hashes != null && hashes.contains(erased.addressHash())) {
                deleted += jdbc.sql("delete from import_rejections where import_id = ? and line_no = ?")
                        .params(row[0], row[1]).update();
            }
        }
        if (deleted > 0) {
            log.info("Erased {} rejected import rows of lead {}", deleted, erased.leadId());
        }
    }

    /** Rows of imports finished longer ago than the retention go; any node may run it. */
    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
    int forgetOld() {
        int deleted = jdbc.sql("""
                delete from import_rejections where import_id in
                  (select id from imports where finished_at is not null and finished_at < ?)""")
                .param(Timestamp.from(clock.instant().minus(settings.rejectedRowsRetention()))).update();
        if (deleted > 0) {
            log.info("Deleted {} rejected import rows older than {} (leadflow.imports.rejected-rows-retention)",
                    deleted, settings.rejectedRowsRetention());
        }
        return deleted;
    }
}
