package io.leadflow.handoff;

import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Sales teams and reps as configured: {@code leadflow.sales.teams.<team>.{calendar,manager,reps}} and
 * {@code leadflow.sales.reps.<user>.{email,away}}. They are a seed: a first start makes each team a Camunda group of
 * type SALES_TEAM with its reps as members, and from then on Camunda Admin is where teams and reps change
 * ({@link SalesDirectory}); a team's calendar and manager, and a rep's email and away flag, still fill in what Admin
 * leaves empty.
 */
@ConfigurationProperties("leadflow.sales")
public record SalesSettings(Map<String, Team> teams, Map<String, Rep> reps) {

    public record Team(String calendar, String manager, List<String> reps) {
    }

    /**
     * A person of sales ({@code leadflow.sales.reps.<user id>}).
     *
     * @param email where SLA reminders, escalations and reassignments reach them while their Camunda user has none
     * @param away     skipped by routing and reassignment (holidays, sick leave) while true and not set otherwise
     *                 through {@code PUT /api/sales/reps/{user}/away}
     * @param weight   the rep's share in a team routed {@code weighted} (default 1): a rep of weight 2 takes two leads
     *                 for each one of a rep of weight 1
     * @param capacity at most this many open handoffs (waiting for sales or accepted) before routing passes the rep
     *                 by; unlimited when not set
     * @param calendar the business calendar of the rep's own working hours and zone ({@code leadflow.calendar.<id>});
     *                 routing passes the rep by outside them. The team's calendar when not set
     */
    public record Rep(String email, boolean away, Integer weight, Integer capacity, String calendar) {
    }

    public SalesSettings {
        teams = teams == null ? Map.of() : Map.copyOf(teams);
        reps = reps == null ? Map.of() : Map.copyOf(reps);
    }

    public boolean away(String user) {
        Rep rep = user == null ? null : reps.get(user);
        return rep != null && rep.away();
    }

    /** The configured routing of a sales user: weight 1, no capacity, the team's calendar unless configured. */
    public SalesDirectory.RepRouting routing(String user) {
        Rep rep = user == null ? null : reps.get(user);
        if (rep == null) {
            return SalesDirectory.RepRouting.DEFAULT;
        }
        return new SalesDirectory.RepRouting(rep.weight() == null ? 1 : rep.weight(), rep.capacity(),
                rep.calendar() == null || rep.calendar().isBlank() ? null : rep.calendar());
    }

    /** The configured address of a sales user, or null when none is configured. */
    public String email(String user) {
        Rep rep = user == null ? null : reps.get(user);
        return rep == null || rep.email() == null || rep.email().isBlank() ? null : rep.email();
    }
}
