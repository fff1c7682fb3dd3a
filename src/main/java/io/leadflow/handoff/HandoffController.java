package io.leadflow.handoff;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.http.HttpStatus;

@RestController
@RequestMapping("/api/handoffs")
class HandoffController {

    /**
     * @param ladder  when each SLA step is due and when it happened (remind, escalate, reassign)
     * @param firstTouch the first call, email or meeting sales logged in the CRM since the handoff; absent before
     * @param routing why the handoff went to its owner, assignment first, then each reassignment; only in the answer
     *                about one handoff ({@code GET /api/handoffs/{id}}, an action's)
     */
    record HandoffView(String id, String leadId, String owner, String team, Instant createdAt, Instant dueAt,
            long remainingSeconds, boolean breached, int escalationLevel, Handoff.Status status, String rejectReason,
            String opportunityId, Instant remindAt, Handoff.Ladder ladder, Handoff.FirstTouch firstTouch,
            List<Routing> routing) {

        /** The handoff as every endpoint answers it, its clock read at {@code now}. */
        static HandoffView of(Handoff h, Instant now, List<Routing> routing) {
            return new HandoffView(h.id(), h.leadId(), h.owner(), h.team(), h.createdAt(), h.dueAt(),
                    Duration.between(now, h.dueAt()).toSeconds(), h.breached(now), h.escalationLevel(), h.status(),
                    h.rejectReason(), h.opportunityId(), h.remindAt(), h.ladder(), h.firstTouch(), routing);
        }
    }

    record ActionBody(String reason, String opportunityId) {
    }

    private final HandoffService service;
    private final HandoffReports reports;
    private final MyLeads myLeads;
    private final Clock clock;

    HandoffController(HandoffService service, HandoffReports reports, MyLeads myLeads, Clock clock) {
        this.service = service;
        this.reports = reports;
        this.myLeads = myLeads;
        this.clock = clock;
    }

    @GetMapping
    List<HandoffView> list(@RequestParam(required = false) String status, Authentication user) {
        return service.list(status).stream().filter(h -> visible(h, user))
                .map(h -> HandoffView.of(h, clock.instant(), null)).toList();
    }

    /** Per team and owner over a period: MQLs received, time to answer, SLA compliance, rejection reasons. */
    @GetMapping("/report")
    HandoffReports.Report report(@RequestParam(required = false) String from,
            @RequestParam(required = false) String to, Authentication user) {
        if (!SalesRoles.managesEveryone(user)) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "Reports are for sales managers");
        }
        return reports.report(from, to);
    }

    /**
     * The caller's open handoffs with what a rep needs to answer each (the lead's key facts, why it is an MQL, the
     * working time left): what {@code /my-leads} shows. A rep's own; a manager's or an administrator's of every team,
     * or of one with {@code team=}.
     */
    @GetMapping("/mine")
    List<MyLeads.MyLead> mine(@RequestParam(required = false) String team, Authentication user) {
        return myLeads.of(user, team);
    }

    @GetMapping("/{id}")
    HandoffView get(@PathVariable String id, Authentication user) {
        return view(visibleOr403(service.get(id), user));
    }

    @PostMapping("/{id}/{action}")
    HandoffView act(@PathVariable String id, @PathVariable HandoffService.Action action,
            @RequestBody(required = false) ActionBody body, Authentication user) {
        visibleOr403(service.get(id), user);
        return view(service.act(id, action, body == null ? null : body.reason(),
                body == null ? null : body.opportunityId()));
    }

    private Handoff visibleOr403(Handoff h, Authentication user) {
        if (!visible(h, user)) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN, "This handoff belongs to another sales rep");
        }
        return h;
    }

    /** Managers see every team; a sales rep sees the handoffs they own. */
    private static boolean visible(Handoff h, Authentication user) {
        return SalesRoles.mayAnswer(h, user);
    }

    private HandoffView view(Handoff h) {
        return HandoffView.of(h, clock.instant(), service.routings(h.id()));
    }

}
