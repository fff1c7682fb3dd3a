package io.leadflow.handoff;

import java.util.Map;
import java.util.Optional;

/** Completes the sales user task of a handoff; implemented next to the engine in the {@code process} module. */
public interface HandoffTasks {

    /** False when the handoff's process is not waiting for a sales action (e.g. still pushing to the CRM). */
    boolean complete(String handoffId, Map<String, Object> variables);

    /** Whether the handoff's process waits for a sales action now (its user task exists). */
    boolean awaitsDecision(String handoffId);

    /**
     * The id of the sales task waiting for the decision ("Follow up lead" or "Qualify lead"), for a link into
     * Tasklist; empty while there is none (the CRM push still running or waiting for a fix, or decided).
     */
    Optional<String> taskId(String handoffId);
}
