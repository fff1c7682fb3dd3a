package io.leadflow.channel.crm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

import io.leadflow.support.OwnContext;

/**
 * The webhook tests again on a real PostgreSQL, where a failed statement aborts the whole transaction, plus what H2
 * cannot show: the same event delivered several times at once is applied exactly once and every delivery hears 200.
 */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = "camunda.bpm.generate-unique-process-engine-name=true")
class CrmWebhookPostgresTests extends CrmWebhookTests {

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        io.leadflow.support.EmbeddedDatabase.register(registry);
    }

    @Test
    void appliesAnEventDeliveredEightTimesAtOnceExactlyOnce() throws Exception {
        String body = eventWithId(UUID.randomUUID().toString(), "LEAD_ACCEPTED", "leadId", leadId);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ResponseEntity<String>>> deliveries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Callable<ResponseEntity<String>> delivery = () -> {
                start.await();
                return send(body);
            };
            deliveries.add(pool.submit(delivery));
        }
        start.countDown();
        List<String> outcomes = new ArrayList<>();
        for (Future<ResponseEntity<String>> d : deliveries) {
            ResponseEntity<String> response = d.get();
            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(HttpStatus.OK);
            outcomes.add(read(response).path("status").asText());
        }
        pool.shutdown();

        assertThat(outcomes).containsOnlyOnce("APPLIED").containsOnly("APPLIED", "DUPLICATE");
        assertThat(handoff().path("status").asText()).isEqualTo("ACCEPTED");
    }
}
