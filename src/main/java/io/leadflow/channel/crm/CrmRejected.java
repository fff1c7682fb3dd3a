package io.leadflow.channel.crm;

/** The CRM refused the lead itself (400/409/422): retrying the same request will not help. */
public class CrmRejected extends RuntimeException {

    private final int status;

    public CrmRejected(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
