package io.leadflow.scoring;

import java.util.List;
import java.util.Map;

/**
 * Evaluates a deployed DMN decision (latest version) outside any process and without writing history.
 * Implemented next to the engine, in the {@code process} module.
 */
public interface DecisionEvaluator {

    record MatchedRule(String ruleId, String annotation, Map<String, Object> outputs) {
    }

    /**
     * @param result the decision's result: the first matched rule's outputs, or for a COLLECT with an aggregator
     *               the aggregated value under the output's name
     */
    record Evaluation(String decisionKey, int version, List<MatchedRule> matchedRules, Map<String, Object> result) {

        public Object value(String output) {
            return result.get(output);
        }
    }

    Evaluation evaluate(String decisionKey, Map<String, Object> inputs);
}
