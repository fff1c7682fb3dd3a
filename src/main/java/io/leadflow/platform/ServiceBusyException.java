package io.leadflow.platform;

/** An operation lost a concurrent-update race every time it was tried: the caller should try again shortly. */
public class ServiceBusyException extends RuntimeException {

    public ServiceBusyException(String message, Throwable cause) {
        super(message, cause);
    }
}
