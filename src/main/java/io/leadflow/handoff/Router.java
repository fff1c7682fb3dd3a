package io.leadflow.handoff;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import io.leadflow.account.Accounts;

/**
 * Picks the rep who gets a handoff, and says why. The {@code lead-assignment} table gives the team, maybe a named
 * owner, a rule ({@link RoutingRule}) and a fallback team; then:
 * <ol>
 * <li>a named owner takes it unless away;</li>
 * <li>with {@code sticky}, the owner of the lead's account takes it unless away (capacity and working hours do not
 * part an account from its owner), in a team of theirs;</li>
 * <li>else the team's reps in turn (round robin, or by weight), passing by those away, outside their working hours
 * at the instant the SLA clock starts, or at their capacity of open handoffs;</li>
 * <li>nobody there: the fallback team the same way; nobody there either: no owner, and the lead waits in the team's
 * queue (Tasklist, {@code /sla}).</li>
 * </ol>
 * Reassignment by the SLA ladder walks steps 3 and 4 again without the current owner. The team's cursor row is locked
 * while a team's reps are looked at, so two nodes routing into one team at once see each other's loads.
 */
@Component
class Router {

    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private static final int REASON_LENGTH = 400;

    private final SalesDirectory sales;
    private final HandoffRepository handoffs;
    private final BusinessCalendar calendar;
    private final Accounts accounts;

    Router(SalesDirectory sales, HandoffRepository handoffs, BusinessCalendar calendar, Accounts accounts) {
        this.sales = sales;
        this.handoffs = handoffs;
        this.calendar = calendar;
        this.accounts = accounts;
    }

    /** What the table said for one lead. */
    record Ask(String team, String named, RoutingRule rule, String fallbackTeam) {
    }

    Routing assign(String leadId, Ask ask, Instant now) {
        List<Routing.Candidate> seen = new ArrayList<>();
        Instant clockStart = clockStart(ask.team(), now);
        if (present(ask.named())) {
            if (!sales.away(ask.named())) {
                seen.add(candidate(ask.named(), ask.team(), true, "named by the lead-assignment table"));
                return routing(Routing.ASSIGN, "named", ask, ask.team(), false, ask.named(),
                        ask.named() + ": named by the lead-assignment table", clockStart, seen);
            }
            seen.add(candidate(ask.named(), ask.team(), false, "named by the lead-assignment table, but away"));
        }
        if (ask.rule().sticky()) {
            Optional<Accounts.Ownership> ownership = accounts.ownerOfLead(leadId);
            if (ownership.isPresent()) {
                Accounts.Ownership o = ownership.get();
                String ownerTeam = teamOf(o.owner(), ask.team());
                if (ownerTeam == null) {
                    seen.add(candidate(o.owner(), null, false, "owns account " + o.domain()
                            + ", but is no sales rep of any team now"));
                } else if (sales.away(o.owner())) {
                    seen.add(candidate(o.owner(), ownerTeam, false, "owns account " + o.domain() + ", but away"));
                } else {
                    seen.add(candidate(o.owner(), ownerTeam, true, "owns account " + o.domain()));
                    return routing(Routing.ASSIGN, ask.rule().text(), ask, ownerTeam, false, o.owner(),
                            o.owner() + " owns account " + o.domain() + " (sticky)", clockStart(ownerTeam, now), seen);
                }
            }
        }
        return inTeams(Routing.ASSIGN, ask, null, now, clockStart, seen);
    }

    /**
     * The SLA ladder's reassignment: the rule recorded at assignment, in the handoff's team without the current owner;
     * then in the other team of the assignment (the fallback team, or the table's team when the fallback took it).
     */
    Routing reassign(Handoff h, Optional<Routing> assigned, Instant now) {
        RoutingRule rule = assigned.map(r -> r.rule().equals("named") ? RoutingRule.DEFAULT
                : RoutingRule.parse(r.rule())).orElse(RoutingRule.DEFAULT);
        String otherTeam = assigned.map(r -> r.fallbackUsed() ? r.tableTeam() : r.fallbackTeam()).orElse(null);
        Ask ask = new Ask(h.team(), null, rule, otherTeam);
        List<Routing.Candidate> seen = new ArrayList<>();
        return inTeams(Routing.REASSIGN, ask, h.owner(), now, clockStart(h.team(), now), seen);
    }

    private Routing inTeams(String step, Ask ask, String notThisOne, Instant now, Instant clockStart,
            List<Routing.Candidate> seen) {
        String rule = ask.rule().text();
        Pick pick = inTeam(ask.team(), ask.rule().mode(), notThisOne, clockStart, seen);
        if (pick.owner() != null) {
            return routing(step, rule, ask, ask.team(), false, pick.owner(), pick.reason(), clockStart, seen);
        }
        String fallback = ask.fallbackTeam();
        if (present(fallback) && !fallback.equals(ask.team()) && sales.teams().contains(fallback)) {
            Instant fallbackStart = clockStart(fallback, now);
            Pick other = inTeam(fallback, ask.rule().mode(), notThisOne, fallbackStart, seen);
            if (other.owner() != null) {
                return routing(step, rule, ask, fallback, true, other.owner(), "nobody of team " + ask.team()
                        + " could take it (" + pick.reason() + "): fallback team " + fallback + ", " + other.reason(),
                        fallbackStart, seen);
            }
            return routing(step, rule, ask, ask.team(), false, null, "nobody of team " + ask.team()
                    + " nor of fallback team " + fallback + " could take it: it waits in the team's queue", clockStart,
                    seen);
        }
        return routing(step, rule, ask, ask.team(), false, null,
                "nobody of team " + ask.team() + " could take it (" + pick.reason() + "): it waits in the team's queue",
                clockStart, seen);
    }

