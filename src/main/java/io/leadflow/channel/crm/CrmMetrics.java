package io.leadflow.channel.crm;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * What an integrator watches: {@code leadflow_crm_pushes_total} by outcome, {@code leadflow_crm_push_failures_total}
 * by class ({@code rejected}, {@code throttled}, {@code server-error}, {@code timeout}, {@code connection}) and
 * {@code leadflow_crm_push_latency_seconds}, the CRM's answer time, by outcome.
 */
@Component
class CrmMetrics {

    private final MeterRegistry registry;
    private final ConcurrentMap<String, Counter> failures = new ConcurrentHashMap<>();

    CrmMetrics(MeterRegistry registry) {
        this.registry = registry;
        // every class from the start, so dashboards and alerts see zeros rather than no series
        failure("rejected");
        for (CrmUnavailable.Kind kind : CrmUnavailable.Kind.values()) {
            failure(kind.tag());
        }
    }

    void pushed(long startedNanos) {
        record("success", startedNanos);
    }

    void failed(String failureClass, long startedNanos) {
        failure(failureClass).increment();
        record("failure", startedNanos);
    }

    private Counter failure(String failureClass) {
        return failures.computeIfAbsent(failureClass, c -> Counter.builder("leadflow.crm.push.failures")
                .description("CRM pushes that failed, by class").tag("class", c).register(registry));
    }

    private void record(String outcome, long startedNanos) {
        Counter.builder("leadflow.crm.pushes").description("CRM push attempts, by outcome").tag("outcome", outcome)
                .register(registry).increment();
        Timer.builder("leadflow.crm.push.latency").description("Time the CRM took to answer a push")
                .tag("outcome", outcome).register(registry).record(Duration.ofNanos(System.nanoTime() - startedNanos));
    }
}
