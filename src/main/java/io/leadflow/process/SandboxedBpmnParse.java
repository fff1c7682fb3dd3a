package io.leadflow.process;

import java.util.List;

import org.camunda.bpm.engine.ArtifactFactory;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParser;
import org.camunda.bpm.engine.impl.bpmn.parser.FieldDeclaration;
import org.camunda.bpm.engine.impl.el.ExpressionManager;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidator;
import org.camunda.bpm.engine.impl.form.validator.FormValidators;
import org.camunda.bpm.engine.impl.form.handler.DefaultTaskFormHandler;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.task.TaskDefinition;
import org.camunda.bpm.engine.impl.util.xml.Element;

/**
 * The engine's BPMN parser without the features that run code named by the model: shell and mail tasks
 * ({@code camunda:type}) and form handler classes. It refuses them on every parse, also when the engine loads a
 * deployment made before the lint knew them (a restart, a cache miss, a rolling upgrade), where
 * {@link LintingDeployer} does not run; form field validators that name code are refused the same way. Class delegates are refused by {@link #NO_CLASSES} when they would be created.
 */
final class SandboxedBpmnParse extends BpmnParse {

    /** The engine's factory of {@code camunda:class} delegates and listeners: models name beans, never classes. */
    static final ArtifactFactory NO_CLASSES = new ArtifactFactory() {
        @Override
        public <T> T getArtifact(Class<T> type) {
            throw new ProcessEngineException("Models run no code of their own: refused to create " + type.getName()
                    + " named by a model (camunda:class, camunda:type); use a Leadflow task from the Modeler's templates");
        }
    };

    /**
     * The engine's form field validators without the custom one: a {@code validator} constraint names a class the
     * engine would create when the form is submitted, or a delegate.
     */
    static FormValidators withoutCustomValidators(FormValidators builtIn) {
        FormValidators validators = new FormValidators() {
            @Override
            public FormFieldValidator createValidator(Element constraint, BpmnParse parse, ExpressionManager expressions) {
                if ("validator".equals(constraint.attribute("name"))) {
                    parse.addError("a form field validator names code: use the built-in constraints", constraint);
                    return null;
                }
                return super.createValidator(constraint, parse, expressions);
            }
        };
        builtIn.getValidators().forEach(validators::addValidator);
        return validators;
    }

    SandboxedBpmnParse(BpmnParser parser) {
        super(parser);
    }

    @Override
    protected void parseShellServiceTask(ActivityImpl activity, Element element, List<FieldDeclaration> fields) {
        addError("camunda:type 'shell' runs operating-system commands: models run no code", element);
    }

    @Override
    protected void parseEmailServiceTask(ActivityImpl activity, Element element, List<FieldDeclaration> fields) {
        addError("camunda:type 'mail' is not served by Leadflow: use the Send email task", element);
    }

    @Override
    protected void parseStartFormHandlers(List<Element> startEvents, ProcessDefinitionEntity definition) {
        List<Element> withClass = startEvents.stream().filter(SandboxedBpmnParse::namesFormHandlerClass).toList();
        withClass.forEach(e -> addError("camunda:formHandlerClass names a Java class: models run no code", e));
        if (withClass.isEmpty()) {
            super.parseStartFormHandlers(startEvents, definition);
        }
    }

    @Override
    public TaskDefinition parseTaskDefinition(Element task, String key, ActivityImpl activity,
            ProcessDefinitionEntity definition) {
        if (namesFormHandlerClass(task)) {
            addError("camunda:formHandlerClass names a Java class: models run no code", task);
            return new TaskDefinition(new DefaultTaskFormHandler());
        }
        return super.parseTaskDefinition(task, key, activity, definition);
    }

    private static boolean namesFormHandlerClass(Element element) {
        return element.attributeNS(CAMUNDA_BPMN_EXTENSIONS_NS, "formHandlerClass") != null;
    }
}
