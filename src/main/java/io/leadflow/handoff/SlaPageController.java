package io.leadflow.handoff;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
     * A rep as the next routing would see them.
     *
     * @param working      within their working hours now (their calendar, else the team's)
     * @param openHandoffs their open handoffs in every team, against {@code capacity} (null: no limit)
     */
    record RepRow(String team, String user, boolean away, boolean working, int openHandoffs, Integer capacity,
            int weight, String calendar) {

        public boolean full() {
            return capacity != null && openHandoffs >= capacity;
        }
    }

    private final HandoffService handoffs;
    private final HandoffReports reports;
    private final Clock clock;
    private final SalesDirectory sales;
    private final BusinessCalendar calendar;
    private final HandoffRepository repository;

    SlaPageController(HandoffService handoffs, HandoffReports reports, Clock clock, SalesDirectory sales,
            BusinessCalendar calendar, HandoffRepository repository) {
        this.handoffs = handoffs;
        this.reports = reports;
        this.clock = clock;
        this.sales = sales;
        this.calendar = calendar;
        this.repository = repository;
    }

    private List<RepRow> reps() {
        Instant now = clock.instant();
        List<RepRow> rows = new ArrayList<>();
        for (String team : sales.teams()) {
            List<String> reps = sales.reps(team);
            Map<String, Integer> open = repository.openPerOwner(reps);
            for (String rep : reps) {
                SalesDirectory.RepRouting r = sales.routing(rep);
                String cal = r.calendar() != null && calendar.exists(r.calendar()) ? r.calendar() : sales.calendar(team);
                rows.add(new RepRow(team, rep, sales.away(rep), cal == null || calendar.isWorkingAt(cal, now),
                        open.getOrDefault(rep, 0), r.capacity(), r.weight(), cal));
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
