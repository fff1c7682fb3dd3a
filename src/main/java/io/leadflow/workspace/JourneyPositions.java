package io.leadflow.workspace;

import java.time.Instant;
import java.util.List;

/**
 * Where a lead stands in each journey now, as the marketer drew it. Implemented by the process module, the only one
 * that talks to the engine: this module only knows the answer's shape.
 */
public interface JourneyPositions {

    /**
     * @param journey    the process key ({@code nurture})
     * @param name       the journey's name as drawn ({@code Nurture})
     * @param version    the deployed version the lead runs on
     * @param latest     whether that is the latest version
     * @param steps      the names of the steps the lead waits in (usually one)
     * @param since      when the lead entered this journey
     * @param cockpit    the path of the instance in Camunda Cockpit
     */
    record Position(String journey, String name, int version, boolean latest, List<String> steps, Instant since,
            String cockpit) {
    }

    /** The lead's running journeys, oldest first; none when it runs in none. */
    List<Position> of(String leadId);
}
