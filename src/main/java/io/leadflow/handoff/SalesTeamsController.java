package io.leadflow.handoff;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import io.leadflow.platform.InvalidInputException;

/**
 * The sales teams as the handoff sees them now (teams and reps come from Camunda Admin, docs/api.md §6), and the one
 * change Admin cannot make: marking a rep away. A rep may mark only themself; a manager anyone.
 */
@RestController
@RequestMapping("/api/sales")
class SalesTeamsController {

    /** @param openHandoffs the rep's handoffs of this team waiting for sales or accepted */
    record RepView(String user, String email, boolean away, int openHandoffs) {
    }

    record TeamView(String team, String calendar, String manager, List<RepView> reps) {
    }

    record AwayBody(Boolean away) {
    }

    record AwayView(String user, boolean away) {
    }

    private final SalesDirectory directory;
    private final HandoffService handoffs;

    SalesTeamsController(SalesDirectory directory, HandoffService handoffs) {
        this.directory = directory;
        this.handoffs = handoffs;
    }

    @GetMapping("/teams")
    List<TeamView> teams() {
        Map<String, Map<String, Integer>> open = handoffs.openPerTeamAndOwner();
        return directory.teams().stream().map(team -> new TeamView(team, directory.calendar(team),
                directory.manager(team).orElse(null), directory.reps(team).stream()
                        .map(rep -> new RepView(rep, directory.email(rep).orElse(null), directory.away(rep),
                                open.getOrDefault(team, Map.of()).getOrDefault(rep, 0)))
                        .toList()))
                .toList();
    }

    @PutMapping("/reps/{user}/away")
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
