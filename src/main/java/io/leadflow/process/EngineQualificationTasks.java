package io.leadflow.process;

import java.util.Map;
import java.util.Optional;

import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.task.Task;
import org.springframework.stereotype.Component;

import io.leadflow.qualification.QualificationTasks;

/** Completes the waiting "Qualify at desk" task of a qualification's process. */
@Component
class EngineQualificationTasks implements QualificationTasks {

    static final String DESK_TASK = "Task_QualifyAtDesk";

    private final TaskService tasks;

    EngineQualificationTasks(TaskService tasks) {
        this.tasks = tasks;
    }

    @Override
    public boolean complete(String processInstanceId, Map<String, Object> variables) {
        Task task = task(processInstanceId);
        if (task == null) {
            return false;
        }
        tasks.complete(task.getId(), variables);
        return true;
    }

    @Override
    public Optional<String> taskId(String processInstanceId) {
        return Optional.ofNullable(task(processInstanceId)).map(Task::getId);
    }

    private Task task(String processInstanceId) {
        return tasks.createTaskQuery().processInstanceId(processInstanceId).taskDefinitionKey(DESK_TASK).active()
                .singleResult();
    }
}
