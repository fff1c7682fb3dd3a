package io.leadflow.process;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.leadflow.platform.ModelKeys;

/**
 * The engine's health in Prometheus (the starter ships none): jobs waiting, jobs out of retries, open incidents
 * and running instances per process. Each is a count query, run only when scraped.
 */
@Component
class EngineMetrics implements MeterBinder {

    private final ManagementService management;
    private final RuntimeService runtime;

    EngineMetrics(ManagementService management, RuntimeService runtime) {
        this.management = management;
        this.runtime = runtime;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("leadflow.engine.jobs.due", management, m -> m.createJobQuery().executable().count())
                .description("Jobs ready to run now").register(registry);
        Gauge.builder("leadflow.engine.jobs.failed", management, m -> m.createJobQuery().noRetriesLeft().count())
                .description("Jobs out of retries (each has an incident)").register(registry);
        Gauge.builder("leadflow.engine.incidents", runtime, r -> r.createIncidentQuery().count())
                .description("Open incidents: see Cockpit").register(registry);
        for (String key : new String[] {ModelKeys.DOUBLE_OPT_IN, ModelKeys.LEAD_QUALIFICATION, ModelKeys.NURTURE,
                ModelKeys.MQL_HANDOFF, ModelKeys.QUALIFICATION}) {
            Gauge.builder("leadflow.engine.instances", runtime,
                    r -> r.createProcessInstanceQuery().processDefinitionKey(key).count())
                    .tag("process", key).description("Running process instances").register(registry);
        }
    }
}
