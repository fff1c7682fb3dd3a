package io.leadflow.support;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.test.context.DynamicPropertyRegistry;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL for the tests that need what H2 cannot show (row locks, aborted transactions, concurrency):
 * started on first use, once per test JVM, stopped by its own shutdown hook.
 */
public final class EmbeddedDatabase {

    private EmbeddedDatabase() {
    }

    private static final class Holder {
        static final EmbeddedPostgres POSTGRES = start();

        private static EmbeddedPostgres start() {
            try {
                return EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("Embedded PostgreSQL did not start", e);
            }
        }
    }

    /**
     * The JDBC address of the embedded PostgreSQL (user {@code postgres}, no password); {@code applicationName}
     * names the client in {@code pg_stat_activity}, so a test can find the connections of one node.
     */
    public static String jdbcUrl(String applicationName) {
        return jdbcUrl("postgres", applicationName);
    }

    /** The same for another database of the embedded PostgreSQL, one that {@code register(registry, database)} made. */
    public static String jdbcUrl(String database, String applicationName) {
        return "jdbc:postgresql://localhost:" + Holder.POSTGRES.getPort() + "/" + database + "?ApplicationName="
                + applicationName;
    }

    /**
     * Points the Spring context of the test at a database of its own in the embedded PostgreSQL, created on first use:
     * the job executors of the other contexts on {@code postgres} never see its jobs, and a test can count the
     * connections of this database that wait for a lock.
     */
    public static void register(DynamicPropertyRegistry registry, String database) {
        try (var connection = Holder.POSTGRES.getPostgresDatabase().getConnection();
                var exists = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, database);
            if (!exists.executeQuery().next()) {
                connection.createStatement().execute("create database " + database);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("Could not create database " + database, e);
        }
        registry.add("spring.datasource.url", () -> Holder.POSTGRES.getJdbcUrl("postgres", database));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }

    /** Points the Spring context of the test at the embedded PostgreSQL. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> Holder.POSTGRES.getJdbcUrl("postgres", "postgres"));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }
}
