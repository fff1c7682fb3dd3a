package io.leadflow.support;

/**
 * Tag of test classes that start a Spring context of their own (another database, SMTP server or profile). Each
 * runs in a JVM of its own (see the pom): Camunda keeps process engines and webapp state in static registries,
 * which two engines in one JVM would share.
 */
public final class OwnContext {

    public static final String TAG = "own-context";

    private OwnContext() {
    }
}
