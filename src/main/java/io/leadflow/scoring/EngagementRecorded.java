package io.leadflow.scoring;

/** A scored engagement event of a lead: a nurture journey waiting for engagement moves on. */
public record EngagementRecorded(String leadId, String type) {
}
