package io.leadflow.process;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param dir   folder holding {@code bpmn/} and {@code dmn/} (the working directory by default); when absent, the
 *              copies packaged in the jar are deployed
 * @param watch redeploy when a model file is saved (dev); off in prod
 */
@ConfigurationProperties("leadflow.models")
public record ModelsSettings(String dir, boolean watch) {

    /** Kept as text in the properties: Spring would resolve a relative {@code Path} against the classpath. */
    public Path folder() {
        return Path.of(dir == null || dir.isBlank() ? "." : dir);
    }
}
