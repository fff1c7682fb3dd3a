package io.leadflow.platform;

import java.util.Locale;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Fresh planner statistics for a table that a bulk write has just grown. The database's own background analysis
 * (PostgreSQL's autovacuum) comes about once a minute; a large import grows a table tenfold in less, and a planner
 * that still believes the table small scans it whole for every lookup of the next chunk.
 */
@Component
public class TableStatistics {

    private static final Logger log = LoggerFactory.getLogger(TableStatistics.class);
    private static final Set<String> TABLES = Set.of("leads", "stage_history", "consent_ledger_pending");

    private final JdbcTemplate jdbc;
    /** The database's ANALYZE statement, learnt at the first refresh (not at start-up: few runs ever need it). */
    private volatile String statement;

    TableStatistics(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    private String statement() {
        if (statement == null) {
            String product = jdbc.execute((ConnectionCallback<String>) c -> c.getMetaData().getDatabaseProductName());
            statement = product.toLowerCase(Locale.ROOT).contains("h2") ? "analyze table %s" : "analyze %s";
        }
        return statement;
    }

    /**
     * Refreshes the statistics of one of our tables; a failure only costs speed, so it is logged, not thrown.
     *
     * @return whether the database took it
     */
    public boolean refresh(String table) {
        if (!TABLES.contains(table)) {
            throw new IllegalArgumentException("No statistics to refresh for " + table);
        }
        long started = System.nanoTime();
        try {
            jdbc.execute(statement().formatted(table));
            log.debug("Statistics of {} refreshed in {} ms", table, (System.nanoTime() - started) / 1_000_000);
            return true;
        } catch (RuntimeException e) {
            log.warn("Statistics of {} could not be refreshed ({}); lookups may be slower until the database "
                    + "analyses it itself", table, Errors.rootMessage(e));
            return false;
        }
    }
}
