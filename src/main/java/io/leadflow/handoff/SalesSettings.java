package io.leadflow.handoff;

import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sales teams: {@code leadflow.sales.teams.<team>.{calendar,manager,reps}}. A team is also a Camunda group, so
 * its members find the team's "Follow up lead" tasks in Tasklist.
 */
@ConfigurationProperties("leadflow.sales")
public record SalesSettings(Map<String, Team> teams) {

    public record Team(String calendar, String manager, List<String> reps) {
    }

    public SalesSettings {
        teams = teams == null ? Map.of() : Map.copyOf(teams);
    }

    public Team team(String id) {
        Team team = teams.get(id);
        if (team == null) {
            throw new IllegalStateException("The lead-assignment table chose team '" + id
                    + "', which is not configured: add leadflow.sales.teams." + id + ".reps (and calendar)");
        }
        return team;
    }
}
