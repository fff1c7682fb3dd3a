package io.leadflow.lead;

/**
 * A person's data was erased (published inside the erasing transaction); listeners erase their part.
 *
 * @param cause  {@code REQUESTED} (the person or staff asked), {@code DOI_EXPIRED} (never confirmed) or
 *               {@link #RETENTION} (silent for longer than a retention rule tolerates: anonymised)
 * @param detail what the ledger keeps beside the cause (the retention rule), or null
 */
public record LeadErased(String leadId, String addressHash, String cause, String detail) {

    public static final String REQUESTED = "REQUESTED";
    public static final String RETENTION = "RETENTION";

    public LeadErased(String leadId, String addressHash, String cause) {
        this(leadId, addressHash, cause, null);
    }

    /** Whether the lead's journeys are ended from outside (an expired opt-in's journey ends itself). */
    public boolean endsJourneys() {
        return REQUESTED.equals(cause) || RETENTION.equals(cause);
    }
}
