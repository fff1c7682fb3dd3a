package io.leadflow.qualification;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import io.leadflow.account.Accounts;
import io.leadflow.handoff.BusinessCalendar;
import io.leadflow.handoff.HandoffService;
import io.leadflow.handoff.Opportunity;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadErased;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ConflictException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.InvalidInputException.FieldError;
import io.leadflow.platform.ModelKeys;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.RetryOnConflict;
import io.leadflow.platform.Texts;
import io.leadflow.qualification.Qualification.Bant;
import io.leadflow.qualification.Qualification.Flag;
import io.leadflow.scoring.DecisionEvaluator;
import io.leadflow.scoring.EngagementHistory;
import io.leadflow.scoring.ScoringService;

/**
 * The qualification desk: routes each MQL by the {@code qualification-route} table, computes the hints the desk sees,
 * and records the desk's disposition with its consequences for the lead (docs/api.md §14).
 */
@Service
public class Qualifications {

    private static final Logger log = LoggerFactory.getLogger(Qualifications.class);

    public static final String PROSPECT = "PROSPECT";
    public static final String NURTURE = "NURTURE";
    public static final String DISQUALIFIED = "DISQUALIFIED";
    public static final List<String> DISPOSITIONS = List.of(PROSPECT, NURTURE, DISQUALIFIED);
    /** Why a lead goes back to nurture. */
    public static final List<String> NURTURE_REASONS = List.of("NOT_READY", "NO_BUDGET", "NO_NEED", "TIMING",
            "NO_RESPONSE");
    /** Why a lead is not one for sales; PARTNER goes to the partner team when there is one. */
    public static final List<String> DISQUALIFY_REASONS = List.of("COMPETITOR", "JOB_SEEKER", "STUDENT", "PARTNER",
            "DUPLICATE", "INTERNAL", "SPAM");
    public static final List<String> BUDGETS = List.of("UNKNOWN", "NONE", "PLANNED", "APPROVED");
    public static final List<String> AUTHORITIES = List.of("UNKNOWN", "USER", "INFLUENCER", "DECISION_MAKER");
    public static final List<String> TIMELINES = List.of("UNKNOWN", "NOW", "THIS_QUARTER", "THIS_YEAR", "LATER");

    /** The hints' codes, in the order the desk shows them. */
    public static final List<String> FLAGS = List.of("COMPETITOR", "CAREERS_PAGES", "FREE_MAIL", "OPEN_OPPORTUNITY",
            "POSSIBLE_DUPLICATE");

    /** What the process needs of a route: where the MQL goes and the desk's deadline. */
    public record Routed(String qualificationId, String route, Instant dueAt) {
    }

    /** A desk's decision as it arrives from the API or Tasklist, not yet checked. */
    public record Decision(String disposition, String reason, String duplicateOf, Bant bant, String note) {
    }

    /**
     * What the journey does next: on to sales (maybe to another team than the table's), or not, with the outcome the
     * lead's journey reads ({@code nurture}, {@code disqualified}).
     */
    public record Decided(Qualification qualification, boolean toSales, String team, String outcome) {
    }

    private final QualificationRepository repository;
    private final QualificationSettings settings;
    private final Leads leads;
    private final Accounts accounts;
    private final HandoffService handoffs;
    private final EngagementHistory engagement;
    private final DecisionEvaluator decisions;
    private final BusinessCalendar calendar;
    private final Clock clock;
    private final QualificationTasks tasks;
    private final ScoringService scoring;
    private final MeterRegistry registry;

    Qualifications(QualificationRepository repository, QualificationSettings settings, Leads leads, Accounts accounts,
            HandoffService handoffs, EngagementHistory engagement, DecisionEvaluator decisions,
            BusinessCalendar calendar, Clock clock, QualificationTasks tasks, ScoringService scoring,
            MeterRegistry registry) {
        this.tasks = tasks;
        this.scoring = scoring;
        this.registry = registry;
        Gauge.builder("leadflow.qualifications.open", repository, QualificationRepository::countOpen)
                .description("MQLs waiting at the qualification desk").register(registry);
        this.repository = repository;
        this.settings = settings;
        this.leads = leads;
        this.accounts = accounts;
        this.handoffs = handoffs;
        this.engagement = engagement;
        this.decisions = decisions;
        this.calendar = calendar;
        this.clock = clock;
        if (!calendar.exists(settings.calendar())) {
            throw new IllegalStateException("leadflow.qualification.calendar: no calendar '" + settings.calendar()
                    + "'; use one of leadflow.calendars (e.g. paris)");
        }
    }

