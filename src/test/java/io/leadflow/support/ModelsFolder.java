package io.leadflow.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A temporary copy of the shipped model folders, for tests that save files into it as a marketer would. */
public final class ModelsFolder {

    private ModelsFolder() {
    }

    /** A new folder holding a copy of each named folder of the repository ({@code bpmn}, {@code dmn}, {@code mail}). */
    public static Path copyOf(String... folders) throws IOException {
        Path models = Files.createTempDirectory("leadflow-models");
        for (String folder : folders) {
            Files.createDirectories(models.resolve(folder));
            try (var files = Files.list(Path.of(folder))) {
                files.forEach(f -> copy(f, models.resolve(folder).resolve(f.getFileName())));
            }
        }
        return models;
    }

    public static void copy(Path from, Path to) {
        try {
            Files.copy(from, to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
