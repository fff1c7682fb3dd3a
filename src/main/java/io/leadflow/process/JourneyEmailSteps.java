package io.leadflow.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.springframework.stereotype.Component;

import io.leadflow.channel.email.TemplateUsers;

/**
 * The {@code ${sendEmail}} steps of the latest deployed version of each journey, by the template they send: what
 * {@code /emails} shows as "used by", and what keeps a template from being deleted while a journey sends it. A
 * template chosen by an expression is not known until it is sent, so it is not listed.
 */
@Component
class JourneyEmailSteps implements TemplateUsers {

    private final RepositoryService repository;

    JourneyEmailSteps(RepositoryService repository) {
        this.repository = repository;
    }

    @Override
    public Map<String, List<String>> usedBy() {
        Map<String, List<String>> usedBy = new TreeMap<>();
        for (ProcessDefinition definition : repository.createProcessDefinitionQuery().latestVersion().list()) {
            BpmnModelInstance model = repository.getBpmnModelInstance(definition.getId());
            for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
                if (task.getExtensionElements() == null) {
                    continue;
                }
                for (CamundaInputOutput io : task.getExtensionElements().getElementsQuery()
                        .filterByType(CamundaInputOutput.class).list()) {
                    for (CamundaInputParameter parameter : io.getCamundaInputParameters()) {
                        ModelLinter.sentTemplate(task.getCamundaDelegateExpression(), parameter)
                                .filter(template -> !template.isEmpty())
                                .ifPresent(template -> usedBy.computeIfAbsent(template, t -> new ArrayList<>())
                                        .add(definition.getResourceName() + " v" + definition.getVersion() + ": "
                                                + (task.getName() == null ? task.getId()
                                                : task.getName() + " (" + task.getId() + ")")));
                    }
                }
            }
        }
        return usedBy;
    }
}
