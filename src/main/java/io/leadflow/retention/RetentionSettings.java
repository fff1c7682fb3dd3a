package io.leadflow.retention;

import java.time.Duration;
import java.time.Period;
import java.util.List;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;

import io.leadflow.lead.Lead;

/**
 * {@code leadflow.retention.*}: how long a lead may stay inactive before Leadflow stops keeping it (GDPR storage
 * limitation; the CNIL's guidance for prospects is three years without contact). Each rule names the stages and
 * consents it applies to and the inactivity it tolerates; a lead is inactive when neither it nor its emails showed any
 * sign of life (an event, a click, an open) since then, nor was it captured, confirmed or asked by retention since.
 *
 * @param answerWithin how long a warned lead has to answer the retention email before it is anonymised
 * @param chunkSize    leads per transaction of a run
 * @param lease        how long a node holds a run without a word before another node resumes it
 */
@ConfigurationProperties("leadflow.retention")
record RetentionSettings(List<Rule> rules, Period answerWithin, Integer chunkSize, Duration lease) {

    RetentionSettings {
        rules = rules == null || rules.isEmpty()
                ? List.of(new Rule("inactive-prospect", Set.of("NEW", "NURTURE", "RECYCLED"), Set.of("CONFIRMED"),
                        Period.ofYears(3)))
                : List.copyOf(rules);
        if (rules.stream().map(Rule::name).distinct().count() < rules.size()) {
            throw new IllegalArgumentException("leadflow.retention.rules: two rules have one name");
        }
        answerWithin = answerWithin == null ? Period.ofDays(30) : answerWithin;
        if (answerWithin.isNegative() || answerWithin.isZero()) {
            throw new IllegalArgumentException("leadflow.retention.answer-within: give a period such as P30D");
        }
        chunkSize = chunkSize == null ? 200 : chunkSize;
        if (chunkSize < 1 || chunkSize > 10_000) {
            throw new IllegalArgumentException("leadflow.retention.chunk-size: between 1 and 10000");
        }
        lease = lease == null ? Duration.ofMinutes(5) : lease;
    }

    /**
     * @param name          how reports name the rule
     * @param stages        the lead stages it applies to
     * @param consents      the consents it applies to
     * @param inactiveAfter the inactivity it tolerates ({@code P3Y})
     */
    record Rule(String name, Set<String> stages, Set<String> consents, Period inactiveAfter) {

        /** The value in upper case, if it names one of the enum's constants; else the start stops, saying which. */
        private static <E extends Enum<E>> String known(String rule, String key, String value, Class<E> type) {
            String v = value.trim().toUpperCase(java.util.Locale.ROOT);
            try {
                Enum.valueOf(type, v);
                return v;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("leadflow.retention.rules." + rule + "." + key + ": '" + value
                        + "' is none of " + java.util.Arrays.toString(type.getEnumConstants()));
            }
        }

        Rule {
            if (name == null || name.isBlank() || name.length() > 100) {
                throw new IllegalArgumentException("leadflow.retention.rules: every rule needs a name (100 characters"
                        + " at most)");
            }
            if (stages == null || stages.isEmpty() || consents == null || consents.isEmpty()) {
                throw new IllegalArgumentException("leadflow.retention.rules." + name
                        + ": name the stages and consents it applies to (e.g. stages: [NURTURE], consents: [CONFIRMED])");
            }
            if (inactiveAfter == null || inactiveAfter.isNegative() || inactiveAfter.isZero()) {
                throw new IllegalArgumentException("leadflow.retention.rules." + name
                        + ".inactive-after: give a period such as P3Y");
            }
            stages = stages.stream().map(v -> known(name, "stages", v, Lead.Stage.class)).collect(
                    java.util.stream.Collectors.toUnmodifiableSet());
            consents = consents.stream().map(v -> known(name, "consents", v, Lead.Consent.class)).collect(
                    java.util.stream.Collectors.toUnmodifiableSet());
        }

        /** Whether the rule asks the lead before anonymising it: only a confirmed lead may be emailed. */
        boolean asksFirst() {
            return consents.contains(Lead.Consent.CONFIRMED.name());
        }
    }
}
