package io.leadflow.qualification;

import java.util.Map;
import java.util.Optional;

/** The desk's user task of a qualification's process; implemented next to the engine in the {@code process} module. */
public interface QualificationTasks {

    /** Completes "Qualify at desk" with the decision; false when the process does not wait at the desk. */
    boolean complete(String processInstanceId, Map<String, Object> variables);

    /** The id of the waiting "Qualify at desk" task, for a link into Tasklist. */
    Optional<String> taskId(String processInstanceId);
}
