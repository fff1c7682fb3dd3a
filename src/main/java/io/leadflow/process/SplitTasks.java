package io.leadflow.process;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.ExclusiveGateway;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;

import io.leadflow.experiment.ExperimentPlan;

/**
 * The "Split audience" tasks of a model ({@code ${splitAudience}}) and what the lint asks of them: a plan that parses,
 * written as text, one key per task, and one exclusive gateway right after the task whose flows test exactly the
 * task's variants ({@code ${variant == 'A'}}), without a default flow, so that every lead has a path and the diagram
 * reads as drawn.
 */
final class SplitTasks {

    static final String DELEGATE = "${splitAudience}";
    /** {@code ${variant == 'A'}} (or {@code eq}, or double quotes), the one condition a split's gateway may test. */
    private static final Pattern CONDITION = Pattern.compile(
            "\\s*\\$\\{\\s*" + ExperimentPlan.VARIABLE + "\\s*(?:==|eq)\\s*(['\"])([^'\"]+)\\1\\s*}\\s*");

    /** A split task: its process, its id, its plan, or the problems of its plan (each naming the input). */
    record Split(String processKey, String taskId, ServiceTask task, ExperimentPlan plan, List<String> problems) {
    }

    private SplitTasks() {
    }

    static List<Split> of(BpmnModelInstance model) {
        List<Split> splits = new ArrayList<>();
        for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
            String delegate = task.getCamundaDelegateExpression();
            if (delegate == null || !delegate.replace(" ", "").equals(DELEGATE)) {
                continue;
            }
            Map<String, String> inputs = new HashMap<>();
            List<String> problems = new ArrayList<>();
            if (task.getExtensionElements() != null) {
                for (CamundaInputOutput io : task.getExtensionElements().getChildElementsByType(
                        CamundaInputOutput.class)) {
                    for (CamundaInputParameter p : io.getCamundaInputParameters()) {
                        String text = p.getTextContent() == null ? "" : p.getTextContent().trim();
                        if (text.contains("${") || text.contains("#{")) {
                            problems.add("input '" + p.getCamundaName() + "' is an expression: write the experiment's"
                                    + " settings as text, so every lead of the experiment gets the same plan");
                        }
                        inputs.put(p.getCamundaName(), text);
                    }
                }
            }
            ExperimentPlan plan = null;
            try {
                plan = ExperimentPlan.parse(Delegates.splitInputs(inputs::get));
            } catch (ExperimentPlan.Invalid invalid) {
                problems.addAll(invalid.problems());
            }
            if (plan != null) {
                problems.addAll(gatewayProblems(task, plan));
            }
            splits.add(new Split(processKey(task), task.getId(), task, problems.isEmpty() ? plan : null, problems));
        }
        Map<String, String> keys = new HashMap<>();
        for (Split split : splits) {
            if (split.plan() != null) {
                String other = keys.putIfAbsent(split.plan().key(), split.taskId());
                if (other != null) {
                    split.problems().add("experiment key '" + split.plan().key() + "' is also the key of task '"
                            + other + "': give each split its own key");
                }
            }
        }
        return splits.stream().map(s -> s.problems().isEmpty() ? s
                : new Split(s.processKey(), s.taskId(), s.task(), null, s.problems())).toList();
    }

    private static List<String> gatewayProblems(ServiceTask task, ExperimentPlan plan) {
        List<String> problems = new ArrayList<>();
        List<SequenceFlow> out = List.copyOf(task.getOutgoing());
        FlowNode next = out.size() == 1 ? out.get(0).getTarget() : null;
        if (!(next instanceof ExclusiveGateway gateway)) {
            problems.add("a Split audience task must be followed by one exclusive gateway whose flows test the "
                    + "variant, e.g. ${variant == '" + plan.control() + "'}");
            return problems;
        }
        String where = "gateway '" + (gateway.getName() == null ? gateway.getId() : gateway.getName()) + "' ("
                + gateway.getId() + ")";
        if (gateway.getDefault() != null) {
            problems.add(where + " has a default flow: give each variant its flow with a condition such as "
                    + "${variant == '" + plan.control() + "'}, and no default");
        }
        Set<String> tested = new LinkedHashSet<>();
        for (SequenceFlow flow : gateway.getOutgoing()) {
            String condition = flow.getConditionExpression() == null ? null
                    : flow.getConditionExpression().getTextContent();
            Matcher m = condition == null ? null : CONDITION.matcher(condition);
            if (m == null || !m.matches()) {
                problems.add("flow '" + flow.getId() + "' out of " + where + " must test one variant, e.g. "
                        + "${variant == '" + plan.control() + "'}" + (condition == null ? "" : ", not " + condition.trim()));
            } else if (!plan.variants().containsKey(m.group(2))) {
                problems.add("flow '" + flow.getId() + "' out of " + where + " tests variant '" + m.group(2)
                        + "', which the task does not list (its variants: " + plan.variants().keySet() + ")");
            } else if (!tested.add(m.group(2))) {
                problems.add("variant '" + m.group(2) + "' has two flows out of " + where + ": give it one");
            }
        }
        for (String variant : plan.variants().keySet()) {
            if (!tested.contains(variant)) {
                problems.add("variant '" + variant + "' has no flow out of " + where + ": add one with ${variant == '"
                        + variant + "'}");
            }
        }
        return problems;
    }

    private static String processKey(ModelElementInstance element) {
        for (ModelElementInstance e = element; e != null; e = e.getParentElement()) {
            if (e instanceof Process process) {
                return process.getId();
            }
        }
        return null;
    }
}
