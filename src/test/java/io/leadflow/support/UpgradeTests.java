package io.leadflow.support;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A schema upgrade checked on both databases Leadflow runs on: a fresh H2 in memory and a fresh embedded PostgreSQL,
 * each migrated up to the version before the one under test, given data, then migrated to the latest.
 */
public abstract class UpgradeTests {

    private static EmbeddedPostgres postgres;

    @AfterAll
    static void stop() throws Exception {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    @Test
    void backfillsOnH2() {
        assertBackfilled(new DriverManagerDataSource("jdbc:h2:mem:upgrade-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1",
                "sa", ""));
    }

    @Test
    void backfillsOnPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        assertBackfilled(postgres.getPostgresDatabase());
    }

    private void assertBackfilled(DataSource db) {
        Flyway.configure().dataSource(db).locations("classpath:db/migration").target(versionBefore()).load().migrate();
        JdbcClient jdbc = JdbcClient.create(db);
        given(jdbc);
        Flyway.configure().dataSource(db).locations("classpath:db/migration").load().migrate();
        upgraded(jdbc);
    }

    /** The schema version before the upgrade under test. */
    protected abstract String versionBefore();

    /** Writes what the database holds before the upgrade. */
    protected abstract void given(JdbcClient jdbc);

    /** Checks what the upgrade made of it. */
    protected abstract void upgraded(JdbcClient jdbc);
}
