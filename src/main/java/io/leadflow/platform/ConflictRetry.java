package io.leadflow.platform;

import java.lang.reflect.UndeclaredThrowableException;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.Advisor;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.micrometer.core.instrument.Metrics;

/**
 * Runs {@link RetryOnConflict} operations again when they lose a concurrent-update race: the engine's optimistic
 * locking (another transaction changed the journey's execution or message subscription first), a deadlock or a lock
 * that could not be had. The advice sits outside the transaction, so each try is a transaction of its own. Each
 * retry counts in {@code leadflow_conflicts_retried_total{operation}}.
 */
@Configuration
public class ConflictRetry {

    private static final Logger log = LoggerFactory.getLogger(ConflictRetry.class);
    static final int ATTEMPTS = 5;
    /** Serialization failure, deadlock, lock not available (PostgreSQL), lock timeout (H2): raw in engine errors. */
    private static final Set<String> RACE_STATES = Set.of("40001", "40P01", "55P03", "HYT00");

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static Advisor retryOnConflictAdvisor() {
        var advisor = new DefaultPointcutAdvisor(AnnotationMatchingPointcut.forMethodAnnotation(RetryOnConflict.class),
                (MethodInterceptor) ConflictRetry::invoke);
        // Outside @Transactional (whose advice has the lowest precedence): a retry starts a new transaction.
        advisor.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return advisor;
    }

    static Object invoke(MethodInvocation invocation) throws Throwable {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            return invocation.proceed();
        }
        String operation = invocation.getMethod().getDeclaringClass().getSimpleName() + "."
                + invocation.getMethod().getName();
        return retrying(operation, () -> {
            try {
                return ((ProxyMethodInvocation) invocation).invocableClone().proceed();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable checked) {
                throw new UndeclaredThrowableException(checked);
            }
        });
    }

    /**
     * Runs an operation that opens its own transaction (a {@code TransactionTemplate}), again when it loses a
     * concurrent update, as {@link RetryOnConflict} does for annotated methods.
     */
    public static <T> T retrying(String operation, Supplier<T> transaction) {
        for (int attempt = 1;; attempt++) {
            try {
                return transaction.get();
            } catch (RuntimeException e) {
                if (!isConflict(e)) {
                    throw e;
                }
                if (attempt == ATTEMPTS) {
                    log.warn("{} lost a concurrent update {} times: answering 503", operation, ATTEMPTS);
                    throw new ServiceBusyException("The lead's journey is busy with another change: try again in a"
                            + " second", e);
                }
                log.debug("{} lost a concurrent update (try {}): {}", operation, attempt, Errors.rootMessage(e));
                Metrics.counter("leadflow.conflicts.retried", "operation", operation).increment();
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(5, 40) * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new ServiceBusyException("Interrupted while waiting to try again", e);
                }
            }
        }
    }

    /**
     * A lost race, by Spring's exception or by the engine's ({@code OptimisticLockingException}, named here by its
     * class name: only the process module knows the engine's types). The engine flushes its deletes in JDBC batches:
     * when another transaction changed a child execution first, the stale delete of the child matches no row and the
     * parent's delete then fails on the engine's own foreign key, which is the same lost race under another name.
     */
    static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConcurrencyFailureException
                    || t.getClass().getName().equals("org.camunda.bpm.engine.OptimisticLockingException")
                    || t instanceof SQLException sql && isRace(sql)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isRace(SQLException sql) {
        String state = sql.getSQLState();
        return state != null && (RACE_STATES.contains(state) || state.equals("23503")
                && String.valueOf(sql.getMessage()).toLowerCase(Locale.ROOT).contains("act_ru_"));
    }
}
