package io.leadflow.experiment;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a "Split audience" task in a journey says, from its inputs in the Modeler: the experiment's key, its variants
 * and their weights, the metric that decides within a window after the split, the sample each variant needs before
 * the test, what the winner does, the confidence level and the guard. {@link #parse} is used by the model lint
 * (refusing a wrong plan when it is deployed, naming the input) and by the split itself.
 *
 * @param variants variant → weight, in the model's order (the first is the control)
 */
public record ExperimentPlan(String key, Map<String, Integer> variants, Metric metric, String window,
        int minLeads, OnDecision onDecision, double confidence, double guardRate) {

    /** What decides: a click on any email, becoming an MQL, becoming an SQL, within the window after the split. */
    public enum Metric { CLICK, MQL, SQL }

    /** Once decided: route every later lead to the winner, or only report it. */
    public enum OnDecision { WINNER, KEEP }

    public static final String INPUT_KEY = "experiment";
    public static final String INPUT_VARIANTS = "variants";
    public static final String INPUT_METRIC = "metric";
    public static final String INPUT_WINDOW = "window";
    public static final String INPUT_MIN_LEADS = "minLeads";
    public static final String INPUT_ON_DECISION = "onDecision";
    public static final String INPUT_CONFIDENCE = "confidence";
    public static final String INPUT_GUARD = "guard";
    /** The process variable the split writes the variant into, and the gateway's conditions read. */
    public static final String VARIABLE = "variant";

    static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    static final Pattern VARIANT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,31}");
    private static final Pattern VARIANT = Pattern.compile("\\s*([^\\s:]+)\\s*[:\\s]\\s*(-?\\d+)\\s*");

    public ExperimentPlan {
        variants = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variants));
    }

    public Duration windowDuration() {
        return Duration.parse(window);
    }

    /** The variant of the control: the first of the model. */
    public String control() {
        return variants.keySet().iterator().next();
    }

    /** A plan the model got wrong: each message names the input and says what to write instead. */
    public static final class Invalid extends RuntimeException {

        private final List<String> problems;

        Invalid(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /**
     * The plan of a split task's inputs (name → text; the optional ones may be missing).
     *
     * @throws Invalid naming every wrong input
     */
    public static ExperimentPlan parse(Map<String, String> inputs) {
        List<String> problems = new ArrayList<>();
        String key = text(inputs, INPUT_KEY);
        if (key == null) {
            problems.add("input 'experiment' is missing: give the experiment a key such as 'welcome-subject'");
        } else if (!KEY.matcher(key).matches()) {
            problems.add("experiment key '" + key + "' must be lower-case letters, digits and '-' (at most 64)");
        }
        Map<String, Integer> variants = variants(text(inputs, INPUT_VARIANTS), problems);
        Metric metric = null;
        String metricText = text(inputs, INPUT_METRIC);
        try {
            metric = Metric.valueOf(metricText == null ? "" : metricText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add("metric '" + (metricText == null ? "" : metricText)
                    + "' is unknown: use click, mql or sql");
        }
        String window = text(inputs, INPUT_WINDOW);
        if (window == null) {
            problems.add("input 'window' is missing: say how long after the split outcomes count, e.g. P14D");
        } else {
            try {
                Duration d = Duration.parse(window);
                if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(366)) > 0) {
                    problems.add("window '" + window + "' must be longer than zero and at most a year (P366D)");
                }
            } catch (DateTimeParseException e) {
                problems.add("window '" + window + "' is not a duration: write days or hours, e.g. P14D or PT48H");
            }
        }
        int minLeads = integer(inputs, INPUT_MIN_LEADS, 100, 10, 1_000_000, problems,
                "minimum leads per variant");
        OnDecision onDecision = null;
        String decisionText = text(inputs, INPUT_ON_DECISION);
        try {
            onDecision = decisionText == null ? OnDecision.WINNER
                    : OnDecision.valueOf(decisionText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add("on decision '" + decisionText + "' is unknown: use winner or keep");
        }
        double confidence = percent(inputs, INPUT_CONFIDENCE, 95, 80, 99.9, problems, "confidence level");
        double guard = percent(inputs, INPUT_GUARD, 3, 0.1, 50, problems, "guard");
        if (!problems.isEmpty()) {
            throw new Invalid(problems);
        }
        return new ExperimentPlan(key, variants, metric, window, minLeads, onDecision, confidence / 100,
                guard / 100);
    }

    private static Map<String, Integer> variants(String text, List<String> problems) {
        Map<String, Integer> variants = new LinkedHashMap<>();
        if (text == null) {
            problems.add("input 'variants' is missing: name each variant with its weight, e.g. 'A 50, B 50'");
            return variants;
        }
        for (String part : text.split(",")) {
            Matcher m = VARIANT.matcher(part);
            if (!m.matches()) {
                problems.add("variant '" + part.trim() + "' is not a name and a weight: write e.g. 'A 50, B 50'");
                continue;
            }
            String name = m.group(1);
            long weight = Long.parseLong(m.group(2));
            if (!VARIANT_NAME.matcher(name).matches()) {
                problems.add("variant name '" + name + "' must be letters, digits, '_' and '-' (at most 32)");
            } else if (variants.containsKey(name)) {
                problems.add("variant '" + name + "' is named twice");
            } else if (weight <= 0 || weight > 10_000) {
                problems.add("variant '" + name + "' has weight " + weight + ": weights are whole numbers from 1"
                        + " to 10000");
            } else {
                variants.put(name, (int) weight);
            }
        }
        if (problems.isEmpty() && variants.size() < 2) {
            problems.add("an experiment needs at least two variants, e.g. 'A 50, B 50'");
        }
        return variants;
    }

    private static String text(Map<String, String> inputs, String name) {
        String value = inputs.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static int integer(Map<String, String> inputs, String name, int fallback, int min, int max,
            List<String> problems, String what) {
        String text = text(inputs, name);
        if (text == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        problems.add(what + " '" + text + "' must be a whole number from " + min + " to " + max);
        return fallback;
    }

    private static double percent(Map<String, String> inputs, String name, double fallback, double min, double max,
            List<String> problems, String what) {
        String text = text(inputs, name);
        if (text == null) {
            return fallback;
        }
        try {
            double value = Double.parseDouble(text.replace("%", "").trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        problems.add(what + " '" + text + "' must be a percentage from " + min + " to " + max);
        return fallback;
    }
}
