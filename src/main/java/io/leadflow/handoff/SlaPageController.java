package io.leadflow.handoff;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * {@code /sla}: the sales managers' view of open handoffs and their clocks, of the reps as routing sees them now
 * (away, working hours, load against capacity, weight), and of the last 30 days.
 */
@Controller
class SlaPageController {

    /**
     * A rep as the next routing into the team would see them ({@link Router#candidatesNow}).
     *
     * @param availability "yes", or why routing passes them by (away, outside working hours, at capacity)
     * @param openHandoffs their open handoffs in every team, against {@code capacity} (null: no limit)
     * @param calendar     their own working hours, else the team's
     */
    record RepRow(String team, String user, String availability, boolean available, int openHandoffs,
            Integer capacity, int weight, String calendar) {
    }

    private final HandoffService handoffs;
    private final HandoffReports reports;
    private final Clock clock;
    private final SalesDirectory sales;
    private final Router router;

    SlaPageController(HandoffService handoffs, HandoffReports reports, Clock clock, SalesDirectory sales,
            Router router) {
        this.handoffs = handoffs;
        this.reports = reports;
        this.clock = clock;
        this.sales = sales;
        this.router = router;
    }

    private List<RepRow> reps() {
        Instant now = clock.instant();
        List<RepRow> rows = new ArrayList<>();
        for (String team : sales.teams()) {
            for (Routing.Candidate c : router.candidatesNow(team, now)) {
                String own = sales.routing(c.user()).calendar();
                rows.add(new RepRow(team, c.user(), c.available() ? "yes" : c.note(), c.available(),
                        c.openHandoffs(), c.capacity(), c.weight(),
                        own != null ? own : sales.calendar(team) + " (the team's)"));
            }
        }
        return rows;
    }

    @GetMapping("/sla")
    String sla(Model model) {
        var open = handoffs.list("open");
        model.addAttribute("handoffs", open);
        model.addAttribute("teams", reports.openByTeamAndOwner(open));
        model.addAttribute("breachedCount", open.stream()
                .filter(h -> h.breachedAt() != null || h.dueAt().isBefore(clock.instant())).count());
        model.addAttribute("report", reports.report(null, null));
        model.addAttribute("reps", reps());
        return "sla";
    }
}
