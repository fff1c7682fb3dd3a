package io.leadflow.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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

/** Accounts again on PostgreSQL, where two nodes may place the first leads of a company at the same instant. */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = "camunda.bpm.generate-unique-process-engine-name=true")
class AccountsPostgresTests extends AccountsTests {

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        EmbeddedDatabase.register(registry, "accounts");
    }

    @Test
    void twoImportChunksMakingTheSameNewCompaniesInOppositeOrdersAtOnceBothGetTheSameAccounts() throws Exception {
        ExecutorService chunks = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                String run = "chunk" + round + "-" + UUID.randomUUID().toString().substring(0, 8);
                Map<String, Accounts.Candidate> forward = new LinkedHashMap<>();
                for (int i = 0; i < 6; i++) {
                    String d = "d" + i + "-" + run + "-corp.io";
                    forward.put(d, new Accounts.Candidate(UUID.randomUUID().toString(), "x@" + d, null));
                }
                Map<String, Accounts.Candidate> backward = new LinkedHashMap<>();
                List<String> reversed = new ArrayList<>(forward.keySet());
                java.util.Collections.reverse(reversed);
                reversed.forEach(d -> backward.put(d, forward.get(d)));
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<Map<String, String>>> made = new ArrayList<>();
                for (Map<String, Accounts.Candidate> order : List.of(forward, backward)) {
                    made.add(chunks.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        return accounts.createAll(order);
                    }));
                }
                Map<String, String> first = made.get(0).get(30, TimeUnit.SECONDS);
                Map<String, String> second = made.get(1).get(30, TimeUnit.SECONDS);
                for (String d : forward.keySet()) {
                    String owner = jdbc.sql("select account_id from account_domains where domain = ?").param(d)
                            .query(String.class).single();
                    assertThat(first.get(d)).as("round %d, %s", round, d).isEqualTo(owner);
                    assertThat(second.get(d)).as("round %d, %s", round, d).isEqualTo(owner);
                }
            }
        } finally {
            chunks.shutdownNow();
        }
    }

    @Test
    void makesOneAccountWhenTwoLeadsOfANewCompanyAreCapturedAtOnceAndLosesNeither() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                String domain = "race" + round + "-" + UUID.randomUUID().toString().substring(0, 8) + "-corp.io";
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<String>> captured = new ArrayList<>();
                for (String who : List.of("ann", "ben")) {
                    captured.add(clients.submit(() -> {
                        together.await(10, TimeUnit.SECONDS);
                        return capture(who + "@" + domain, who.equals("ann") ? "Race Corp" : null);
                    }));
                }
                List<String> ids = new ArrayList<>();
                for (Future<String> lead : captured) {
                    ids.add(lead.get(30, TimeUnit.SECONDS));
                }
                assertThat(texts(onlyAccount(domain).path("contacts"))).as("round %d", round)
                        .containsExactlyInAnyOrderElementsOf(ids);
            }
        } finally {
            clients.shutdownNow();
        }
    }
}
