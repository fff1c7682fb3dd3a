package io.leadflow.process;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.model.bpmn.instance.FlowElement;
import org.springframework.stereotype.Component;

import io.leadflow.workspace.JourneyPositions;

/**
 * The lead's running journeys (its process instances, by business key) and the steps each waits in, named as the
 * marketer drew them. Three engine queries whatever the number of journeys, plus the deployment cache.
 */
@Component
class EngineJourneyPositions implements JourneyPositions {

    private final RuntimeService runtime;
    private final RepositoryService repository;
    private final HistoryService history;

    EngineJourneyPositions(RuntimeService runtime, RepositoryService repository, HistoryService history) {
        this.runtime = runtime;
        this.repository = repository;
        this.history = history;
    }

    @Override
    public List<Position> of(String leadId) {
        List<ProcessInstance> instances = runtime.createProcessInstanceQuery().processInstanceBusinessKey(leadId).list();
        if (instances.isEmpty()) {
            return List.of();
        }
        Map<String, Instant> started = new HashMap<>();
        history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(leadId).unfinished().list()
                .forEach(h -> started.put(h.getId(), toInstant(h)));
        List<Position> positions = new ArrayList<>();
        for (ProcessInstance instance : instances) {
            ProcessDefinition definition = repository.getProcessDefinition(instance.getProcessDefinitionId());
            ProcessDefinition latest = repository.createProcessDefinitionQuery()
                    .processDefinitionKey(definition.getKey()).latestVersion().singleResult();
            var model = repository.getBpmnModelInstance(definition.getId());
            List<String> steps = runtime.getActiveActivityIds(instance.getId()).stream().map(id -> {
                FlowElement element = model.getModelElementById(id);
                return element == null || element.getName() == null ? id : element.getName();
            }).distinct().toList();
            positions.add(new Position(definition.getKey(),
                    definition.getName() == null ? definition.getKey() : definition.getName(),
                    definition.getVersion(), latest != null && latest.getId().equals(definition.getId()), steps,
                    started.get(instance.getId()),
                    "/camunda/app/cockpit/default/#/process-instance/" + instance.getId() + "/runtime"));
        }
        positions.sort(Comparator.comparing(Position::since, Comparator.nullsLast(Comparator.naturalOrder())));
        return positions;
    }

    private static Instant toInstant(HistoricProcessInstance h) {
        return h.getStartTime() == null ? null : h.getStartTime().toInstant();
    }
}
