package io.leadflow.process;

import java.time.Clock;
import java.util.List;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.history.UserOperationLogEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.Leads;

/**
 * Deletes the engine history of erased leads (instances, variables, activity and job logs, incidents, user
 * operations), found by business key. It runs as a sweep rather than in the erasing transaction: the history of
 * the instance doing the erasing (an expired opt-in) only exists once that instance has ended, and a sweep that
 * fails is simply run again.
 */
@Component
class EngineHistoryPurge {

    private static final Logger log = LoggerFactory.getLogger(EngineHistoryPurge.class);

    private final Leads leads;
    private final RuntimeService runtime;
    private final HistoryService history;
    private final TransactionTemplate tx;
    private final Clock clock;

    EngineHistoryPurge(Leads leads, RuntimeService runtime, HistoryService history, TransactionTemplate tx,
            Clock clock) {
        this.leads = leads;
        this.runtime = runtime;
        this.history = history;
        this.tx = tx;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "PT30S", initialDelayString = "PT30S")
    void sweep() {
        for (String leadId : leads.erasedAwaitingEnginePurge(100)) {
            try {
                purge(leadId);
            } catch (RuntimeException e) {
                log.warn("Engine history of erased lead {} not deleted yet ({}); next sweep retries", leadId,
                        e.getMessage());
            }
        }
    }

    /** True when the lead's history is gone; false while one of its instances still runs. */
    boolean purge(String leadId) {
        return Boolean.TRUE.equals(tx.execute(s -> {
            if (runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).count() > 0) {
                return false;
            }
            List<String> instances = history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(leadId)
                    .list().stream().map(HistoricProcessInstance::getId).toList();
            for (String instance : instances) {
                for (UserOperationLogEntry entry : history.createUserOperationLogQuery().processInstanceId(instance)
                        .list()) {
                    history.deleteUserOperationLogEntry(entry.getId());
                }
            }
            if (!instances.isEmpty()) {
                history.deleteHistoricProcessInstancesIfExists(instances);
            }
            leads.markEnginePurged(leadId, clock.instant());
            log.info("Engine history of erased lead {} deleted ({} instances)", leadId, instances.size());
            return true;
        }));
    }
}
