package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * A Leadflow task is declared once, as a bean of {@link Delegates}: the allow-list of expressions follows from it,
 * and these checks fail when what else a new task needs is missing: a model or an element template that uses it, the
 * template its {@link ElementTemplate} names, and its line in the API reference (docs/api.md §8).
 */
class DelegateCatalogTests {

    /** A task's delegate in a model, or the value of a template's delegate binding. */
    private static final Pattern DELEGATE = Pattern.compile("(?:delegateExpression=|\"value\": )\"\\$\\{(\\w+)\\}\"");
    private static final Path TEMPLATES = Path.of(".camunda/element-templates");

    @Test
    void theAllowListIsTheBeansOfDelegatesAndTheSettingsTimersRead() {
        assertThat(EngineConfiguration.EXPRESSION_BEANS).containsAll(Delegates.beanNames())
                .contains("doiSettings", "nurtureSettings").doesNotHaveDuplicates();
        assertThat(EngineConfiguration.READ_ONLY_BEANS).contains("leadState", "nurtureState", "doiSettings",
                "nurtureSettings").doesNotContain("sendEmail", "openHandoff");
        assertThat(EngineConfiguration.EXPRESSION_BEANS).hasSize(Delegates.beanNames().size() + 2);
    }

    @Test
    void everyDelegateIsUsedByAShippedJourneyOrOfferedByATemplate() throws IOException {
        Set<String> used = new TreeSet<>(delegatesIn(Path.of("bpmn"), ".bpmn"));
        used.addAll(delegatesIn(TEMPLATES, ".json"));
        List<String> delegates = Delegates.beanNames().stream()
                .filter(b -> !EngineConfiguration.READ_ONLY_BEANS.contains(b)).toList();
        assertThat(used).as("a delegate nothing uses is dead code on the allow-list").containsAll(delegates);
        assertThat(delegates).as("what models and templates name as delegates is allow-listed").containsAll(used);
    }

    @Test
    void everyElementTemplateOfADelegateExistsAndCallsIt() throws IOException {
        assertThat(Delegates.elementTemplates()).isNotEmpty();
        for (var e : Delegates.elementTemplates().entrySet()) {
            Path template = TEMPLATES.resolve(e.getValue() + ".json");
            assertThat(template).as(e.getKey() + "'s element template").exists();
            assertThat(Files.readString(template)).contains("${" + e.getKey() + "}");
        }
        try (Stream<Path> files = Files.list(TEMPLATES)) {
            Set<String> named = Set.copyOf(Delegates.elementTemplates().values());
            assertThat(files.map(p -> p.getFileName().toString().replace(".json", "")))
                    .as("every template in the folder belongs to a delegate").allMatch(named::contains);
        }
    }

    @Test
    void theApiReferenceNamesEveryBeanAModelMayName() throws IOException {
        String reference = Files.readString(Path.of("docs/api.md"));
        for (String bean : EngineConfiguration.EXPRESSION_BEANS) {
            String named = EngineConfiguration.READ_ONLY_BEANS.contains(bean) ? "`" + bean + "`" : "`${" + bean + "}`";
            assertThat(reference).as("docs/api.md §8 lists " + bean).contains(named);
        }
    }

    private static List<String> delegatesIn(Path folder, String suffix) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(p -> p.toString().endsWith(suffix)).toList()) {
                Matcher m = DELEGATE.matcher(Files.readString(file));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }
}