    /**
     * Routes the MQL by the qualification-route table and records it; at the desk, with its hints and deadline.
     * In the step's transaction: a retried step routes again from scratch.
     */
    @Transactional
    public Routed route(String leadId, String processInstanceId) {
        Lead lead = leads.get(leadId);
        Instant now = clock.instant();
        String team = handoffs.tableTeam(leadId);
        String accountId = accounts.accountOf(leadId).orElse(null);
        boolean mqa = accountId != null && accounts.find(accountId).map(Accounts.Account::mqa).orElse(false);
        List<Opportunity> open = accountId == null ? List.of() : handoffs.openOpportunitiesOfAccount(accountId);
        List<Flag> flags = flags(lead, open);
        Map<String, Object> in = new HashMap<>();
        in.put("grade", lead.grade());
        in.put("team", team);
        in.put("source", lead.source());
        in.put("accountMqa", mqa);
        in.put("openOpportunity", !open.isEmpty());
        in.put("flags", flags.size());
        var evaluation = decisions.evaluate(ModelKeys.DECISION_QUALIFICATION_ROUTE, in);
        Object chosen = evaluation.value("route");
        String route = chosen == null ? null : chosen.toString().trim().toLowerCase(Locale.ROOT);
        if (!"desk".equals(route) && !"direct".equals(route)) {
            throw new IllegalStateException("The qualification-route table gave route '" + chosen + "' for lead "
                    + leadId + ": it must say \"desk\" or \"direct\" (add a catch-all rule)");
        }
        Instant dueAt = null;
        if ("desk".equals(route)) {
            Object within = evaluation.value("decideWithin");
            if (within == null || within.toString().isBlank()) {
                throw new IllegalStateException("The qualification-route table sends lead " + leadId + " to the desk"
                        + " without a 'decideWithin' (e.g. \"PT4H\"): fill it in the rule");
            }
            dueAt = calendar.add(settings.calendar(), now, within.toString().trim());
        }
        String reason = evaluation.matchedRules().isEmpty() ? null : evaluation.matchedRules().get(0).annotation();
        Qualification q = new Qualification(UUID.randomUUID().toString(), leadId, accountId, processInstanceId,
                dueAt == null ? Qualification.DIRECT : Qualification.DESK,
                reason == null ? "qualification-route v" + evaluation.version() : Texts.truncate(reason, 1000),
                lead.grade(), team,
                lead.source(), lead.utmCampaign(), flags,
                dueAt == null ? Qualification.DIRECT : Qualification.OPEN, now, dueAt, null, null, null, null, null,
                null, null, new Bant(null, null, null, null, null), null);
        repository.insert(q);
        log.info("Lead {} routed {} by qualification-route ({}){}", leadId, q.route(), q.routeReason(),
                dueAt == null ? "" : ", the desk decides by " + dueAt + " with " + flags.size() + " hint(s)");
        return new Routed(q.id(), route, dueAt);
    }

    /** The hints for the desk: what the data says about this lead, each with what was seen. */
    List<Flag> flags(Lead lead, List<Opportunity> openOnAccount) {
        List<Flag> flags = new ArrayList<>();
        String domain = Accounts.domainOf(lead.email());
        if (domain != null) {
            settings.competitorDomains().stream()
                    .filter(c -> domain.equals(c) || domain.endsWith("." + c)).findFirst()
                    .ifPresent(c -> flags.add(new Flag("COMPETITOR", "address at " + c + ", a competitor's domain")));
        }
        List<String> careers = engagement.urlsContaining(lead.id(), settings.careersPaths(), 3);
        if (!careers.isEmpty()) {
            flags.add(new Flag("CAREERS_PAGES", "visited " + String.join(", ", careers)));
        }
        if (lead.email() != null && accounts.isFreeMail(lead.email())) {
            flags.add(new Flag("FREE_MAIL", "a personal mailbox at " + domain));
        }
        if (!openOnAccount.isEmpty()) {
            flags.add(new Flag("OPEN_OPPORTUNITY", openOnAccount.size() + " open on the account: "
                    + String.join(", ", openOnAccount.stream().map(Opportunity::id).limit(3).toList())));
        }
        List<Lead> same = leads.sameNameAndCompany(lead, 3);
        if (!same.isEmpty()) {
            flags.add(new Flag("POSSIBLE_DUPLICATE", "same name and company as lead "
                    + String.join(", ", same.stream().map(Lead::id).toList())));
        }
        return flags;
    }

