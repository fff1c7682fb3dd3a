package io.leadflow.handoff;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import io.leadflow.account.Accounts;
import io.leadflow.channel.email.EmailOutbox;

import io.leadflow.channel.email.MailTemplates;
import io.leadflow.handoff.Handoff.Status;
import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ConflictException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.LeadflowSettings;
import io.leadflow.platform.ModelKeys;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.RetryOnConflict;
import io.leadflow.scoring.DecisionEvaluator;

/**
 * The MQL-to-SQL handoff: assignment (DMN, then round robin in the team), the SLA clock in business time, and the
 * sales actions accept / qualify / reject, whether they come from the API or from Tasklist.
 */
@Service
public class HandoffService {

    private static final Logger log = LoggerFactory.getLogger(HandoffService.class);
    /** Why sales may reject a lead, in the order docs/api.md §6 lists them and the pages offer them. */
    public static final List<String> REJECT_REASONS = List.of("NOT_A_FIT", "NO_BUDGET", "DUPLICATE", "NO_RESPONSE",
            "BAD_DATA", "TIMING");

    public enum Action { accept, qualify, reject }

    /** The SLA clock of a new handoff: each step's due instant in business time; a step the table leaves empty never comes. */
    public record Opened(String handoffId, String team, String owner, Instant dueAt, Instant remindAt,
            Instant escalateAt, Instant reassignAt) {
    }

    /** For a step the sales-sla table leaves empty: far enough that the follow-up is long decided. */
    static final Duration NEVER = Duration.ofDays(3650);

    private final HandoffRepository handoffs;
    private final Leads leads;
    private final DecisionEvaluator decisions;
    private final SalesDirectory sales;
    private final BusinessCalendar calendar;
    private final HandoffTasks tasks;
    private final Clock clock;
    private final Counter breaches;
    private final EmailOutbox outbox;
    private final LeadflowSettings leadflow;
    private final Router router;
    private final Accounts accounts;

    HandoffService(HandoffRepository handoffs, Leads leads, DecisionEvaluator decisions, SalesDirectory sales,
            BusinessCalendar calendar, HandoffTasks tasks, Clock clock, MeterRegistry registry, EmailOutbox outbox,
            LeadflowSettings leadflow, Router router, Accounts accounts) {
        this.router = router;
        this.accounts = accounts;
        this.outbox = outbox;
        this.leadflow = leadflow;
        this.handoffs = handoffs;
        this.leads = leads;
        this.decisions = decisions;
        this.sales = sales;
        this.calendar = calendar;
        this.tasks = tasks;
        this.clock = clock;
        this.breaches = Counter.builder("leadflow.sla.breaches").description("Handoffs not accepted in time")
                .register(registry);
        Gauge.builder("leadflow.handoffs.open", handoffs, HandoffRepository::countOpen)
                .description("Handoffs waiting for sales").register(registry);
    }

    /** Assigns the lead (the lead-assignment table, then {@link Router}) and starts its SLA clock. */
    @Transactional
    public Opened open(String leadId) {
        return open(leadId, null);
    }

    /**
     * As {@link #open(String)}; a {@code chosenTeam} given (the qualification desk sent a partner request to the partner
     * team) replaces the table's choice, and its reps take the lead in turn.
     */
    @Transactional
    public Opened open(String leadId, String chosenTeam) {
        Lead lead = leads.get(leadId);
        Router.Ask ask = chosenTeam != null ? new Router.Ask(chosenTeam, null, RoutingRule.parse("round-robin"), null)
                : ask(leadId, lead);
        requireTeam(ask.team());
        Instant now = clock.instant();
        Routing routing = router.assign(leadId, ask, now).at(now);
        String team = routing.team();
        String teamCalendar = sales.calendar(team);
        String owner = routing.owner();
        Map<String, Object> slaIn = new HashMap<>();
        slaIn.put("grade", lead.grade());
        slaIn.put("team", team);
        var sla = decisions.evaluate(ModelKeys.DECISION_SALES_SLA, slaIn);
        Instant dueAt = calendar.add(teamCalendar, now, (String) sla.value("acceptWithin"));
        Instant remindAt = step(teamCalendar, now, sla.value("remindAfter"));
        Instant escalateAt = step(teamCalendar, now, sla.value("escalateAfter"));
        Instant reassignAt = step(teamCalendar, now, sla.value("reassignAfter"));
        Handoff h = new Handoff(UUID.randomUUID().toString(), leadId, team, owner, lead.grade(), Status.OPEN, now,
                dueAt, remindAt, null, 0, null, null, null, null,
                new Handoff.Ladder(escalateAt, reassignAt, null, null, null, null), null);
        handoffs.insert(h);
        handoffs.insertRouting(h.id(), routing);
        leads.assign(leadId, team, owner, now);
        log.info("Lead {} handed to team {} (owner {}: {}), due {}", leadId, team, owner, routing.reason(), dueAt);
        return new Opened(h.id(), team, owner, dueAt, remindAt, escalateAt, reassignAt);
    }

