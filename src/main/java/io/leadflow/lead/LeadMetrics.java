package io.leadflow.lead;

import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

@Component
class LeadMetrics {

    private final Counter captured;

    LeadMetrics(MeterRegistry registry) {
        this.captured = Counter.builder("leadflow.leads.captured").description("New leads captured").register(registry);
    }

    void captured() {
        captured.increment();
    }
}