    /**
     * The desk's decision from the API: recorded, then the desk task completed in the same transaction, so the journey
     * moves on at once (to sales, to nurture, or to its end). A busy journey is tried again.
     */
    @Transactional
    @RetryOnConflict
    public Qualification decideAtDesk(String id, Decision decision, String by) {
        Decided decided = decide(id, decision, by);
        String processInstanceId = decided.qualification().processInstanceId();
        if (processInstanceId == null || !tasks.complete(processInstanceId, Map.of("decidedBy", by))) {
            throw new ConflictException("The qualification " + id + " has no desk task waiting (its journey ended or"
                    + " moved on): nothing to decide");
        }
        return decided.qualification();
    }

    /**
     * What the journey does after a decision already recorded: on to sales, to which team, or the lead's outcome.
     */
    public Decided outcomeOf(String id) {
        Qualification q = get(id);
        if (!Qualification.DONE.equals(q.status())) {
            throw new IllegalStateException("The qualification " + id + " is not decided");
        }
        boolean toSales = PROSPECT.equals(q.disposition()) || q.routedTeam() != null;
        String outcome = toSales ? null : NURTURE.equals(q.disposition()) ? "nurture" : "disqualified";
        return new Decided(q, toSales, q.routedTeam(), outcome);
    }

    /**
     * Records the desk's decision and its consequences for the lead: nurture recycles it, a disqualification ends its
     * way to sales (a partner request goes to the partner team when there is one).
     */
    @Transactional
    public Decided decide(String id, Decision decision, String by) {
        // the lead first, then the row, as an erasure does: two such transactions never wait on each other in a circle
        leads.lock(get(id).leadId());
        Qualification q = repository.lock(id).orElseThrow(() -> new NotFoundException("No qualification " + id));
        requireOpen(q);
        Decision d = validate(q, decision);
        Instant now = clock.instant();
        boolean toSales = PROSPECT.equals(d.disposition());
        String team = null;
        String outcome = null;
        if (NURTURE.equals(d.disposition())) {
            leads.recycle(q.leadId(), now);
            outcome = "nurture";
        } else if (DISQUALIFIED.equals(d.disposition())) {
            if ("PARTNER".equals(d.reason()) && handoffs.isTeam(settings.partnerTeam())) {
                toSales = true;
                team = settings.partnerTeam();
            } else {
                leads.disqualify(q.leadId(), now);
                outcome = "disqualified";
                if ("DUPLICATE".equals(d.reason())) {
                    scoring.moveEvents(q.leadId(), d.duplicateOf());
                }
            }
        }
        if (!repository.decide(id, now, by, d.disposition(), d.reason(), d.duplicateOf(), team, d.bant(), d.note())) {
            throw new ConflictException("The qualification " + id + " was decided meanwhile");
        }
        afterCommit(() -> registry.counter("leadflow.qualifications.decided", "disposition", d.disposition())
                .increment());
        log.info("Desk decided lead {}: {}{}{}", q.leadId(), d.disposition(), d.reason() == null ? "" : " (" + d.reason()
                + ")", team == null ? "" : ", to team " + team);
        return new Decided(repository.find(id).orElseThrow(), toSales, team, outcome);
    }

    private static void requireOpen(Qualification q) {
        if (!Qualification.OPEN.equals(q.status())) {
            throw new ConflictException("The qualification " + q.id() + " is " + q.status().toLowerCase(Locale.ROOT)
                    + (q.decidedBy() == null ? "" : " (" + q.disposition() + " by " + q.decidedBy() + ")")
                    + ": nothing to decide");
        }
    }

