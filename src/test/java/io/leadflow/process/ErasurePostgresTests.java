package io.leadflow.process;

import org.junit.jupiter.api.Tag;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import io.leadflow.support.EmbeddedDatabase;
import io.leadflow.support.OwnContext;

/** The erasure sweep again on PostgreSQL: {@code text}, {@code jsonb} and {@code bytea} columns, the engine's too. */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = "camunda.bpm.generate-unique-process-engine-name=true")
class ErasurePostgresTests extends ErasureTests {

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        // a database of its own: the sweep reads every table, and no other context's job executor runs its jobs
        EmbeddedDatabase.register(registry, "erasure_sweep");
    }

    @org.junit.jupiter.api.Test
    void theSuppressionListBackfillHashesAsJavaDoes() {
        // db/postgresql/V29_1 hashes the leads suppressed before the list existed in SQL: the same hash as Java's
        org.assertj.core.api.Assertions.assertThat(jdbc.queryForObject(
                "select encode(sha256(convert_to(?, 'UTF8')), 'hex')", String.class, "jo.lee@acme-corp.io"))
                .isEqualTo(io.leadflow.platform.Hashing.sha256("jo.lee@acme-corp.io"));
    }
}
