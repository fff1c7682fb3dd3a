package io.leadflow.handoff;

import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.leadflow.platform.Texts;

/**
 * {@code /my-leads}: a rep's open handoffs and the buttons to answer them, so the everyday case needs no Tasklist.
 * Rendered from {@link MyLeads}, the source of {@code GET /api/handoffs/mine}; the buttons post to the handoff API
 * like any script would, so the page has no rule of its own about who may do what.
 */
@Controller
class MyLeadsPageController {

    /** A rejection reason as the API names it and as the page says it. */
    record Reason(String code, String label) {
    }

    static final List<Reason> REASONS = HandoffService.REJECT_REASONS.stream()
            .map(code -> new Reason(code, Texts.words(code))).toList();

    private final MyLeads myLeads;

    MyLeadsPageController(MyLeads myLeads) {
        this.myLeads = myLeads;
    }

    @GetMapping("/my-leads")
    String myLeads(@RequestParam(required = false) String team, Authentication user, Model model) {
        model.addAttribute("rows", myLeads.of(user, team));
        model.addAttribute("team", team == null ? "" : team.trim());
        model.addAttribute("teams", myLeads.teamsToFilter(user));
        model.addAttribute("reasons", REASONS);
        return "my-leads";
    }
}
