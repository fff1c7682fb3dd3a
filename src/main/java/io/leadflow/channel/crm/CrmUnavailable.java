package io.leadflow.channel.crm;

/** The CRM could not take the lead now (5xx, 429, timeout, connection refused): retry later. */
public class CrmUnavailable extends RuntimeException {

    public CrmUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