    /** The team table's question about the lead, and its answer: the team, maybe an owner, the rule, a fallback. */
    private Router.Ask ask(String leadId, Lead lead) {
        var assignment = decisions.evaluate(ModelKeys.DECISION_ASSIGNMENT, assignmentInputs(lead));
        String tableTeam = (String) assignment.value("team");
        if (tableTeam == null || tableTeam.isBlank()) {
            throw new IllegalStateException("The lead-assignment table gave no team for lead " + leadId
                    + ": add a catch-all rule");
        }
        RoutingRule rule;
        try {
            rule = RoutingRule.parse(text(assignment.value("rule")));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The lead-assignment table's rule for lead " + leadId + ": "
                    + e.getMessage(), e);
        }
        return new Router.Ask(tableTeam, text(assignment.value("owner")), rule, text(assignment.value("fallbackTeam")));
    }

    /** The team the lead-assignment table would choose for the lead now, before any rep is picked. */
    public String tableTeam(String leadId) {
        Lead lead = leads.get(leadId);
        Object team = decisions.evaluate(ModelKeys.DECISION_ASSIGNMENT, assignmentInputs(lead)).value("team");
        return text(team);
    }

    private static Map<String, Object> assignmentInputs(Lead lead) {
        Map<String, Object> in = new HashMap<>();
        in.put("country", lead.country());
        in.put("companySize", lead.companySize());
        in.put("industry", lead.industry());
        return in;
    }

    /** Whether the team exists (a Camunda group of type SALES_TEAM). */
    public boolean isTeam(String team) {
        return team != null && sales.teams().contains(team);
    }

    private static String text(Object value) {
        return value == null || value.toString().isBlank() ? null : value.toString().trim();
    }

    /** How the handoff was routed: its assignment, then each reassignment. */
    public List<Routing> routings(String handoffId) {
        return handoffs.routings(handoffId);
    }

    /**
     * The table's team is a Camunda group of type SALES_TEAM, or the lead would wait in a Tasklist queue nobody sees.
     * DecisionContracts refuses such a table at save; this catches a team deleted in Admin since.
     */
    private void requireTeam(String team) {
        if (!sales.teams().contains(team)) {
            throw new IllegalStateException("The lead-assignment table chose team '" + team + "', which does not "
                    + "exist: add the team as a Camunda group of type " + SalesDirectory.TEAM_GROUP_TYPE
                    + " in Camunda Admin (Groups, id '" + team + "', its reps as members), or configure "
                    + "leadflow.sales.teams." + team + ".reps for the next start");
        }
    }

    private Instant step(String teamCalendar, Instant from, Object offset) {
        return offset == null || offset.toString().isBlank() ? from.plus(NEVER)
                : calendar.add(teamCalendar, from, offset.toString());
    }


    /** SLA step 1: reminds the owner that the lead waits. False when the handoff moved on meanwhile. */
    @Transactional
    public boolean remind(String id) {
        Handoff h = handoffs.lock(id).orElseThrow(() -> new IllegalStateException("No handoff " + id));
        if (!handoffs.markReminded(id, clock.instant())) {
            return false;
        }
        notify(h, h.owner() != null ? h.owner() : sales.manager(h.team()).orElse(null), "remind",
                MailTemplates.SLA_REMIND);
        return true;
    }

    /** SLA step 2: tells the team's manager that the lead is still not accepted. */
    @Transactional
    public boolean escalate(String id) {
        Handoff h = handoffs.lock(id).orElseThrow(() -> new IllegalStateException("No handoff " + id));
        if (!handoffs.markEscalated(id, clock.instant())) {
            return false;
        }
        log.warn("Handoff {} escalated to the manager of team {}", id, h.team());
        notify(h, sales.manager(h.team()).orElse(null), "escalate", MailTemplates.SLA_ESCALATE);
        return true;
    }

    /**
     * SLA step 3: gives the lead to the next available rep of the team (or of the fallback team), by the rule it was
     * assigned with. The SLA clock keeps running from the handoff's creation (docs/api.md §6).
     *
     * @return the new owner, or empty when the handoff moved on or nobody else is available
     */
    @Transactional
    public Optional<String> reassign(String id) {
        Handoff h = handoffs.lock(id).orElseThrow(() -> new IllegalStateException("No handoff " + id));
        if (h.status() != Status.OPEN || h.ladder().reassignedAt() != null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Optional<Routing> assigned = handoffs.routings(id).stream().filter(r -> r.step().equals(Routing.ASSIGN))
                .findFirst();
        Routing routing = router.reassign(h, assigned, now).at(now);
        handoffs.insertRouting(id, routing);
        String next = routing.owner();
        if (next == null) {
            log.warn("Handoff {} not reassigned: {}", id, routing.reason());
            return Optional.empty();
        }
        handoffs.reassign(id, routing.team(), next, h.owner(), now);
        leads.assign(h.leadId(), routing.team(), next, now);
        log.warn("Handoff {} reassigned from {} to {}: {}", id, h.owner(), next, routing.reason());
        notify(get(id), next, "reassign", MailTemplates.SLA_REASSIGNED);
        return Optional.of(next);
    }

    private void notify(Handoff h, String user, String step, String template) {
        if (user == null) {
            log.warn("Nobody to tell of the {} of handoff {}: team {} has no owner for it and no manager (a member in "
                    + "{}); it shows only in /sla and Tasklist", step, h.id(), h.team(), SalesDirectory.MANAGER_ROLE);
            return;
        }
        String to = sales.email(user).orElse(null);
        if (to == null) {
            log.warn("No email for sales user {} (Camunda Admin: Users, Profile): the {} of handoff {} shows only in "
                    + "/sla and Tasklist", user, step, h.id());
            return;
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("handoffId", h.id());
        params.put("team", h.team());
        params.put("owner", h.owner() == null ? "" : h.owner());
        params.put("previousOwner", h.ladder().previousOwner() == null ? "" : h.ladder().previousOwner());
        params.put("dueAt", h.dueAt().toString());
        params.put("slaUrl", leadflow.link("/sla"));
        params.put("tasklistUrl", leadflow.link("/camunda/app/tasklist/"));
        outbox.enqueueToStaff(h.leadId(), "sla-" + step + ":" + h.id(), template, to, params);
    }

    /** Open handoffs per team and owner ({@code OPEN}, {@code ACCEPTED}, {@code CRM_FAILED}). */
    public Map<String, Map<String, Integer>> openPerTeamAndOwner() {
        return handoffs.countOpenPerTeamAndOwner();
    }

    public Handoff get(String id) {
        return handoffs.find(id).orElseThrow(() -> new NotFoundException("No handoff with id " + id));
    }

    /** The lead's first handoff opened at or after the instant (the one a routing or a desk decision led to). */
    public Optional<Handoff> firstForLeadSince(String leadId, Instant since) {
        return handoffs.firstForLeadSince(leadId, since);
    }

    /** The lead's most recent handoff, e.g. for a CRM event that names the lead rather than the handoff. */
    public Optional<Handoff> latestForLead(String leadId) {
        return handoffs.latestForLead(leadId);
    }

    public List<Handoff> list(String status) {
        return switch (status == null ? "open" : status) {
            case "open" -> handoffs.byStatus(List.of("OPEN", "ACCEPTED", "CRM_FAILED"));
            case "breached" -> handoffs.byStatus(List.of("OPEN", "ACCEPTED")).stream()
                    .filter(h -> h.breachedAt() != null || h.dueAt().isBefore(clock.instant())).toList();
            case "closed" -> handoffs.byStatus(List.of("QUALIFIED", "REJECTED"));
            default -> throw InvalidInputException.of("status", "must be open, breached or closed");
        };
    }

    /**
     * A sales action from the API: repeating the current state answers as success, anything else on a closed
     * handoff is a conflict; otherwise the user task is completed and the process records the outcome.
     */
    @Transactional
    @RetryOnConflict
    public Handoff act(String id, Action action, String reason, String opportunityId) {
        Handoff h = handoffs.lock(id).orElseThrow(() -> new NotFoundException("No handoff with id " + id));
        if (action == Action.reject && (reason == null || !REJECT_REASONS.contains(reason))) {
            throw InvalidInputException.of("reason", "must be one of " + REJECT_REASONS);
        }
        Status target = switch (action) {
            case accept -> Status.ACCEPTED;
            case qualify -> Status.QUALIFIED;
            case reject -> Status.REJECTED;
        };
        if (h.status() == target) {
            return h;
        }
        if (h.closed() || (action == Action.accept && h.status() != Status.OPEN)) {
            throw new ConflictException("Handoff " + id + " is " + h.status() + ": it cannot be " + target);
        }
        Map<String, Object> vars = new HashMap<>();
        vars.put("outcome", action.name());
        vars.put("reason", reason);
        vars.put("opportunityId", opportunityId);
        if (!tasks.complete(id, vars)) {
            throw new ConflictException("Handoff " + id + " is " + h.status()
                    + " and not yet waiting for a sales decision; try again shortly");
        }
        return get(id);
    }

    /** Whether the handoff's process waits for a sales decision now; false before its task exists or once closed. */
    public boolean awaitsDecision(String id) {
        return tasks.awaitsDecision(id);
    }

    /** Called by the process once the user task is done (from the API or from Tasklist). */
    @Transactional
    public void recordOutcome(String id, String outcome, String reason, String opportunityId) {
        Handoff h = handoffs.lock(id).orElseThrow(() -> new IllegalStateException("No handoff " + id));
        Instant now = clock.instant();
        Action action;
        try {
            action = Action.valueOf(outcome);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Outcome must be accept, qualify or reject, not '" + outcome + "'");
        }
        switch (action) {
            case accept -> {
                handoffs.update(id, Status.ACCEPTED, now, null, null, null);
                leads.acceptBySales(h.leadId(), now);
                accounts.claim(h.leadId(), h.owner());
            }
            case qualify -> {
                handoffs.update(id, Status.QUALIFIED, now, now, null, opportunityId);
                leads.convert(h.leadId(), now);
                accounts.claim(h.leadId(), h.owner());
            }
            case reject -> {
                if (reason == null || !REJECT_REASONS.contains(reason)) {
                    throw new IllegalArgumentException("A rejection needs a reason: one of " + REJECT_REASONS);
                }
                handoffs.update(id, Status.REJECTED, null, now, reason, null);
                leads.recycle(h.leadId(), now);
            }
        }
        log.info("Handoff {} of lead {}: {}", id, h.leadId(), action);
    }

    /**
     * An opportunity the CRM reported for the lead (created, won, lost), kept with the lead, the lead's account now
     * and the handoff it came from; a repeated report moves it on, never back ({@link HandoffRepository}).
     */
    @Transactional
    public void recordOpportunity(String leadId, Opportunity o, String eventId) {
        handoffs.upsertOpportunity(leadId, accounts.accountOf(leadId).orElse(null), o.handoffId(), o, eventId,
                clock.instant());
    }

    /**
     * The first call, email or meeting sales logged for the lead stops its latest handoff's "time to first touch";
     * one logged before the handoff counts from the handoff. False when there is no handoff or it was touched already.
     */
    @Transactional
    public boolean recordFirstTouch(String leadId, String activity, Instant at) {
        Handoff h = handoffs.latestForLead(leadId).orElse(null);
        if (h == null) {
            return false;
        }
        return handoffs.firstTouch(h.id(), at.isBefore(h.createdAt()) ? h.createdAt() : at, activity);
    }

    /** The account's opportunities the CRM reported open (not yet won or lost), oldest first. */
    public List<Opportunity> openOpportunitiesOfAccount(String accountId) {
        return handoffs.openOpportunitiesOfAccount(accountId);
    }

    /** The opportunities the CRM reported for the lead, oldest first. */
    public List<Opportunity> opportunities(String leadId) {
        return handoffs.opportunitiesOfLead(leadId);
    }

    @Transactional
    public void markBreached(String id) {
        if (handoffs.markBreached(id, clock.instant())) {
            breaches.increment();
            log.warn("Handoff {} breached its SLA", id);
        }
    }

    @Transactional
    public void markCrmFailed(String id, String error) {
        handoffs.setStatus(id, Status.CRM_FAILED, error);
    }

    @Transactional
    public void markCrmPushed(String id) {
        Handoff h = get(id);
        if (h.status() == Status.CRM_FAILED) {
            handoffs.setStatus(id, Status.OPEN, null);
        }
    }
}
