package io.leadflow.analytics;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The same reports on the same known data set, on PostgreSQL: the medians are computed by the database
 * ({@code percentile_cont} over {@code extract(epoch …)}), so both databases must give the same numbers. A database
 * of its own, so no other test's leads join the cohorts; zonky stops it when the JVM ends.
 */
class AnalyticsOnPostgresTests extends AnalyticsTests {

    private static EmbeddedPostgres postgres;

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> database().getJdbcUrl("postgres", "postgres"));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
    }

    private static synchronized EmbeddedPostgres database() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("Embedded PostgreSQL did not start", e);
            }
        }
        return postgres;
    }
}
