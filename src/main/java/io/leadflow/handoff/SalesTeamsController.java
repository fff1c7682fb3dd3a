package io.leadflow.handoff;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.leadflow.account.Accounts;
import io.leadflow.platform.InvalidInputException;


/**
 * The sales teams as the handoff sees them now (teams and reps come from Camunda Admin, docs/api.md §6), and what
 * Admin cannot set: a rep away (a rep may mark only themself; a manager anyone), a rep's routing (weight, capacity,
 * working hours; managers) and an account's owner (managers).
 */
@RestController
class SalesTeamsController {

    /**
     * @param openHandoffs the rep's handoffs of this team waiting for sales or accepted
     * @param weight       their share when the team is routed {@code weighted}
     * @param capacity     the most open handoffs (in every team) before routing passes them by; null for no limit
     * @param calendar     the calendar of their working hours; null for the team's
     */
    record RepView(String user, String email, boolean away, int openHandoffs, int weight, Integer capacity,
            String calendar) {
    }

    record RoutingBody(Integer weight, Integer capacity, String calendar) {
    }

    record RoutingView(String user, int weight, Integer capacity, String calendar) {
    }

    record OwnerBody(String owner) {
    }

    record TeamView(String team, String calendar, String manager, List<RepView> reps) {
    }

    record AwayBody(Boolean away) {
    }

    record AwayView(String user, boolean away) {
    }

    private final SalesDirectory directory;
    private final HandoffService handoffs;
    private final BusinessCalendar calendar;
    private final Accounts accounts;

    SalesTeamsController(SalesDirectory directory, HandoffService handoffs, BusinessCalendar calendar,
            Accounts accounts) {
        this.directory = directory;
        this.handoffs = handoffs;
        this.calendar = calendar;
        this.accounts = accounts;
    }

    @GetMapping("/api/sales/teams")
    List<TeamView> teams() {
        Map<String, Map<String, Integer>> open = handoffs.openPerTeamAndOwner();
        return directory.teams().stream().map(team -> new TeamView(team, directory.calendar(team),
                directory.manager(team).orElse(null), directory.reps(team).stream()
                        .map(rep -> {
                            SalesDirectory.RepRouting routing = directory.routing(rep);
                            return new RepView(rep, directory.email(rep).orElse(null), directory.away(rep),
                                    open.getOrDefault(team, Map.of()).getOrDefault(rep, 0), routing.weight(),
                                    routing.capacity(), routing.calendar());
                        })
                        .toList()))
                .toList();
    }

    /** A manager sets how routing treats a rep: weight, capacity, calendar of working hours (all three at once). */
    @PutMapping("/api/sales/reps/{user}/routing")
    RoutingView routing(@PathVariable String user, @RequestBody(required = false) RoutingBody body) {
        if (body == null) {
            throw InvalidInputException.of("weight", "is required: {\"weight\": 1, \"capacity\": 20, \"calendar\": "
                    + "\"paris\"}, capacity and calendar may be null");
        }
        int weight = body.weight() == null ? 1 : body.weight();
        if (weight < 1 || weight > 100) {
            throw InvalidInputException.of("weight", "must be between 1 and 100");
        }
        if (body.capacity() != null && (body.capacity() < 0 || body.capacity() > 10_000)) {
            throw InvalidInputException.of("capacity", "must be between 0 and 10000, or null for no limit");
        }
        String cal = body.calendar() == null || body.calendar().isBlank() ? null : body.calendar().trim();
        if (cal != null && !calendar.exists(cal)) {
            throw InvalidInputException.of("calendar", "no business calendar '" + cal + "': configure "
                    + "leadflow.calendar." + cal + ".{zone,days,hours}, or give null for the team's calendar");
        }
        directory.setRouting(user, new SalesDirectory.RepRouting(weight, body.capacity(), cal));
        SalesDirectory.RepRouting now = directory.routing(user);
        return new RoutingView(user, now.weight(), now.capacity(), now.calendar());
    }

    /**
     * A manager gives an account to a rep (or with {@code owner: null} frees it): the account's next MQLs go to them
     * while the routing rule is {@code sticky} and they are not away.
     */
    @PutMapping("/api/accounts/{id}/owner")
    Accounts.Account owner(@PathVariable String id, @RequestBody(required = false) OwnerBody body,
            Authentication caller) {
        if (body == null) {
            throw InvalidInputException.of("owner", "is required: a sales rep's user id, or null to free the account");
        }
        String owner = body.owner() == null || body.owner().isBlank() ? null : body.owner().trim();
        if (owner != null && directory.teams().stream().noneMatch(t -> directory.reps(t).contains(owner))) {
            throw InvalidInputException.of("owner", "'" + owner + "' is no sales rep of any team: give a user who is "
                    + "in " + SalesDirectory.REP_ROLE + " and in a team's group (Camunda Admin)");
        }
        return accounts.setOwner(id, owner, caller.getName());
    }

    @PutMapping("/api/sales/reps/{user}/away")
    AwayView away(@PathVariable String user, @RequestBody(required = false) AwayBody body,
            Authentication caller) {
        if (!SalesRoles.managesEveryone(caller) && !caller.getName().equals(user)) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN,
                    "A sales rep marks only themself away; a sales manager marks anyone");
        }
        if (body == null || body.away() == null) {
            throw InvalidInputException.of("away", "must be true or false");
        }
        directory.setAway(user, body.away());
        return new AwayView(user, directory.away(user));
    }
}
