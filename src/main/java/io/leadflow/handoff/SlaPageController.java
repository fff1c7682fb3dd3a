package io.leadflow.handoff;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** {@code /sla}: the sales managers' view of open handoffs and their clocks. */
@Controller
class SlaPageController {

    private final HandoffService handoffs;

    SlaPageController(HandoffService handoffs) {
        this.handoffs = handoffs;
    }

    @GetMapping("/sla")
    String sla(Model model) {
        model.addAttribute("handoffs", handoffs.list("open"));
        return "sla";
    }
}
