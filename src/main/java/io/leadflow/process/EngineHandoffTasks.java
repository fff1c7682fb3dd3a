package io.leadflow.process;

import java.util.Map;
import java.util.Optional;

import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.task.Task;
import org.springframework.stereotype.Component;

import io.leadflow.handoff.HandoffTasks;
import io.leadflow.platform.ModelKeys;

/** Completes the waiting sales task ("Follow up lead" or "Qualify lead") of a handoff's process. */
@Component
class EngineHandoffTasks implements HandoffTasks {

    private final TaskService tasks;

    EngineHandoffTasks(TaskService tasks) {
        this.tasks = tasks;
    }

    @Override
    public boolean awaitsDecision(String handoffId) {
        return task(handoffId) != null;
    }

    @Override
    public Optional<String> taskId(String handoffId) {
        return Optional.ofNullable(task(handoffId)).map(Task::getId);
    }

    private Task task(String handoffId) {
        // The sales tasks only: "Fix CRM push" is the integrator's, and a sales decision must not complete it.
        return tasks.createTaskQuery().processDefinitionKey(ModelKeys.MQL_HANDOFF)
                .taskDefinitionKeyIn("Task_FollowUp", "Task_Qualify")
                .processVariableValueEquals("handoffId", handoffId).active().singleResult();
    }

    @Override
    public boolean complete(String handoffId, Map<String, Object> variables) {
        Task task = task(handoffId);
        if (task == null) {
            return false;
        }
        tasks.complete(task.getId(), variables);
        return true;
    }
}