    private record Pick(String owner, String reason) {
    }

    /** The team's reps in turn, passing by those who cannot take a lead now; the reasons go into {@code seen}. */
    private Pick inTeam(String team, RoutingRule.Mode mode, String notThisOne, Instant clockStart,
            List<Routing.Candidate> seen) {
        List<String> reps = sales.reps(team);
        if (reps.isEmpty()) {
            log.warn("Team {} has no reps (members of its Camunda group who are also in {}): the handoff waits in "
                    + "the team's queue unless a fallback team takes it", team, SalesDirectory.REP_ROLE);
            return new Pick(null, "it has no reps");
        }
        // the cursor row first: it is locked until this transaction ends, so the loads read next are the latest
        int first = handoffs.nextIndex(team);
        List<Routing.Candidate> candidates = assess(team, reps, notThisOne, clockStart);
        List<Integer> weights = candidates.stream().map(Routing.Candidate::weight).toList();
        if (candidates.stream().noneMatch(Routing.Candidate::available)) {
            seen.addAll(candidates);
            log.warn("Nobody of team {} can take a lead now (away, outside working hours or at capacity)", team);
            return new Pick(null, "all away, outside working hours or at capacity");
        }
        List<String> turns = RoutingRule.turns(mode, reps, weights);
        int index = first;
        for (int tries = 0; tries < turns.size(); tries++) {
            String rep = turns.get(Math.floorMod(index, turns.size()));
            Routing.Candidate c = candidates.get(reps.indexOf(rep));
            if (c.available()) {
                String how = mode == RoutingRule.Mode.WEIGHTED
                        ? "next in the team's turn by weight (" + c.weight() + " of "
                                + weights.stream().mapToInt(Integer::intValue).sum() + ")"
                        : "next in the team's turn";
                for (Routing.Candidate other : candidates) {
                    seen.add(other.user().equals(rep) ? new Routing.Candidate(rep, team, c.openHandoffs(),
                            c.capacity(), c.weight(), true, how) : other);
                }
                List<String> passed = candidates.stream().filter(o -> !o.available())
                        .map(o -> o.user() + " " + o.note()).toList();
                return new Pick(rep, rep + " of team " + team + ": " + how + ", with " + c.openHandoffs()
                        + " open" + (passed.isEmpty() ? "" : "; passed by " + String.join(", ", passed)));
            }
            index = handoffs.nextIndex(team);
        }
        throw new IllegalStateException("A rep of team " + team + " is available but not in the turns: " + turns);
    }

    /**
     * The team's reps as the next routing into the team would judge them now, without taking a turn: what
     * {@code /sla} shows, so that the page and the routing never disagree.
     */
    List<Routing.Candidate> candidatesNow(String team, Instant now) {
        return assess(team, sales.reps(team), null, clockStart(team, now));
    }

    /** Each rep, available or not and why, for a handoff whose SLA clock starts at {@code clockStart}. */
    private List<Routing.Candidate> assess(String team, List<String> reps, String notThisOne, Instant clockStart) {
        Map<String, Integer> open = handoffs.openPerOwner(reps);
        List<Routing.Candidate> candidates = new ArrayList<>();
        for (String rep : reps) {
            SalesDirectory.RepRouting r = sales.routing(rep);
            int load = open.getOrDefault(rep, 0);
            String why = rep.equals(notThisOne) ? "the owner it is taken from"
                    : sales.away(rep) ? "away"
                    : outsideHours(r, clockStart) ? "outside working hours (calendar " + r.calendar() + ")"
                    : r.capacity() != null && load >= r.capacity() ? "at capacity (" + load + " of " + r.capacity()
                            + " open)"
                    : null;
            candidates.add(new Routing.Candidate(rep, team, load, r.capacity(), Math.max(1, r.weight()), why == null,
                    why));
        }
        return candidates;
    }

    private boolean outsideHours(SalesDirectory.RepRouting r, Instant clockStart) {
        return r.calendar() != null && calendar.exists(r.calendar()) && !calendar.isWorkingAt(r.calendar(), clockStart);
    }

    /** The table's team when the user is one of its reps, else the first team they are a rep of, else null. */
    private String teamOf(String user, String preferred) {
        if (sales.reps(preferred).contains(user)) {
            return preferred;
        }
        return sales.teams().stream().filter(t -> sales.reps(t).contains(user)).findFirst().orElse(null);
    }

    private Instant clockStart(String team, Instant now) {
        String teamCalendar = sales.calendar(team);
        return teamCalendar == null ? now : calendar.add(teamCalendar, now, "PT0S");
    }

    private Routing.Candidate candidate(String user, String team, boolean available, String note) {
        SalesDirectory.RepRouting r = sales.routing(user);
        int load = handoffs.openPerOwner(List.of(user)).getOrDefault(user, 0);
        return new Routing.Candidate(user, team, load, r.capacity(), Math.max(1, r.weight()), available, note);
    }

    private static Routing routing(String step, String rule, Ask ask, String team, boolean fallbackUsed, String owner,
            String reason, Instant clockStart, List<Routing.Candidate> seen) {
        String shortReason = reason.length() <= REASON_LENGTH ? reason : reason.substring(0, REASON_LENGTH - 1) + "…";
        return new Routing(step, null, rule, ask.team(), team, ask.fallbackTeam(), fallbackUsed, owner, shortReason,
                clockStart,
                List.copyOf(seen));
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }
}
