package io.leadflow.platform;

/** The request contradicts the current state, e.g. an action on a closed handoff (409). */
public class ConflictException extends RuntimeException {

    public ConflictException(String message) {
        super(message);
    }
}
