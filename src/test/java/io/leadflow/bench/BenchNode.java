package io.leadflow.bench;

import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.ProcessEnginePlugin;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Bean;

import io.leadflow.LeadflowApplication;

/**
 * A Leadflow node of M6 in a process of its own: the application as shipped, except that its engine writes its
 * metrics to the database every second instead of every 15 minutes, so the bench can read what each node's job
 * acquisition won and lost while the other node ran beside it.
 */
public final class BenchNode {

    private BenchNode() {
    }

    public static void main(String[] args) {
        new SpringApplicationBuilder(LeadflowApplication.class, MetricsEverySecond.class).run(args);
    }

    /** A source of this node only: not annotated, so no component scan of the tests' class path picks it up. */
    static class MetricsEverySecond {

        @Bean
        ProcessEnginePlugin metricsEverySecond() {
            return new AbstractProcessEnginePlugin() {
                @Override
                public void postInit(ProcessEngineConfigurationImpl configuration) {
                    configuration.getDbMetricsReporter().setReportingIntervalInSeconds(1);
                }
            };
        }
    }
}
