package io.leadflow.scoring;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Evaluates DMN decisions outside any process and without writing history: the latest deployed version, an older
 * deployed version, or a candidate a marketer has not deployed yet. Implemented next to the engine, in the
 * {@code process} module.
 */
public interface DecisionEvaluator {

    record MatchedRule(String ruleId, String annotation, Map<String, Object> outputs) {
    }

    /**
     * @param version the deployed version evaluated; 0 for a candidate that is not deployed
     * @param result  the decision's result: the first matched rule's outputs, or for a COLLECT with an aggregator
     *                the aggregated value under the output's name
     */
    record Evaluation(String decisionKey, int version, List<MatchedRule> matchedRules, Map<String, Object> result) {

        public Object value(String output) {
            return result.get(output);
        }
    }

    /** One version of one decision, parsed once, evaluated many times (thread-safe). */
    interface Decision {

        String key();

        /** The deployed version; 0 for a candidate. */
        int version();

        Evaluation evaluate(Map<String, Object> inputs);

        /** The annotation of a rule of this version, or null. */
        String annotation(String ruleId);
    }

    /** A deployed version of a decision and when it was deployed (null when the engine no longer knows). */
    record DeployedVersion(int version, Instant deployedAt) {
    }

    /** Evaluates the latest deployed version of the decision. */
    default Evaluation evaluate(String decisionKey, Map<String, Object> inputs) {
        return latest(decisionKey).evaluate(inputs);
    }

    /** The latest deployed version (a deployment made on another node is seen within seconds). */
    Decision latest(String decisionKey);

    /**
     * A deployed version.
     *
     * @throws io.leadflow.platform.NotFoundException when that version was never deployed
     */
    Decision deployed(String decisionKey, int version);

    /** Every deployed version of the decision, the latest first; empty when it was never deployed. */
    List<DeployedVersion> versions(String decisionKey);

    /**
     * A decision from DMN XML that is not deployed, for a backtest.
     *
     * @param acceptedKeys the decision ids the caller can use; the first decision of the XML with one of them is taken
     * @throws io.leadflow.platform.InvalidInputException naming the problem (field {@code decision}) when the XML is
     *                                                    no DMN, does not parse, or has none of those decisions
     */
    Decision candidate(String dmnXml, List<String> acceptedKeys);
}
