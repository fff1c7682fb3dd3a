package io.leadflow.channel.web;

import org.junit.jupiter.api.Tag;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import io.leadflow.support.OwnContext;

/**
 * The tracking tests again on a real PostgreSQL: the anonymous-visits table, linking (rows taken under a lock) and
 * the retention purge with PostgreSQL's timestamps.
 */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = "camunda.bpm.generate-unique-process-engine-name=true")
class TrackingPostgresTests extends TrackingTests {

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        io.leadflow.support.EmbeddedDatabase.register(registry);
    }
}
