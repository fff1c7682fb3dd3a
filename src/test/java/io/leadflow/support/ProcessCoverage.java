package io.leadflow.support;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.community.process_test_coverage.core.model.DefaultCollector;
import org.camunda.community.process_test_coverage.core.model.Model;
import org.camunda.community.process_test_coverage.core.model.Run;
import org.camunda.community.process_test_coverage.core.model.Suite;
import org.camunda.community.process_test_coverage.engine.platform7.ExecutionContextModelProvider;
import org.camunda.community.process_test_coverage.engine.platform7.ProcessCoverageConfigurator;
import org.camunda.community.process_test_coverage.engine.platform7.ProcessEngineAdapter;
import org.camunda.community.process_test_coverage.report.CoverageReportUtil;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Flow-node and sequence-flow coverage (camunda-process-test-coverage 2.7.0) for tests on the Spring-managed engine
 * of {@link EngineTestBase}. The library's JUnit 5 extension wants to build its own engine (and needs
 * camunda-bpm-junit5), and its Spring variant is not among our dependencies, so this does what that variant does
 * with the library's engine and report parts: {@link EnginePlugin} installs the coverage parse listener before
 * the engine is built, and this extension opens a suite per test class and a run per test, then writes
 * {@code target/process-test-coverage/<class>/report.html} (and {@code report.json}) and logs the percentages.
 */
public final class ProcessCoverage implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {

    private static final Logger log = LoggerFactory.getLogger(ProcessCoverage.class);
    private static final String IDLE_SUITE = "outside-tests";
    private static final String IDLE_RUN = "idle";

    /** One collector per JVM: the engine's parse listener reports into it. Only the test thread runs processes. */
    static final DefaultCollector COLLECTOR = new DefaultCollector(new ExecutionContextModelProvider());

    static {
        COLLECTOR.createSuite(new Suite(IDLE_SUITE, "Engine work outside test methods"));
        COLLECTOR.activateSuite(IDLE_SUITE);
        COLLECTOR.createRun(new Run(IDLE_RUN, IDLE_RUN), IDLE_SUITE);
        COLLECTOR.activateRun(IDLE_RUN);
    }

    /** Puts the coverage listeners into the engine the Spring context builds. */
    @TestConfiguration(proxyBeanMethods = false)
    public static class EnginePlugin {

        @Bean
        AbstractProcessEnginePlugin processCoveragePlugin() {
            return new AbstractProcessEnginePlugin() {
                @Override
                public void preInit(ProcessEngineConfigurationImpl configuration) {
                    ProcessCoverageConfigurator.initializeProcessCoverageExtensions(configuration);
                }

                @Override
                public void postProcessEngineBuild(ProcessEngine engine) {
                    new ProcessEngineAdapter(engine, COLLECTOR).initializeListeners();
                }
            };
        }
    }

    @Override
    public synchronized void beforeAll(ExtensionContext context) {
        String suite = suiteId(context);
        if (!COLLECTOR.getSuites().containsKey(suite)) {
            COLLECTOR.createSuite(new Suite(suite, outermost(context.getRequiredTestClass()).getSimpleName()));
            COLLECTOR.createRun(new Run(suite + "#class", "class-level"), suite);
        }
        COLLECTOR.activateSuite(suite);
        COLLECTOR.activateRun(suite + "#class");
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        String suite = suiteId(context);
        COLLECTOR.activateSuite(suite);
        String run = context.getUniqueId();
        COLLECTOR.createRun(new Run(run, context.getDisplayName()), suite);
        COLLECTOR.activateRun(run);
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) {
        COLLECTOR.activateSuite(IDLE_SUITE);
        COLLECTOR.activateRun(IDLE_RUN);
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        if (context.getRequiredTestClass().getEnclosingClass() != null) {
            return;
        }
        String suiteId = suiteId(context);
        COLLECTOR.activateSuite(suiteId);
        Suite suite = COLLECTOR.getSuites().get(suiteId);
        Map<String, Double> byProcess = new LinkedHashMap<>();
        COLLECTOR.getModels().stream().sorted(Comparator.comparing(Model::getKey))
                .forEach(m -> byProcess.put(m.getKey(), suite.calculateCoverage(m)));
        log.info("Process coverage of {}: {} (total {})", suite.getName(), percentages(byProcess),
                String.format("%.0f %%", 100 * suite.calculateCoverage(COLLECTOR.getModels())));
        CoverageReportUtil.createReport(COLLECTOR, null);
        CoverageReportUtil.createJsonReport(COLLECTOR, null);
        COLLECTOR.activateSuite(IDLE_SUITE);
        COLLECTOR.activateRun(IDLE_RUN);
    }

    private static String percentages(Map<String, Double> byProcess) {
        StringBuilder out = new StringBuilder();
        byProcess.forEach((k, v) -> out.append(out.isEmpty() ? "" : ", ").append(k).append(' ')
                .append(String.format("%.0f %%", v * 100)));
        return out.toString();
    }

    private static String suiteId(ExtensionContext context) {
        return outermost(context.getRequiredTestClass()).getName();
    }

    private static Class<?> outermost(Class<?> type) {
        Class<?> c = type;
        while (c.getEnclosingClass() != null) {
            c = c.getEnclosingClass();
        }
        return c;
    }
}
