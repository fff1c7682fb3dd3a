package io.leadflow.platform;

/** A request body above the endpoint's limit (413). */
public class PayloadTooLargeException extends RuntimeException {

    public PayloadTooLargeException(String message) {
        super(message);
    }
}
