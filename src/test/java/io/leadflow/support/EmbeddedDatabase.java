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
        return "jdbc:postgresql://localhost:" + Holder.POSTGRES.getPort() + "/postgres?ApplicationName="
                + applicationName;
    }

    /** Points the Spring context of the test at the embedded PostgreSQL. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> Holder.POSTGRES.getJdbcUrl("postgres", "postgres"));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }
}
