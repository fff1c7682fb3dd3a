package io.leadflow.process;

import java.util.List;

/** A model failed validation and was not deployed. */
public class ModelRejected extends RuntimeException {

    private final transient List<ModelLinter.Problem> problems;

    ModelRejected(List<ModelLinter.Problem> problems) {
        super("Model refused: " + problems.stream().map(Object::toString).reduce((a, b) -> a + "; " + b).orElse(""));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems.stream().map(Object::toString).toList();
    }
}
