package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
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
 * {@link ModelKeys} and the shipped models name the same things: every process key is a process of {@code bpmn/},
 * every decision key a decision of {@code dmn/}, every message a message some journey waits for, and the other way
 * round, so a model renamed in the Modeler fails here rather than in a journey.
 */
class ModelKeysTests {

    @Test
    void everyProcessOfBpmnHasItsKeyAndEveryKeyItsProcess() throws IOException {
        assertThat(keys("")).filteredOn(k -> !k.startsWith("DECISION_") && !k.startsWith("MSG_")
                && !k.startsWith("VAR_")).extracting(ModelKeysTests::value)
                .containsExactlyInAnyOrderElementsOf(ids(Path.of("bpmn"), "<bpmn:process id=\"([^\"]+)\""));
    }

    @Test
    void everyDecisionOfDmnHasItsKeyAndEveryKeyItsDecision() throws IOException {
        assertThat(keys("DECISION_")).extracting(ModelKeysTests::value)
                .containsExactlyInAnyOrderElementsOf(ids(Path.of("dmn"), "<decision id=\"([^\"]+)\""));
    }

    @Test
    void everyMessageAJourneyWaitsForIsNamedHere() throws IOException {
        assertThat(keys("MSG_")).extracting(ModelKeysTests::value)
                .containsExactlyInAnyOrderElementsOf(ids(Path.of("bpmn"), "<bpmn:message id=\"[^\"]+\" name=\"([^\"]+)\""));
    }

    private static List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (Field f : ModelKeys.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class && f.getName().startsWith(prefix)) {
                keys.add(f.getName());
            }
        }
        assertThat(keys).isNotEmpty();
        return keys;
    }

    private static String value(String field) {
        try {
            return (String) ModelKeys.class.getField(field).get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> ids(Path folder, String pattern) throws IOException {
        Set<String> ids = new TreeSet<>();
        Pattern p = Pattern.compile(pattern);
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.toList()) {
                Matcher m = p.matcher(Files.readString(file));
                while (m.find()) {
                    ids.add(m.group(1));
                }
            }
        }
        return ids;
    }
}
