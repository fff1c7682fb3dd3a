package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.camunda.bpm.dmn.engine.DmnDecision;
import org.camunda.bpm.dmn.engine.DmnEngine;
import org.camunda.bpm.dmn.engine.DmnEngineConfiguration;
import org.camunda.bpm.dmn.engine.impl.DefaultDmnEngineConfiguration;
import org.camunda.bpm.dmn.feel.impl.FeelException;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.dmn.Dmn;
import org.camunda.bpm.model.dmn.DmnModelInstance;
import org.camunda.bpm.model.dmn.instance.Decision;
import org.camunda.bpm.model.dmn.instance.DecisionTable;
import org.camunda.bpm.model.dmn.instance.Input;
import org.camunda.bpm.model.dmn.instance.Rule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Leadflow's DMN engine parses each FEEL expression once ({@link ParsedFeelEngineFactory}); these tests hold it to
 * the stock engine: the same results for every table in {@code dmn/} over inputs drawn from the tables' own rules,
 * the same errors, the same results under concurrent use, and a bounded cache.
 */
class ParsedFeelEngineTests {

    private static final Pattern STRING = Pattern.compile("\"([^\"]*)\"");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?");

    private final DmnEngine stock = DmnEngineConfiguration.createDefaultDmnEngineConfiguration().buildEngine();
    private final DmnEngine parsedOnce = parsedOnceEngine();

