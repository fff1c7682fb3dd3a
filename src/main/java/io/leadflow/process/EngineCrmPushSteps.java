package io.leadflow.process;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.springframework.stereotype.Component;

import io.leadflow.channel.crm.CrmPushSteps;

/**
 * A push step is {@code <process instance id>/<activity id>} (see {@code pushToCrm}): its job while it is retried or
 * has an incident, or, after a rejection, the user task its error boundary event leads to ("Fix CRM push").
 */
@Component
class EngineCrmPushSteps implements CrmPushSteps {

    private final ManagementService management;
    private final TaskService tasks;
    private final RuntimeService runtime;
    private final RepositoryService repository;

    EngineCrmPushSteps(ManagementService management, TaskService tasks, RuntimeService runtime,
            RepositoryService repository) {
        this.management = management;
        this.tasks = tasks;
        this.runtime = runtime;
        this.repository = repository;
    }

    @Override
    public Optional<Step> find(String stepRef) {
        Ref ref = Ref.of(stepRef);
        if (ref == null) {
            return Optional.empty();
        }
        Job job = job(ref);
        if (job != null) {
            return Optional.of(new Step(job.getRetries() == 0 ? Waiting.INCIDENT : Waiting.RETRYING, job.getRetries(),
                    job.getDuedate() == null ? null : job.getDuedate().toInstant()));
        }
        return fixTask(ref).map(task -> new Step(Waiting.WAITING_FOR_FIX, null, null));
    }

    @Override
    public boolean replay(String stepRef) {
        Ref ref = Ref.of(stepRef);
        if (ref == null) {
            return false;
        }
        Job job = job(ref);
        if (job != null) {
            if (job.getRetries() == 0) {
                management.setJobRetries(job.getId(), 1);
            }
            management.setJobDuedate(job.getId(), ClockUtil.getCurrentTime());
            return true;
        }
        Optional<Task> fix = fixTask(ref);
        fix.ifPresent(task -> tasks.complete(task.getId()));
        return fix.isPresent();
    }

    private Job job(Ref ref) {
        return management.createJobQuery().processInstanceId(ref.processInstanceId()).activityId(ref.activityId())
                .singleResult();
    }

    /** The waiting user task that an error boundary event of the push activity leads to. */
    private Optional<Task> fixTask(Ref ref) {
        ProcessInstance instance = runtime.createProcessInstanceQuery().processInstanceId(ref.processInstanceId())
                .singleResult();
        if (instance == null) {
            return Optional.empty();
        }
        Collection<BoundaryEvent> boundaries = repository.getBpmnModelInstance(instance.getProcessDefinitionId())
                .getModelElementsByType(BoundaryEvent.class);
        List<String> targets = boundaries.stream()
                .filter(b -> b.getAttachedTo() != null && ref.activityId().equals(b.getAttachedTo().getId()))
                .filter(b -> !b.getChildElementsByType(ErrorEventDefinition.class).isEmpty())
                .flatMap(b -> b.getOutgoing().stream()).map(SequenceFlow::getTarget).map(t -> t.getId()).toList();
        if (targets.isEmpty()) {
            return Optional.empty();
        }
        return tasks.createTaskQuery().processInstanceId(ref.processInstanceId())
                .taskDefinitionKeyIn(targets.toArray(String[]::new)).active().list().stream().findFirst();
    }

    private record Ref(String processInstanceId, String activityId) {

        static Ref of(String stepRef) {
            int slash = stepRef == null ? -1 : stepRef.indexOf('/');
            return slash <= 0 ? null : new Ref(stepRef.substring(0, slash), stepRef.substring(slash + 1));
        }
    }
}
