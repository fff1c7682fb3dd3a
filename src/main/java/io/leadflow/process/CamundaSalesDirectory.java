package io.leadflow.process;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.User;
import org.springframework.stereotype.Component;

import io.leadflow.channel.email.StaffAddresses;
import io.leadflow.handoff.CalendarSettings;
import io.leadflow.handoff.SalesDirectory;
import io.leadflow.handoff.SalesSettings;
import io.leadflow.platform.NotFoundException;

/**
 * Sales teams and reps from the engine's identity service, so that Camunda Admin changes them without a restart.
 * Plain queries, no cache: a handoff step asks a handful of them, and a cache would delay exactly the change (a rep
 * away, a new address) that should count at once. {@code away} is a user info property, which Camunda Admin does not
 * show: it is set through {@code PUT /api/sales/reps/{user}/away}.
 */
@Component
class CamundaSalesDirectory implements SalesDirectory, StaffAddresses {

    static final String AWAY = "away";
    static final String WEIGHT = "routing.weight";
    static final String CAPACITY = "routing.capacity";
    static final String CALENDAR = "routing.calendar";
    /** Written with the three above, so that "no capacity" set through the API overrides a configured one. */
    static final String ROUTING_SET = "routing.set";

    private final IdentityService identity;
    private final SalesSettings sales;
    private final CalendarSettings calendars;

    CamundaSalesDirectory(IdentityService identity, SalesSettings sales, CalendarSettings calendars) {
        this.identity = identity;
        this.sales = sales;
        this.calendars = calendars;
    }

    /** Where Leadflow writes to one of our people (a test of an email template): the same address as a rep's. */
    @Override
    public Optional<String> emailOf(String userId) {
        return email(userId);
    }

    @Override
    public Set<String> teams() {
        Set<String> teams = new TreeSet<>();
        identity.createGroupQuery().groupType(TEAM_GROUP_TYPE).list().forEach(g -> teams.add(g.getId()));
        return teams;
    }

    @Override
    public List<String> reps(String team) {
        return membersAlsoIn(team, REP_ROLE);
    }

    @Override
    public Optional<String> manager(String team) {
        SalesSettings.Team configured = sales.teams().get(team);
        if (configured != null && configured.manager() != null
                && identity.createUserQuery().userId(configured.manager()).count() > 0) {
            return Optional.of(configured.manager());
        }
        return membersAlsoIn(team, MANAGER_ROLE).stream().findFirst();
    }

    /** The members of the team who are also in the role group, by id; two queries whatever the team's size. */
    private List<String> membersAlsoIn(String team, String role) {
        Group group = team == null ? null
                : identity.createGroupQuery().groupId(team).groupType(TEAM_GROUP_TYPE).singleResult();
        if (group == null) {
            return List.of();
        }
        String[] members = identity.createUserQuery().memberOfGroup(team).list().stream().map(User::getId)
                .toArray(String[]::new);
        if (members.length == 0) {
            return List.of();
        }
        return identity.createUserQuery().userIdIn(members).memberOfGroup(role).orderByUserId().asc().list().stream()
                .map(User::getId).toList();
    }

    @Override
    public Optional<String> email(String user) {
        if (user == null) {
            return Optional.empty();
        }
        User found = identity.createUserQuery().userId(user).singleResult();
        if (found != null && found.getEmail() != null && !found.getEmail().isBlank()) {
            return Optional.of(found.getEmail());
        }
        return Optional.ofNullable(sales.email(user));
    }

    @Override
    public boolean away(String user) {
        String set = user == null ? null : identity.getUserInfo(user, AWAY);
        return set != null ? Boolean.parseBoolean(set.trim()) : sales.away(user);
    }

    @Override
    public String calendar(String team) {
        SalesSettings.Team configured = sales.teams().get(team);
        return configured != null && configured.calendar() != null && !configured.calendar().isBlank()
                ? configured.calendar() : calendars.defaultCalendar();
    }

    @Override
    public RepRouting routing(String user) {
        if (user == null || identity.getUserInfo(user, ROUTING_SET) == null) {
            return sales.routing(user);
        }
        String weight = identity.getUserInfo(user, WEIGHT);
        String capacity = identity.getUserInfo(user, CAPACITY);
        String calendar = identity.getUserInfo(user, CALENDAR);
        return new RepRouting(weight == null || weight.isBlank() ? 1 : Integer.parseInt(weight.trim()),
                capacity == null || capacity.isBlank() ? null : Integer.valueOf(capacity.trim()),
                calendar == null || calendar.isBlank() ? null : calendar.trim());
    }

    @Override
    public void setRouting(String user, RepRouting routing) {
        if (user == null || identity.createUserQuery().userId(user).count() == 0) {
            throw new NotFoundException("No user " + user + ": add them in Camunda Admin (Users) first");
        }
        identity.setUserInfo(user, WEIGHT, Integer.toString(routing.weight()));
        identity.setUserInfo(user, CAPACITY, routing.capacity() == null ? "" : routing.capacity().toString());
        identity.setUserInfo(user, CALENDAR, routing.calendar() == null ? "" : routing.calendar());
        identity.setUserInfo(user, ROUTING_SET, "true");
    }

    @Override
    public void setAway(String user, boolean away) {
        if (user == null || identity.createUserQuery().userId(user).count() == 0) {
            throw new NotFoundException("No user " + user + ": add them in Camunda Admin (Users) first");
        }
        // written either way, not removed when false: an explicit "back" must also override a configured away: true
        identity.setUserInfo(user, AWAY, Boolean.toString(away));
    }
}
