package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.BusinessRuleTask;
import org.camunda.bpm.model.bpmn.instance.ExclusiveGateway;
import org.camunda.bpm.model.bpmn.instance.Lane;
import org.camunda.bpm.model.bpmn.instance.Participant;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnEdge;
import org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnShape;
import org.camunda.bpm.model.bpmn.instance.dc.Bounds;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped journeys read at a glance in the Modeler: no element or label drawn over another, one join where paths
 * meet rather than a chain of them, and the journey and every step that runs a decision table say in their
 * documentation what they do and which table decides.
 */
class DiagramReadabilityTests {

    /** Leadflow tasks that evaluate decision tables (a business rule task always does). */
    private static final Set<String> TABLE_DELEGATES = Set.of("${evaluateScore}", "${openHandoff}", "${routeQualification}",
            "${chooseNurtureTrack}");

    record Box(String what, Bounds bounds, boolean container) {

        boolean overlaps(Box other) {
            Bounds a = bounds;
            Bounds b = other.bounds;
            return a.getX() < b.getX() + b.getWidth() && b.getX() < a.getX() + a.getWidth()
                    && a.getY() < b.getY() + b.getHeight() && b.getY() < a.getY() + a.getHeight();
        }

        String element() {
            return what.split(" ")[0];
        }
    }

    static Stream<Path> journeys() throws IOException {
        return Files.list(Path.of("bpmn")).filter(p -> p.toString().endsWith(".bpmn")).sorted();
    }

    @ParameterizedTest
    @MethodSource("journeys")
    void drawsNoElementOrLabelOverAnother(Path journey) {
        BpmnModelInstance model = Bpmn.readModelFromFile(journey.toFile());
        List<Box> boxes = new ArrayList<>();
        for (BpmnShape shape : model.getModelElementsByType(BpmnShape.class)) {
            BaseElement element = shape.getBpmnElement();
            boolean container = element instanceof Participant || element instanceof Lane
                    || element instanceof SubProcess && Boolean.TRUE.equals(shape.isExpanded());
            boxes.add(new Box(element.getId(), shape.getBounds(), container));
            if (shape.getBpmnLabel() != null && shape.getBpmnLabel().getBounds() != null) {
                boxes.add(new Box(element.getId() + " label", shape.getBpmnLabel().getBounds(), false));
            }
        }
        for (BpmnEdge edge : model.getModelElementsByType(BpmnEdge.class)) {
            if (edge.getBpmnLabel() != null && edge.getBpmnLabel().getBounds() != null) {
                boxes.add(new Box(edge.getBpmnElement().getId() + " label", edge.getBpmnLabel().getBounds(), false));
            }
        }

        List<String> overlaps = new ArrayList<>();
        for (int i = 0; i < boxes.size(); i++) {
            for (int j = i + 1; j < boxes.size(); j++) {
                Box a = boxes.get(i);
                Box b = boxes.get(j);
                if (a.container() || b.container() || a.element().equals(b.element()) || onItsTask(model, a, b)) {
                    continue;
                }
                if (a.overlaps(b)) {
                    overlaps.add(a.what() + " / " + b.what());
                }
            }
        }
        assertThat(overlaps).as(journey + ": elements or labels drawn over each other").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("journeys")
    void joinsPathsInOneGatewayRatherThanAChainOfThem(Path journey) {
        BpmnModelInstance model = Bpmn.readModelFromFile(journey.toFile());
        List<String> chains = new ArrayList<>();
        for (ExclusiveGateway gateway : model.getModelElementsByType(ExclusiveGateway.class)) {
            if (isJoin(gateway) && gateway.getOutgoing().iterator().next().getTarget() instanceof ExclusiveGateway next
                    && isJoin(next)) {
                chains.add(gateway.getId() + " → " + next.getId());
            }
        }
        assertThat(chains).as(journey + ": joins that only lead into another join").isEmpty();
    }

    private static boolean isJoin(ExclusiveGateway gateway) {
        return gateway.getIncoming().size() > 1 && gateway.getOutgoing().size() == 1;
    }

    @ParameterizedTest
    @MethodSource("journeys")
    void documentsTheJourneyAndEveryStepThatRunsATable(Path journey) {
        BpmnModelInstance model = Bpmn.readModelFromFile(journey.toFile());
        List<String> undocumented = new ArrayList<>();
        for (Process process : model.getModelElementsByType(Process.class)) {
            if (process.getDocumentations().isEmpty()) {
                undocumented.add("process " + process.getId());
            }
        }
        for (BusinessRuleTask task : model.getModelElementsByType(BusinessRuleTask.class)) {
            if (task.getDocumentations().isEmpty()) {
                undocumented.add(task.getId());
            }
        }
        for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
            String delegate = task.getCamundaDelegateExpression();
            if (delegate != null && TABLE_DELEGATES.contains(delegate.replace(" ", ""))
                    && (task.getDocumentations().isEmpty()
                    || !task.getDocumentations().iterator().next().getTextContent().contains("table"))) {
                undocumented.add(task.getId() + " (its documentation names the table it reads)");
            }
        }
        assertThat(undocumented).as(journey + ": say what it does and which table decides").isEmpty();
    }

    /** A boundary event is drawn on the edge of its task, on purpose. */
    private static boolean onItsTask(BpmnModelInstance model, Box a, Box b) {
        if (a.what().endsWith(" label") || b.what().endsWith(" label")) {
            return false;
        }
        return isBoundaryOf(model, a.element(), b.element()) || isBoundaryOf(model, b.element(), a.element());
    }

    private static boolean isBoundaryOf(BpmnModelInstance model, String event, String task) {
        return model.getModelElementById(event) instanceof BoundaryEvent boundary
                && boundary.getAttachedTo() != null && boundary.getAttachedTo().getId().equals(task);
    }
}
