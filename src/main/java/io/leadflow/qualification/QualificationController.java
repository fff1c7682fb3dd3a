package io.leadflow.qualification;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.InvalidInputException;
import io.leadflow.qualification.Qualification.Bant;
import io.leadflow.qualification.Qualification.Flag;

/** The qualification desk's API (docs/api.md §14): the list, one qualification with what the desk needs, a decision. */
@RestController
@RequestMapping("/api/qualifications")
class QualificationController {

    /** A qualification as the list shows it. */
    record QualificationView(String id, String leadId, String accountId, String grade, String team, String source,
            String campaign, List<Flag> flags, String route, String status, Instant createdAt, Instant dueAt,
            boolean breached, Instant decidedAt, String decidedBy, String disposition, String reason,
            String duplicateOf, String routedTeam) {

        static QualificationView of(Qualification q, Instant now) {
            return new QualificationView(q.id(), q.leadId(), q.accountId(), q.grade(), q.team(), q.source(),
                    q.campaign(), q.flags(), q.route(), q.status().toLowerCase(java.util.Locale.ROOT), q.createdAt(),
                    q.dueAt(), breached(q, now), q.decidedAt(), q.decidedBy(), q.disposition(), q.reason(),
                    q.duplicateOf(), q.routedTeam());
        }

        static boolean breached(Qualification q, Instant now) {
            if (q.dueAt() == null) {
                return false;
            }
            if (q.breachedAt() != null) {
                return true;
            }
            // waiting: against now; decided: against its decision; cancelled (the lead erased): it was not late then
            Instant against = Qualification.OPEN.equals(q.status()) ? now : q.decidedAt();
            return against != null && against.isAfter(q.dueAt());
        }
    }

    /** The body of {@code POST /api/qualifications/{id}/decide}. */
    record DecideBody(String disposition, String reason, String duplicateOf, Bant bant, String note) {
    }

    private final Qualifications qualifications;
    private final DeskViews views;
    private final DeskReports reports;
    private final Clock clock;

    QualificationController(Qualifications qualifications, DeskViews views, DeskReports reports, Clock clock) {
        this.qualifications = qualifications;
        this.reports = reports;
        this.views = views;
        this.clock = clock;
    }

    @GetMapping
    List<QualificationView> list(@RequestParam(required = false) String status,
            @RequestParam(required = false, defaultValue = "200") int limit) {
        String wanted = status == null ? "open" : status.trim().toLowerCase(java.util.Locale.ROOT);
        if (!wanted.equals("open") && !wanted.equals("done")) {
            throw InvalidInputException.of("status", "must be open or done");
        }
        if (limit < 1 || limit > 1000) {
            throw InvalidInputException.of("limit", "must be between 1 and 1000");
        }
        Instant now = clock.instant();
        return qualifications.list(wanted.equals("open") ? Qualification.OPEN : Qualification.DONE, limit).stream()
                .map(q -> QualificationView.of(q, now)).toList();
    }

    /** One qualification with the lead, its account's other leads, possible duplicates and the Tasklist task. */
    @GetMapping("/{id}")
    DeskViews.Detail get(@PathVariable String id) {
        return views.detail(qualifications.get(id));
    }

    @PostMapping("/{id}/decide")
    DeskViews.Detail decide(@PathVariable String id, @RequestBody(required = false) DecideBody body,
            Authentication user) {
        if (body == null) {
            throw InvalidInputException.of("disposition", "is required: send {\"disposition\": \"PROSPECT\", ...}");
        }
        Qualification q = qualifications.decideAtDesk(id, new Qualifications.Decision(body.disposition(),
                body.reason(), body.duplicateOf(), body.bant(), body.note()), user.getName());
        return views.detail(q);
    }

    /** The desk's figures over a period (default the last 30 days). */
    @GetMapping("/report")
    DeskReports.Report report(@RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        return reports.report(from, to);
    }

    /** The codes the desk chooses from, for forms and integrations. */
    @GetMapping("/codes")
    Map<String, List<String>> codes() {
        return Map.of("dispositions", Qualifications.DISPOSITIONS, "nurtureReasons", Qualifications.NURTURE_REASONS,
                "disqualifyReasons", Qualifications.DISQUALIFY_REASONS, "budgets", Qualifications.BUDGETS,
                "authorities", Qualifications.AUTHORITIES, "timelines", Qualifications.TIMELINES,
                "flags", Qualifications.FLAGS);
    }
}
