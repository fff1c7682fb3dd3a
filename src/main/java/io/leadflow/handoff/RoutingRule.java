package io.leadflow.handoff;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code rule} output of the {@code lead-assignment} table: {@code sticky} (the account's owner first, unless
 * away), then how a rep of the team is picked, {@code round-robin} (in turn) or {@code weighted} (in turn by weight);
 * {@code sticky, weighted} combines them. Empty means {@code sticky, round-robin}. Whatever the rule, a rep away,
 * outside their working hours when the SLA clock starts, or at their capacity is passed by.
 */
public record RoutingRule(boolean sticky, Mode mode) {

    public enum Mode {
        ROUND_ROBIN("round-robin"), WEIGHTED("weighted");

        final String word;

        Mode(String word) {
            this.word = word;
        }
    }

    public static final String STICKY = "sticky";
    /** The words a rule may hold, for the table's check at save and its error messages. */
    public static final List<String> WORDS = List.of(STICKY, Mode.ROUND_ROBIN.word, Mode.WEIGHTED.word);
    public static final RoutingRule DEFAULT = new RoutingRule(true, Mode.ROUND_ROBIN);

    /**
     * @throws IllegalArgumentException naming the word that is none of {@link #WORDS}, or two modes at once
     */
    public static RoutingRule parse(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT;
        }
        Set<String> words = new LinkedHashSet<>();
        for (String word : text.toLowerCase(Locale.ROOT).split("[,;\\s]+")) {
            if (!word.isBlank()) {
                words.add(word.trim());
            }
        }
        List<String> unknown = new ArrayList<>(words);
        unknown.removeAll(WORDS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("'" + unknown.get(0) + "' is no routing rule: use " + WORDS
                    + ", alone or as 'sticky, weighted'");
        }
        if (words.contains(Mode.ROUND_ROBIN.word) && words.contains(Mode.WEIGHTED.word)) {
            throw new IllegalArgumentException("'" + text + "' names both round-robin and weighted: keep one");
        }
        return new RoutingRule(words.contains(STICKY),
                words.contains(Mode.WEIGHTED.word) ? Mode.WEIGHTED : Mode.ROUND_ROBIN);
    }

    /** How the rule reads when recorded: {@code sticky, weighted}. */
    public String text() {
        return sticky ? STICKY + ", " + mode.word : mode.word;
    }

    /**
     * The order a team's reps take leads in: each rep once for round robin; for weighted, each rep as often as their
     * weight, spread out (smooth weighted round robin: weights 2 and 1 give A, B, A). A shared cursor walks it.
     */
    static List<String> turns(Mode mode, List<String> reps, List<Integer> weights) {
        if (mode == Mode.ROUND_ROBIN) {
            return reps;
        }
        int total = weights.stream().mapToInt(Integer::intValue).sum();
        int[] current = new int[reps.size()];
        List<String> turns = new ArrayList<>(total);
        for (int n = 0; n < total; n++) {
            int best = 0;
            for (int i = 0; i < reps.size(); i++) {
                current[i] += weights.get(i);
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            turns.add(reps.get(best));
        }
        return turns;
    }
}
