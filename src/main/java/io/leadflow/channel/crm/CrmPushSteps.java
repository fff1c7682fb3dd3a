package io.leadflow.channel.crm;

import java.time.Instant;
import java.util.Optional;

/**
 * Where a failed push waits in its process, and how to resume it; implemented next to the engine in the
 * {@code process} module. A step is named by the opaque reference the push was made with.
 */
public interface CrmPushSteps {

    enum Waiting {
        /** the push job will run again at {@code nextAttemptAt} */
        RETRYING,
        /** the push job gave up: an incident waits for a retry or a replay */
        INCIDENT,
        /** the CRM rejected the lead: a "Fix CRM push" task waits for a replay */
        WAITING_FOR_FIX
    }

    record Step(Waiting waiting, Integer retriesLeft, Instant nextAttemptAt) {
    }

    /** Empty when nothing waits at that step any more (pushed since, or the process ended). */
    Optional<Step> find(String stepRef);

    /** Runs the push again now: the job at once with one more try, or the "Fix CRM push" task completed. */
    boolean replay(String stepRef);
}
