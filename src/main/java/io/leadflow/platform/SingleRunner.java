package io.leadflow.platform;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * One background thread and a queue of two, for work a request starts and may wait for a while (the backtests): a
 * third request while two wait is told to come back, and a stopping node abandons what runs (it writes nothing; its
 * caller asks again elsewhere).
 */
public final class SingleRunner implements AutoCloseable {

    private final ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();

    public SingleRunner(String threadNamePrefix) {
        executor.setThreadNamePrefix(threadNamePrefix);
        executor.setCorePoolSize(1);
        executor.setMaxPoolSize(1);
        executor.setQueueCapacity(2);
        executor.setWaitForTasksToCompleteOnShutdown(false);
        executor.initialize();
    }

    /**
     * @throws TooManyRequestsException with {@code busy} and a {@code Retry-After} of 30 s while two runs already wait
     */
    public <T> CompletableFuture<T> submit(Supplier<T> work, String busy) {
        try {
            return CompletableFuture.supplyAsync(work, executor);
        } catch (RejectedExecutionException full) {
            throw new TooManyRequestsException(busy, 30);
        }
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
