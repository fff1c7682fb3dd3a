package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;

import org.camunda.bpm.engine.OptimisticLockingException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** An operation that loses a concurrent-update race is run again, a bounded number of times, then answers 503. */
class ConflictRetryTests {

    /** Fails with the given conflict the given number of times, then succeeds. */
    static class Journey {

        final AtomicInteger calls = new AtomicInteger();
        int conflicts;
        RuntimeException conflict = new OptimisticLockingException("ENGINE-03005 Entity was updated by another transaction");

        @RetryOnConflict
        public String correlate() {
            if (calls.incrementAndGet() <= conflicts) {
                throw conflict;
            }
            return "done";
        }
    }

    private static Journey proxied(Journey target) {
        ProxyFactory factory = new ProxyFactory(target);
        factory.setProxyTargetClass(true);
        factory.addAdvisor(ConflictRetry.retryOnConflictAdvisor());
        return (Journey) factory.getProxy();
    }

    @AfterEach
    void noTransaction() {
        TransactionSynchronizationManager.setActualTransactionActive(false);
    }

    @Test
    void runsAnOperationAgainUntilItWinsTheRace() {
        Journey journey = new Journey();
        journey.conflicts = 3;

        assertThat(proxied(journey).correlate()).isEqualTo("done");
        assertThat(journey.calls).hasValue(4);
    }

    @Test
    void takesSpringsAndTheEnginesNamesForALostRaceAndTheEnginesForeignKeyUnderBatching() {
        for (RuntimeException conflict : new RuntimeException[] {new OptimisticLockingFailureException("stale"),
                new RuntimeException("flush failed", new java.sql.SQLException("update or delete on table"
                        + " \"act_ru_execution\" violates foreign key constraint \"act_fk_exe_super\"", "23503"))}) {
            Journey journey = new Journey();
            journey.conflicts = 1;
            journey.conflict = conflict;

            assertThat(proxied(journey).correlate()).isEqualTo("done");
            assertThat(journey.calls).as(conflict.toString()).hasValue(2);
        }
    }

    @Test
    void retriesAnOperationThatOpensItsOwnTransactionTheSameWay() {
        Journey journey = new Journey();
        journey.conflicts = 2;

        assertThat(ConflictRetry.retrying("capture", journey::correlate)).isEqualTo("done");
        assertThat(journey.calls).hasValue(3);
    }

    @Test
    void givesUpAfterFiveTriesWithABusyAnswer() {
        Journey journey = new Journey();
        journey.conflicts = Integer.MAX_VALUE;

        assertThatThrownBy(() -> proxied(journey).correlate()).isInstanceOf(ServiceBusyException.class)
                .hasMessageContaining("try again");
        assertThat(journey.calls).hasValue(ConflictRetry.ATTEMPTS);

        var answer = new ProblemHandler().busy(new ServiceBusyException("busy", null));
        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
    }

    @Test
    void leavesOtherFailuresAndCallsInsideATransactionAlone() {
        Journey bug = new Journey();
        bug.conflicts = 1;
        bug.conflict = new IllegalStateException("a bug");
        assertThatThrownBy(() -> proxied(bug).correlate()).isInstanceOf(IllegalStateException.class);
        assertThat(bug.calls).hasValue(1);

        Journey nested = new Journey();
        nested.conflicts = 1;
        TransactionSynchronizationManager.setActualTransactionActive(true);
        assertThatThrownBy(() -> proxied(nested).correlate()).as("the outer transaction retries, not this call")
                .isInstanceOf(OptimisticLockingException.class);
        assertThat(nested.calls).hasValue(1);
    }

    @Test
    void answersAnEngineConflictThatNoRetryCoveredWith503() throws Exception {
        var answer = new ProblemHandler().unexpected(new OptimisticLockingException("ENGINE-03005"));

        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
    }
}
