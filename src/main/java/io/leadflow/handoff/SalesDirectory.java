package io.leadflow.handoff;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Sales teams and their people as Camunda Admin keeps them: a team is a group of type {@value #TEAM_GROUP_TYPE}, a rep
 * is a user in that group and in the role group {@value #REP_ROLE}, a rep's address is the user's email. Read afresh
 * on every handoff step, so a team or a rep added in Admin takes leads without a restart; {@link SalesSettings} is the
 * seed of a first start and fills in what Admin leaves empty. Implemented next to the engine in {@code process}.
 */
public interface SalesDirectory {

    String TEAM_GROUP_TYPE = "SALES_TEAM";
    String REP_ROLE = "SALES";
    String MANAGER_ROLE = "SALES_MANAGER";

    /** The ids of the groups of type {@value #TEAM_GROUP_TYPE}, sorted. */
    Set<String> teams();

    /** The team's members who are also {@value #REP_ROLE}, sorted by id so that round robin keeps its order. */
    List<String> reps(String team);

    /**
     * {@code leadflow.sales.teams.<team>.manager} when that user exists, else the team's first member (by id) in
     * {@value #MANAGER_ROLE}; empty when the team has none.
     */
    Optional<String> manager(String team);

    /** The user's email, else {@code leadflow.sales.reps.<user>.email}; empty when neither is set. */
    Optional<String> email(String user);

    /** The user's {@code away} property once set ({@link #setAway}), else {@code leadflow.sales.reps.<user>.away}. */
    boolean away(String user);

    /** The business calendar of the team: its configured one, else the first calendar configured. */
    String calendar(String team);

    /**
     * How routing treats the rep: {@link #setRouting} when set, else {@code leadflow.sales.reps.<user>.{weight,
     * capacity,calendar}}, else weight 1, no capacity and the team's calendar.
     */
    RepRouting routing(String user);

    /**
     * Sets the rep's weight, capacity and calendar (Camunda Admin has no field for them).
     *
     * @throws io.leadflow.platform.NotFoundException when there is no such user
     */
    void setRouting(String user, RepRouting routing);

    /**
     * @param weight   the rep's share in a team routed {@code weighted}, at least 1
     * @param capacity the most open handoffs the rep takes before routing passes them by; null for no limit
     * @param calendar the business calendar of the rep's working hours; null for the team's
     */
    record RepRouting(int weight, Integer capacity, String calendar) {

        public static final RepRouting DEFAULT = new RepRouting(1, null, null);
    }

    /**
     * Marks a user away (skipped by round robin and reassignment) or back.
     *
     * @throws io.leadflow.platform.NotFoundException when there is no such user
     */
    void setAway(String user, boolean away);
}
