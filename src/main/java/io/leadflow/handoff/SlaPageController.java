package io.leadflow.handoff;

import java.time.Clock;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** {@code /sla}: the sales managers' view of open handoffs and their clocks. */
@Controller
class SlaPageController {

    private final HandoffService handoffs;
    private final HandoffReports reports;
    private final Clock clock;

    SlaPageController(HandoffService handoffs, HandoffReports reports, Clock clock) {
        this.handoffs = handoffs;
        this.reports = reports;
        this.clock = clock;
    }

    @GetMapping("/sla")
    String sla(Model model) {
        var open = handoffs.list("open");
        model.addAttribute("handoffs", open);
        model.addAttribute("teams", reports.openByTeamAndOwner(open));
        model.addAttribute("breachedCount", open.stream()
                .filter(h -> h.breachedAt() != null || h.dueAt().isBefore(clock.instant())).count());
        model.addAttribute("report", reports.report(null, null));
        return "sla";
    }
}