    static Stream<Path> tables() throws IOException {
        return Files.list(Path.of("dmn")).filter(p -> p.toString().endsWith(".dmn")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tables")
    void decidesExactlyAsTheStockEngineOnEveryTableOfTheModelFolder(Path file) throws IOException {
        DmnModelInstance model = Dmn.readModelFromFile(file.toFile());
        for (Decision decision : model.getModelElementsByType(Decision.class)) {
            DecisionTable table = (DecisionTable) decision.getExpression();
            List<Input> inputs = new ArrayList<>(table.getInputs());
            List<List<Object>> values = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                values.add(candidates(inputs.get(i), entriesOf(table, i)));
            }
            DmnDecision onStock = parse(stock, file, decision.getId());
            DmnDecision onParsedOnce = parse(parsedOnce, file, decision.getId());
            Random random = new Random(42);
            Set<List<Map<String, Object>>> distinctResults = new java.util.HashSet<>();
            for (int n = 0; n < 300; n++) {
                Map<String, Object> in = new HashMap<>();
                for (int i = 0; i < inputs.size(); i++) {
                    List<Object> options = values.get(i);
                    in.put(inputs.get(i).getInputExpression().getText().getTextContent().trim(),
                            options.get(random.nextInt(options.size())));
                }
                var expected = stock.evaluateDecisionTable(onStock, Variables.fromMap(new HashMap<>(in)))
                        .getResultList();
                var actual = parsedOnce.evaluateDecisionTable(onParsedOnce, Variables.fromMap(new HashMap<>(in)))
                        .getResultList();
                assertThat(actual).as("%s on %s", decision.getId(), in).isEqualTo(expected);
                distinctResults.add(expected);
            }
            // The drawn inputs reach more than one outcome, or the comparison would say little.
            assertThat(distinctResults).as(decision.getId()).hasSizeGreaterThan(1);
        }
    }

    @Test
    void failsAsTheStockEngineDoesOnAnExpressionThatCannotBeEvaluated() {
        String dmn = table("""
                <rule id="R1">
                  <inputEntry id="I1"><text>&gt; 10</text></inputEntry>
                  <outputEntry id="O1"><text>assert(score, score &lt; 0)</text></outputEntry>
                </rule>""");
        Map<String, Object> in = Map.of("score", 20); // FEEL is lenient (an unknown function gives null), not an assert
        String stockMessage = messageOf(stock, dmn, in);
        String parsedOnceMessage = messageOf(parsedOnce, dmn, in);
        assertThat(parsedOnceMessage).isEqualTo(stockMessage).contains("The condition is not fulfilled");
        // Twice: the cached parse gives the same error again.
        assertThat(messageOf(parsedOnce, dmn, in)).isEqualTo(stockMessage);
    }

    @Test
    void failsAsTheStockEngineDoesOnAnInputEntryThatDoesNotParse() {
        String dmn = table("""
                <rule id="R1">
                  <inputEntry id="I1"><text>&gt;&gt; 10 (</text></inputEntry>
                  <outputEntry id="O1"><text>"never"</text></outputEntry>
                </rule>""");
        Map<String, Object> in = Map.of("score", 20);
        assertThat(messageOf(parsedOnce, dmn, in)).isEqualTo(messageOf(stock, dmn, in)).contains("failed to parse");
    }

    @Test
    void givesEachThreadItsOwnResultWhenTheyShareTheParsedExpressions() throws Exception {
        String dmn = table("""
                <rule id="R1">
                  <inputEntry id="I1"><text>&gt;= 50</text></inputEntry>
                  <outputEntry id="O1"><text>"high " + string(score * 2)</text></outputEntry>
                </rule>
                <rule id="R2">
                  <inputEntry id="I2"><text>&lt; 50</text></inputEntry>
                  <outputEntry id="O2"><text>"low " + string(score * 2)</text></outputEntry>
                </rule>""");
        DmnDecision decision = parsedOnce.parseDecisions(stream(dmn)).get(0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> checks = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                checks.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        int score = (i * 7 + thread) % 100;
                        Object out = parsedOnce.evaluateDecisionTable(decision,
                                Variables.createVariables().putValue("score", score)).getSingleEntry();
                        if (!out.equals((score >= 50 ? "high " : "low ") + score * 2)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> check : checks) {
                assertThat(check.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void keepsAtMostItsLimitOfParsedExpressions() {
        var engine = new ParsedFeelEngineFactory.ParsingOnce();
        var variables = Variables.createVariables().putValue("x", 1).asVariableContext();
        for (int i = 0; i < ParsedFeelEngineFactory.LIMIT + 10; i++) {
            assertThat((Object) engine.evaluateSimpleExpression("x + " + i, variables)).isEqualTo((long) (1 + i));
        }
        assertThat(engine.cachedExpressions()).isLessThanOrEqualTo(ParsedFeelEngineFactory.LIMIT);
    }

    /** Values an input can take, drawn from its rules: each literal, numbers either side of each bound, and null. */
    private static List<Object> candidates(Input input, List<String> entries) {
        String type = input.getInputExpression().getTypeRef();
        Set<Object> values = new LinkedHashSet<>();
        values.add(null);
        for (String entry : entries) {
            switch (type == null ? "string" : type) {
                case "integer", "long", "double" -> {
                    Matcher m = NUMBER.matcher(entry);
                    while (m.find()) {
                        double bound = Double.parseDouble(m.group());
                        for (double v : new double[] {bound - 1, bound - 0.5, bound, bound + 0.5, bound + 1}) {
                            values.add(type.equals("double") ? (Object) v : (Object) (int) Math.floor(v));
                        }
                    }
                }
                case "boolean" -> {
                    values.add(true);
                    values.add(false);
                }
                default -> {
                    Matcher m = STRING.matcher(entry);
                    while (m.find()) {
                        values.add(m.group(1));
                        values.add("https://www.example.com" + m.group(1) + "/page");
                    }
                    values.add("SOMETHING_ELSE");
                }
            }
        }
        return new ArrayList<>(values);
    }

    private static List<String> entriesOf(DecisionTable table, int input) {
        List<String> entries = new ArrayList<>();
        for (Rule rule : table.getRules()) {
            entries.add(new ArrayList<>(rule.getInputEntries()).get(input).getTextContent());
        }
        return entries;
    }

    private static DmnEngine parsedOnceEngine() {
        DefaultDmnEngineConfiguration config = (DefaultDmnEngineConfiguration) DmnEngineConfiguration
                .createDefaultDmnEngineConfiguration();
        config.feelEngineFactory(new ParsedFeelEngineFactory());
        return config.buildEngine();
    }

    private static DmnDecision parse(DmnEngine engine, Path file, String decisionId) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return engine.parseDecision(decisionId, in);
        }
    }

    private static String messageOf(DmnEngine engine, String dmn, Map<String, Object> in) {
        DmnDecision decision = engine.parseDecisions(stream(dmn)).get(0);
        Throwable[] caught = new Throwable[1];
        assertThatThrownBy(() -> engine.evaluateDecisionTable(decision, Variables.fromMap(new HashMap<>(in))))
                .isInstanceOf(FeelException.class)
                .satisfies(e -> caught[0] = e);
        return caught[0].getMessage();
    }

    private static InputStream stream(String dmn) {
        return new ByteArrayInputStream(dmn.getBytes(StandardCharsets.UTF_8));
    }

    private static String table(String rules) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="test">
                  <decision id="probe" name="probe">
                    <decisionTable id="t" hitPolicy="FIRST">
                      <input id="in"><inputExpression id="e" typeRef="integer"><text>score</text></inputExpression></input>
                      <output id="out" name="label" typeRef="string"/>
                      %s
                    </decisionTable>
                  </decision>
                </definitions>""".formatted(rules);
    }
}
