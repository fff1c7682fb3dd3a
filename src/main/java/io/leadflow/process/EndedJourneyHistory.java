package io.leadflow.process;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.batch.Batch;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Gives a called journey that ended (a nurture, a handoff) a removal time of its own while the journey that called it
 * still runs. The engine removes history {@code historyTimeToLive} after the journey at the top ends, and a lead's
 * qualification, at the top of its journeys, may run for weeks after the nurture it interrupted (in a handoff, then a
 * recycled nurture); old versions of it waited until the lead qualified, which may be never. Without this, every
 * nurture and handoff under it stayed in the history as long (the bench's M11).
 * <p>
 * Each night, before the engine's cleanup window, it looks at the called journeys that ended in the last week without a
 * removal time and sets one, now plus their model's time to live, through one of the engine's removal time batches per
 * model version (so Cockpit's and Tasklist's operation log on them goes too); the engine's cleanup then removes them in
 * its window. Once the top journey ends, the engine sets the removal time of the rest as it always did.
 */
@Component
public class EndedJourneyHistory {

    private static final Logger log = LoggerFactory.getLogger(EndedJourneyHistory.class);
    /** How far back a night looks: nights missed within it are caught up. */
    static final Duration LOOK_BACK = Duration.ofDays(7);
    private static final int PAGE = 1000;

    private final HistoryService history;
    private final RepositoryService repository;
    private final Clock clock;

    EndedJourneyHistory(HistoryService history, RepositoryService repository, Clock clock) {
        this.history = history;
        this.repository = repository;
        this.clock = clock;
    }

    @Scheduled(cron = "${leadflow.engine.ended-journeys-schedule:0 40 0 * * *}", zone = "UTC")
    void nightly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("Ended journeys not given a removal time tonight ({}); tomorrow's run looks {} back", e.getMessage(),
                    LOOK_BACK);
        }
    }

    /** Sets the removal time of the called journeys that ended lately and have none; answers the batches started. */
    public List<Batch> sweep() {
        Instant now = clock.instant();
        Map<String, List<String>> byDefinition = new LinkedHashMap<>();
        var query = history.createHistoricProcessInstanceQuery().finished()
                .finishedAfter(Date.from(now.minus(LOOK_BACK))).orderByProcessInstanceEndTime().asc();
        for (int first = 0;; first += PAGE) {
            List<HistoricProcessInstance> page = query.listPage(first, PAGE);
            for (HistoricProcessInstance p : page) {
                if (p.getRemovalTime() == null && p.getSuperProcessInstanceId() != null) {
                    byDefinition.computeIfAbsent(p.getProcessDefinitionId(), d -> new ArrayList<>()).add(p.getId());
                }
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        List<Batch> batches = new ArrayList<>();
        byDefinition.forEach((definitionId, ids) -> {
            Integer days = repository.getProcessDefinition(definitionId).getHistoryTimeToLive();
            if (days == null) {
                return; // a model without a time to live keeps its history, as the engine does
            }
            batches.add(history.setRemovalTimeToHistoricProcessInstances()
                    .absoluteRemovalTime(Date.from(now.plus(Duration.ofDays(days)))).byIds(ids.toArray(String[]::new))
                    .executeAsync());
        });
        if (!batches.isEmpty()) {
            log.info("Removal time set for {} ended journeys whose caller still waits ({} batches)",
                    byDefinition.values().stream().mapToInt(List::size).sum(), batches.size());
        }
        return batches;
    }
}
