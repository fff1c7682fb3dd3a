package io.leadflow.bench;

import java.util.Locale;

/**
 * One line of the benchmark's output. {@code ratio} is always oriented so that the goal reads naturally: for
 * throughputs and times it is "how fast compared with the raw engine" (higher is better), for costs such as µs per
 * scoring or WAL bytes it is "how much compared with the raw engine" (lower is better); {@code goal} says which.
 */
record Metric(String id, double value, String unit, double baseline, double ratio, String goal, boolean ok) {

    String line() {
        return "METRIC %s value=%s unit=%s baseline=%s ratio=%s goal=%s ok=%s".formatted(id, fmt(value), unit,
                fmt(baseline), fmt(ratio), goal.replace(' ', '_'), ok);
    }

    String json() {
        return "{\"id\":\"%s\",\"value\":%s,\"unit\":\"%s\",\"baseline\":%s,\"ratio\":%s,\"goal\":\"%s\",\"ok\":%s}"
                .formatted(id, fmt(value), unit, fmt(baseline), fmt(ratio), goal, ok);
    }

    static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "null";
    }
}
