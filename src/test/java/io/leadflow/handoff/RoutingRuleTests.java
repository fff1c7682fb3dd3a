package io.leadflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The {@code rule} column of the lead-assignment table, and the order it gives a team's reps. */
class RoutingRuleTests {

    @Test
    void readsTheWordsAMarketerTypes() {
        assertThat(RoutingRule.parse(null)).isEqualTo(RoutingRule.DEFAULT);
        assertThat(RoutingRule.parse(" ")).isEqualTo(new RoutingRule(true, RoutingRule.Mode.ROUND_ROBIN));
        assertThat(RoutingRule.parse("Sticky, Weighted")).isEqualTo(new RoutingRule(true, RoutingRule.Mode.WEIGHTED));
        assertThat(RoutingRule.parse("weighted")).isEqualTo(new RoutingRule(false, RoutingRule.Mode.WEIGHTED));
        assertThat(RoutingRule.parse("round-robin")).isEqualTo(new RoutingRule(false, RoutingRule.Mode.ROUND_ROBIN));
        assertThat(RoutingRule.parse("sticky")).isEqualTo(new RoutingRule(true, RoutingRule.Mode.ROUND_ROBIN));
        assertThat(RoutingRule.parse("sticky weighted").text()).isEqualTo("sticky, weighted");
        assertThatThrownBy(() -> RoutingRule.parse("sticky, random")).hasMessageContaining("'random' is no routing rule")
                .hasMessageContaining("[sticky, round-robin, weighted]");
        assertThatThrownBy(() -> RoutingRule.parse("weighted round-robin")).hasMessageContaining("keep one");
    }

    @Test
    void roundRobinTakesEachRepOnce() {
        assertThat(RoutingRule.turns(RoutingRule.Mode.ROUND_ROBIN, List.of("a", "b", "c"), List.of(5, 1, 1)))
                .containsExactly("a", "b", "c");
    }

    @Test
    void weightedGivesEachRepTheirShareSpreadOut() {
        List<String> turns = RoutingRule.turns(RoutingRule.Mode.WEIGHTED, List.of("a", "b"), List.of(2, 1));
        assertThat(turns).containsExactly("a", "b", "a");

        List<String> reps = List.of("ann", "ben", "cat", "dan");
        List<Integer> weights = List.of(5, 3, 1, 1);
        List<String> many = RoutingRule.turns(RoutingRule.Mode.WEIGHTED, reps, weights);
        assertThat(many).hasSize(10);
        for (int i = 0; i < reps.size(); i++) {
            assertThat(Collections.frequency(many, reps.get(i))).as(reps.get(i)).isEqualTo(weights.get(i));
        }
        // spread out: the heaviest rep never takes more than two leads in a row, so a burst is shared
        for (int i = 0; i + 2 < many.size(); i++) {
            assertThat(many.subList(i, i + 3)).as("turns %d to %d of %s", i, i + 2, many)
                    .doesNotContainSequence("ann", "ann", "ann");
        }
    }
}
