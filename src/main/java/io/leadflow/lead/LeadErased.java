package io.leadflow.lead;

/** A person's data was erased (published inside the erasing transaction); listeners erase their part. */
public record LeadErased(String leadId, String addressHash, String cause) {
}
