package io.leadflow.platform;

/** The thing asked for existed and was erased or expired (410). */
public class GoneException extends RuntimeException {

    public GoneException(String message) {
        super(message);
    }
}