    /** The decision with its texts trimmed and its codes upper case; every problem at once. */
    private Decision validate(Qualification q, Decision in) {
        List<FieldError> errors = new ArrayList<>();
        String disposition = code(in.disposition());
        String reason = code(in.reason());
        Bant bant = in.bant() == null ? new Bant(null, null, null, null, null) : in.bant();
        if (disposition == null) {
            errors.add(new FieldError("disposition", "is required: one of " + DISPOSITIONS));
        } else if (!DISPOSITIONS.contains(disposition)) {
            errors.add(new FieldError("disposition", "must be one of " + DISPOSITIONS));
        } else if (PROSPECT.equals(disposition)) {
            if (reason != null) {
                errors.add(new FieldError("reason", "is for NURTURE and DISQUALIFIED only; leave it empty"));
            }
        } else {
            List<String> allowed = NURTURE.equals(disposition) ? NURTURE_REASONS : DISQUALIFY_REASONS;
            if (reason == null || !allowed.contains(reason)) {
                errors.add(new FieldError("reason", (reason == null ? "is required" : "'" + in.reason()
                        + "' is not a reason") + " for " + disposition + ": one of " + allowed));
            }
        }
        String duplicateOf = blank(in.duplicateOf()) ? null : in.duplicateOf().trim();
        if ("DUPLICATE".equals(reason) && DISQUALIFIED.equals(disposition)) {
            if (duplicateOf == null) {
                errors.add(new FieldError("duplicateOf", "is required for DUPLICATE: the id of the lead to keep"));
            } else if (duplicateOf.equals(q.leadId())) {
                errors.add(new FieldError("duplicateOf", "is this lead itself: give the id of the lead to keep"));
            } else {
                Lead kept = leads.find(duplicateOf).filter(l -> !l.erased()).orElse(null);
                if (kept == null) {
                    errors.add(new FieldError("duplicateOf", "no lead " + duplicateOf));
                } else if (kept.stage() == Lead.Stage.DISQUALIFIED) {
                    errors.add(new FieldError("duplicateOf", "lead " + duplicateOf + " is disqualified: keep a lead"
                            + " sales may still get, or disqualify this one for another reason"));
                }
            }
        } else if (duplicateOf != null) {
            errors.add(new FieldError("duplicateOf", "is for DISQUALIFIED with reason DUPLICATE only"));
        }
        String budget = oneOf("bant.budget", bant.budget(), BUDGETS, errors);
        String authority = oneOf("bant.authority", bant.authority(), AUTHORITIES, errors);
        String timeline = oneOf("bant.timeline", bant.timeline(), TIMELINES, errors);
        String budgetRange = text("bant.budgetRange", bant.budgetRange(), 100, errors);
        String need = text("bant.need", bant.need(), 500, errors);
        String note = text("note", in.note(), 2000, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new Decision(disposition, reason, duplicateOf, new Bant(budget, budgetRange, authority, need, timeline),
                note);
    }

    private static String oneOf(String field, String value, List<String> allowed, List<FieldError> errors) {
        String code = code(value);
        if (code != null && !allowed.contains(code)) {
            errors.add(new FieldError(field, "must be one of " + allowed));
        }
        return code;
    }

    private static String text(String field, String value, int max, List<FieldError> errors) {
        if (blank(value)) {
            return null;
        }
        String t = value.trim();
        if (t.length() > max) {
            errors.add(new FieldError(field, "is longer than " + max + " characters"));
        }
        return t;
    }

    private static String code(String value) {
        return blank(value) ? null : value.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The desk's deadline passed with the lead still waiting. */
    @Transactional
    public boolean markBreached(String id) {
        boolean marked = repository.markBreached(id, clock.instant());
        if (marked) {
            afterCommit(() -> registry.counter("leadflow.qualifications.late").increment());
            log.warn("Qualification {} is past the desk's deadline", id);
        }
        return marked;
    }

    public Qualification get(String id) {
        return repository.find(id).orElseThrow(() -> new NotFoundException("No qualification " + id));
    }

    public List<Qualification> list(String status, int limit) {
        return repository.list(status, limit);
    }

    /** The lead's passages, oldest first. */
    public List<Qualification> ofLead(String leadId) {
        return repository.ofLead(leadId);
    }

    /** Routed in [from, to): the reports' rows. */
    public List<Qualification> routedBetween(Instant from, Instant to) {
        return repository.createdBetween(from, to);
    }

    /**
     * The desk's facts for the CRM push ({@code budget}, {@code budgetRange}, {@code authority}, {@code need},
     * {@code timeline}, {@code deskNote}): those of the lead's latest decided qualification, empty when it has none.
     */
    public Map<String, Object> crmFields(String leadId) {
        Map<String, Object> fields = new LinkedHashMap<>();
        // the latest passage's only: older answers (a nurture months ago) would reach the CRM as if current
        Optional<Qualification> latest = repository.ofLead(leadId).stream().reduce((a, b) -> b)
                .filter(q -> Qualification.DONE.equals(q.status()));
        latest.ifPresent(q -> {
            put(fields, "budget", q.bant().budget());
            put(fields, "budgetRange", q.bant().budgetRange());
            put(fields, "authority", q.bant().authority());
            put(fields, "need", q.bant().need());
            put(fields, "timeline", q.bant().timeline());
            put(fields, "deskNote", q.note());
        });
        return fields;
    }

    /** The fields {@link #crmFields} may give. */
    public static final Set<String> CRM_FIELDS = Set.of("budget", "budgetRange", "authority", "need", "timeline",
            "deskNote");

    private static void put(Map<String, Object> fields, String key, String value) {
        if (value != null) {
            fields.put(key, value);
        }
    }

    /** Counts once the decision is kept: a retried or refused attempt counts nothing. */
    private static void afterCommit(Runnable count) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    count.run();
                }
            });
        } else {
            count.run();
        }
    }

    /** In the erasing transaction: the person's words go; an open desk task's row is cancelled. */
    @EventListener
    void forget(LeadErased erased) {
        repository.forget(erased.leadId());
    }
}
