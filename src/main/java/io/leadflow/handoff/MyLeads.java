package io.leadflow.handoff;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;

import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadView;
import io.leadflow.lead.Leads;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.DecisionEvaluator;
import io.leadflow.scoring.ScoringService;

/**
 * "My leads": the open handoffs of a sales rep with what they need to answer each without Tasklist: the lead's key
 * facts, why the scoring made it an MQL, and the working time left. The SLA is counted in the team's business hours,
 * so the wall-clock time to the due date overstates what is left over a night or a weekend; the working time is
 * what a rep plans with. One source for {@code GET /api/handoffs/mine} and the page {@code /my-leads}, so that the
 * two cannot disagree.
 */
@Component
class MyLeads {

    private static final Logger log = LoggerFactory.getLogger(MyLeads.class);

    /** The lead as a rep sees it on a handoff: who, where, how good. All null but the id once the lead is erased. */
    record LeadFacts(String id, String name, String email, String company, String jobTitle, String country,
            String grade, LeadView.Score score) {
    }

    /**
     * One open handoff of the caller.
     *
     * @param whyMql              the {@code mql-decision}'s reason, then the annotations of the rules that matched
     *                            (MQL decision, fit) but those that added nothing, as the score explains it now
     *                            ({@code GET /api/leads/{id}/score}); empty for an erased lead
     * @param businessSecondsLeft working time from now to {@code dueAt} on the team's calendar; negative, by the
     *                            working time since, once past
     * @param businessTimeLeft    the same in words, e.g. "3 h 20 min of working time"
     * @param calendar            the team's business calendar
     * @param taskId              the Camunda task waiting for the decision (a link into Tasklist); null while there
     *                            is none, when an action answers 409 "try again shortly"
     */
    record MyLead(HandoffController.HandoffView handoff, LeadFacts lead, List<String> whyMql,
            long businessSecondsLeft, String businessTimeLeft, String calendar, String taskId) {
    }

    /** A team the caller may filter on, and whether they are its manager. */
    record TeamChoice(String team, boolean managed) {
    }

    private final HandoffService handoffs;
    private final HandoffTasks tasks;
    private final Leads leads;
    private final ScoringService scoring;
    private final SalesDirectory directory;
    private final BusinessCalendar calendar;
    private final Clock clock;

    MyLeads(HandoffService handoffs, HandoffTasks tasks, Leads leads, ScoringService scoring,
            SalesDirectory directory, BusinessCalendar calendar, Clock clock) {
        this.handoffs = handoffs;
        this.tasks = tasks;
        this.leads = leads;
        this.scoring = scoring;
        this.directory = directory;
        this.calendar = calendar;
        this.clock = clock;
    }

    /**
     * The open handoffs ({@code OPEN}, {@code ACCEPTED}, {@code CRM_FAILED}) the user may answer, soonest due first:
     * a rep's own, every team's for a manager or an administrator ({@link SalesRoles#mayAnswer}).
     *
     * @param team only this team's; null or blank for all
     * @throws InvalidInputException when {@code team} is no sales team
     */
    List<MyLead> of(Authentication user, String team) {
        String only = team == null || team.isBlank() ? null : team.trim();
        if (only != null && !directory.teams().contains(only)) {
            throw InvalidInputException.of("team", "no sales team '" + only + "'; the teams are "
                    + directory.teams());
        }
        Instant now = clock.instant();
        Map<String, String> calendars = new HashMap<>();
        return handoffs.list("open").stream()
                .filter(h -> SalesRoles.mayAnswer(h, user))
                .filter(h -> only == null || only.equals(h.team()))
                .sorted(Comparator.comparing(Handoff::dueAt))
                .map(h -> row(h, calendars.computeIfAbsent(h.team(), directory::calendar), now))
                .toList();
    }

    /** The teams a manager or an administrator may filter on, by id; none for a rep, who sees only their own. */
    List<TeamChoice> teamsToFilter(Authentication user) {
        if (!SalesRoles.managesEveryone(user)) {
            return List.of();
        }
        return directory.teams().stream()
                .map(t -> new TeamChoice(t, directory.manager(t).map(user.getName()::equals).orElse(false)))
                .toList();
    }

    private MyLead row(Handoff h, String teamCalendar, Instant now) {
        Lead lead = leads.find(h.leadId()).orElse(null);
        Duration left = calendar.workingTime(teamCalendar, now, h.dueAt());
        return new MyLead(HandoffController.HandoffView.of(h, now, null), facts(h.leadId(), lead), whyMql(lead),
                left.toSeconds(), inWords(left), teamCalendar, tasks.taskId(h.id()).orElse(null));
    }

    private static LeadFacts facts(String leadId, Lead lead) {
        if (lead == null || lead.erased()) {
            return new LeadFacts(leadId, null, null, null, null, null, null, null);
        }
        return new LeadFacts(lead.id(), LeadView.nameOf(lead), lead.email(), lead.company(),
                lead.jobTitle(), lead.country(), lead.grade(), LeadView.scoreOf(lead));
    }

    /**
     * Why the lead is an MQL, in the words marketers wrote on their tables. A row whose score cannot be explained
     * (a table undeployed under it) still shows, without the reasons: the rep can answer the handoff all the same.
     */
    private List<String> whyMql(Lead lead) {
        if (lead == null || lead.erased()) {
            return List.of();
        }
        try {
            ScoringService.Explanation e = scoring.explain(lead.id());
            List<String> why = new ArrayList<>();
            if (!e.mql()) {
                // engagement fades with time: the reasons below are those of the score now, no longer an MQL's
                add(why, "No longer above the MQL thresholds: engagement fades over time, and these are the reasons "
                        + "of the score now");
            }
            add(why, e.reason());
            // the MQL decision's own rules first, then what made the fit
            e.decisions().stream()
                    .sorted(Comparator.comparing(
                            (DecisionEvaluator.Evaluation d) -> !ModelKeys.DECISION_MQL.equals(d.decisionKey())))
                    .flatMap(d -> d.matchedRules().stream())
                    .filter(r -> !gaveNothing(r))
                    .forEach(r -> add(why, r.annotation()));
            return why;
        } catch (RuntimeException ex) {
            log.warn("The score of lead {} could not be explained for /my-leads: {}", lead.id(), ex.toString());
            return List.of();
        }
    }

    /**
     * A rule that matched but added nothing (the fit table's baseline of 0 points): not a reason, and a rep reading
     * "every lead starts at 0" learns nothing about this one.
     */
    static boolean gaveNothing(DecisionEvaluator.MatchedRule rule) {
        return !rule.outputs().isEmpty() && rule.outputs().values().stream()
                .allMatch(v -> v instanceof Number n && n.doubleValue() == 0);
    }

    private static void add(List<String> why, String line) {
        if (line != null && !line.isBlank() && !why.contains(line.trim())) {
            why.add(line.trim());
        }
    }

    /**
     * Working time in words, to the minute below (a rep is never told they have more time than they do):
     * "3 h 20 min of working time", "overdue by 45 min of working time".
     */
    static String inWords(Duration left) {
        long s = left.toSeconds();
        if (s >= 60) {
            return hoursAndMinutes(s) + " of working time";
        }
        if (s > 0) {
            return "less than 1 min of working time";
        }
        if (s > -60) {
            return "due now";
        }
        return "overdue by " + hoursAndMinutes(-s) + " of working time";
    }

    private static String hoursAndMinutes(long seconds) {
        long h = seconds / 3600;
        long m = seconds % 3600 / 60;
        return h == 0 ? m + " min" : m == 0 ? h + " h" : String.format(Locale.ROOT, "%d h %d min", h, m);
    }
}
