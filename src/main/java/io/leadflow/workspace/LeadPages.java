package io.leadflow.workspace;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import io.leadflow.handoff.HandoffService;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadAccess;

/**
 * The leads list {@code /leads} and a lead's timeline {@code /leads/{id}}, and the JSON each page is rendered from
 * ({@code GET /api/leads/search}, {@code GET /api/leads/{id}/timeline}): one object serves both, so the page shows
 * what the API answers. A sales rep without a wider role sees only the leads of the handoffs they own.
 */
@Controller
class LeadPages {

    private final LeadTimelines timelines;
    private final LeadSearch search;

    LeadPages(LeadTimelines timelines, LeadSearch search) {
        this.timelines = timelines;
        this.search = search;
    }

    @GetMapping("/api/leads/{id}/timeline")
    @ResponseBody
    Timeline timeline(@PathVariable String id, Authentication user) {
        return timelines.of(id, user);
    }

    @GetMapping("/leads/{id}")
    String leadPage(@PathVariable String id, Authentication user, Model model) {
        model.addAttribute("t", timelines.of(id, user));
        model.addAttribute("reasons", HandoffService.REJECT_REASONS);
        return "lead";
    }

    @GetMapping("/api/leads/search")
    @ResponseBody
    LeadSearch.Page find(@RequestParam(required = false) String q, @RequestParam(required = false) String stage,
            @RequestParam(required = false) String consent, @RequestParam(required = false) String grade,
            @RequestParam(required = false) String track, @RequestParam(required = false) String team,
            @RequestParam(required = false) String owner, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String sort,
            @RequestParam(required = false) String after, @RequestParam(defaultValue = "50") int limit,
            Authentication user) {
        return search.search(visibleTo(LeadFilter.of(q, stage, consent, grade, track, team, owner, from, to), user),
                sort, after, limit);
    }

    @GetMapping("/leads")
    String listPage(@RequestParam(required = false) String q, @RequestParam(required = false) String stage,
            @RequestParam(required = false) String consent, @RequestParam(required = false) String grade,
            @RequestParam(required = false) String track, @RequestParam(required = false) String team,
            @RequestParam(required = false) String owner, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String sort,
            @RequestParam(required = false) String after, Authentication user, Model model) {
        LeadFilter filter = visibleTo(LeadFilter.of(q, stage, consent, grade, track, team, owner, from, to), user);
        LeadSearch.Page page = search.search(filter, sort, after, 50);
        String query = filter.query();
        model.addAttribute("filter", filter);
        model.addAttribute("page", page);
        model.addAttribute("stages", Lead.Stage.values());
        model.addAttribute("consents", Lead.Consent.values());
        model.addAttribute("ownOnly", !LeadAccess.readsEveryLead(user));
        model.addAttribute("nextUrl", page.next() == null ? null
                : "/leads?" + (query.isEmpty() ? "" : query + "&") + "sort=" + page.sort() + "&after=" + page.next());
        model.addAttribute("exportUrl", has(user, "ROLE_ADMIN") ? "/api/leads/export" + (query.isEmpty() ? "" : "?" + query)
                : null);
        return "leads";
    }

    /** A sales rep without a wider role lists only the leads they own, whatever the filter says. */
    private static LeadFilter visibleTo(LeadFilter filter, Authentication user) {
        return LeadAccess.readsEveryLead(user) ? filter : filter.ownedBy(user.getName());
    }

    private static boolean has(Authentication user, String role) {
        return user.getAuthorities().stream().map(GrantedAuthority::getAuthority).anyMatch(role::equals);
    }
}
