package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;

import io.leadflow.support.ServiceTestBase;

/**
 * An API call that meets a journey another transaction is changing at that moment: its own change of the journey
 * loses the race on the engine's optimistic locking, and the call is run again instead of answering 500.
 */
class BusyJourneyTests extends ServiceTestBase {

    @Autowired
    RuntimeService runtime;

    @Autowired
    TransactionTemplate transactions;

    private static double retried(String operation) {
        return Metrics.globalRegistry.find("leadflow.conflicts.retried").tag("operation", operation).counters()
                .stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void erasesALeadWhoseJourneyAnotherTransactionIsChangingAtThatMoment() throws Exception {
        String email = "busy." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String leadId = read(postJson("/api/leads", "demo", Map.of("email", email, "consentText",
                "Yes, send me the newsletter"))).path("id").asText();
        String journey = runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).singleResult().getId();
        double before = retried("LeadService.erase");

        // Another transaction changes every execution of the journey and holds its change a moment.
        CountDownLatch changed = new CountDownLatch(1);
        Thread other = new Thread(() -> transactions.executeWithoutResult(status -> {
            runtime.suspendProcessInstanceById(journey);
            runtime.activateProcessInstanceById(journey);
            changed.countDown();
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        other.start();
        assertThat(changed.await(10, TimeUnit.SECONDS)).isTrue();

        ResponseEntity<String> erased = rest.exchange(url("/api/leads/" + leadId), HttpMethod.DELETE,
                new HttpEntity<>(basic("demo")), String.class);
        other.join();

        assertThat(erased.getStatusCode().value()).as(erased.getBody()).isEqualTo(204);
        assertThat(retried("LeadService.erase") - before).as("the erasure lost the race and was run again")
                .isPositive();
        assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count()).isZero();
        assertThat(get("/api/leads/" + leadId, "demo").getStatusCode().value()).isEqualTo(410);
    }
}
