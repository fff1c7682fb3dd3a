package io.leadflow.process;

import java.util.concurrent.TimeUnit;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.spring.components.jobexecutor.SpringJobExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * A stopping node hands back the jobs it locked and did not start. Found by the cluster test: the job executor's
 * threads stopped taking work when the context began to close, and the jobs already acquired stayed locked by the
 * stopped node for the whole lock time ({@code camunda.bpm.job-execution.lock-time-in-millis}, 5 minutes), so the
 * other nodes waited that long before finishing them. Now, once the web server has drained its requests, the job
 * acquisition stops first, the running jobs finish, and the queued ones unlock themselves (the engine does so for a
 * job whose executor is no longer active); only then do the engine's threads stop.
 */
@Configuration
class JobHandBack {

    private static final Logger log = LoggerFactory.getLogger(JobHandBack.class);
    /** After the web server's graceful shutdown and stop (Spring Boot: DEFAULT_PHASE - 1024, - 2048). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;
    private static final int DRAIN_SECONDS = 30;

    /**
     * The engine's job threads keep taking work while the context closes (no early shutdown, no pause before this
     * bean has stopped the acquisition), and drain their queue when they shut down.
     */
    @Bean
    static BeanPostProcessor jobThreadsDrainOnStop() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof ThreadPoolTaskExecutor executor && "camundaTaskExecutor".equals(name)) {
                    executor.setAcceptTasksAfterContextClose(true);
                    executor.setWaitForTasksToCompleteOnShutdown(true);
                    executor.setAwaitTerminationSeconds(DRAIN_SECONDS);
                    executor.setPhase(PHASE - 1);
                }
                return bean;
            }
        };
    }

    @Bean
    SmartLifecycle jobExecutorStopsFirst(ProcessEngine engine) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
            }

            @Override
            public void stop() {
                running = false;
                var jobExecutor = ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
                        .getJobExecutor();
                if (jobExecutor == null || !jobExecutor.isActive()) {
                    return;
                }
                jobExecutor.shutdown();
                if (jobExecutor instanceof SpringJobExecutor spring
                        && spring.getTaskExecutor() instanceof ThreadPoolTaskExecutor threads) {
                    var pool = threads.getThreadPoolExecutor();
                    pool.shutdown();
                    try {
                        if (!pool.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                            log.warn("Jobs still running {} s after the stop began; their locks expire after"
                                    + " camunda.bpm.job-execution.lock-time-in-millis", DRAIN_SECONDS);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                return PHASE;
            }
        };
    }
}
