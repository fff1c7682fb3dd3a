package io.leadflow.handoff;

import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sales teams: {@code leadflow.sales.teams.<team>.{calendar,manager,reps}}. A team is also a Camunda group, so
 * its members find the team's "Follow up lead" tasks in Tasklist.
 */
@ConfigurationProperties("leadflow.sales")
public record SalesSettings(Map<String, Team> teams, Map<String, Rep> reps) {

    public record Team(String calendar, String manager, List<String> reps) {
    }

    /**
     * A person of sales ({@code leadflow.sales.reps.<user id>}).
     *
     * @param email where SLA reminders, escalations and reassignments reach them
     * @param away  skipped by round robin and reassignment (holidays, sick leave) while true
     */
    public record Rep(String email, boolean away) {
    }

    public SalesSettings {
        teams = teams == null ? Map.of() : Map.copyOf(teams);
        reps = reps == null ? Map.of() : Map.copyOf(reps);
    }

    public boolean away(String user) {
        Rep rep = reps.get(user);
        return rep != null && rep.away();
    }

    /** The address of a sales user, or null when none is configured. */
    public String email(String user) {
        Rep rep = user == null ? null : reps.get(user);
        return rep == null || rep.email() == null || rep.email().isBlank() ? null : rep.email();
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
