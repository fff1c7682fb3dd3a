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

    /** Points the Spring context of the test at the embedded PostgreSQL. */
    public static void register(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> Holder.POSTGRES.getJdbcUrl("postgres", "postgres"));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }
}
