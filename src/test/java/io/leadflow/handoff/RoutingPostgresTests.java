package io.leadflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import io.leadflow.support.EmbeddedDatabase;
import io.leadflow.support.OwnContext;

/**
 * Routing again on PostgreSQL, where leads of one team are routed at the same instant on several threads (as on
 * several nodes): the team's locked turn makes each routing see the handoffs of the one before, so no rep goes over
 * their capacity and none is passed by wrongly.
 */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = "camunda.bpm.generate-unique-process-engine-name=true")
class RoutingPostgresTests extends RoutingTests {

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        EmbeddedDatabase.register(registry, "routing");
    }

    @Test
    void neverGivesARepMoreThanTheirCapacityWhenLeadsAreRoutedAtOnce() throws Exception {
        newTeam("rt-race");
        newRep("rt-ada", "ada@race.example", "rt-race");
        newRep("rt-bea", "bea@race.example", "rt-race");
        put("/api/sales/reps/rt-ada/routing", "demo", Map.of("capacity", 3));
        put("/api/sales/reps/rt-bea/routing", "demo", Map.of("capacity", 3));
        route("KR", "rt-race", "round-robin", null);
        String domain = "race-" + UUID.randomUUID().toString().substring(0, 8) + ".io";
        List<String> leads = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            leads.add(leadFrom("KR", domain));
        }

        ExecutorService nodes = Executors.newFixedThreadPool(10);
        Map<String, Integer> taken = new HashMap<>();
        try {
            CyclicBarrier together = new CyclicBarrier(10);
            List<Future<Handoff>> routed = new ArrayList<>();
            for (String lead : leads) {
                routed.add(nodes.submit(() -> {
                    together.await(10, TimeUnit.SECONDS);
                    return open(lead);
                }));
            }
            for (Future<Handoff> h : routed) {
                taken.merge(String.valueOf(h.get(60, TimeUnit.SECONDS).owner()), 1, Integer::sum);
            }
        } finally {
            nodes.shutdownNow();
        }

        assertThat(taken).as("three each, then the team's queue").isEqualTo(Map.of("rt-ada", 3, "rt-bea", 3,
                "null", 4));
    }
}
