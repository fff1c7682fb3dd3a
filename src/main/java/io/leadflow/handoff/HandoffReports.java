package io.leadflow.handoff;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.stereotype.Service;

import io.leadflow.platform.ReportPeriod;

/**
 * The numbers of the monthly marketing–sales meeting: per team and owner, how many MQLs sales received, how fast
 * they answered, how many within the SLA, and why they rejected.
 */
@Service
public class HandoffReports {

    /**
     * One team and owner (owner null: the team's total; team null: everyone).
     *
     * @param medianMinutesToAccept  wall-clock minutes from the handoff to sales' first answer (accept, qualify or
     *                               reject), median; null without answers
     * @param slaCompliancePercent   answered by the due date, out of those answered or past due; null when none is
     * @param breached               not answered by the due date (answered late or still waiting)
     * @param touched                handoffs whose lead sales called, emailed or met (the CRM's first logged activity)
     * @param medianBusinessMinutesToFirstTouch working minutes on the team's calendar from the handoff to that first
     *                               touch, median; null without touches
     * @param opportunities          opportunities the CRM reported for these handoffs (created, won or lost)
     * @param won                    of those, won
     * @param pipeline               the amount of all of them, per currency ({@code unknown} when the CRM gave none)
     * @param wonRevenue             the amount of those won, per currency
     */
    public record Row(String team, String owner, int handoffs, int accepted, int qualified, int rejected,
            int waiting, int breached, Double medianMinutesToAccept, Double slaCompliancePercent,
            Map<String, Integer> rejectionReasons, int touched, Double medianBusinessMinutesToFirstTouch,
            int opportunities, int won, Map<String, BigDecimal> pipeline, Map<String, BigDecimal> wonRevenue) {
    }

    /** What happened after the handoffs: their opportunities, and the working time to a first touch. */
    interface AfterHandoff {

        AfterHandoff NONE = new AfterHandoff() {
            @Override
            public List<Opportunity> opportunities(Handoff h) {
                return List.of();
            }

            @Override
            public Duration toFirstTouch(Handoff h) {
                return null;
            }
        };

        List<Opportunity> opportunities(Handoff h);

        /** Working time from the handoff to its first touch on the team's calendar; null before one. */
        Duration toFirstTouch(Handoff h);
    }

    public record Report(Instant from, Instant to, List<Row> rows, Row total) {
    }

    private final HandoffRepository handoffs;
    private final Clock clock;
    private final BusinessCalendar calendar;
    private final SalesDirectory sales;

    HandoffReports(HandoffRepository handoffs, Clock clock, BusinessCalendar calendar, SalesDirectory sales) {
        this.handoffs = handoffs;
        this.clock = clock;
        this.calendar = calendar;
        this.sales = sales;
    }

    /**
     * @param from first day (ISO date, or instant), inclusive; default 30 days before {@code to}
     * @param to   last day (ISO date, inclusive) or instant (exclusive); default now
     */
    public Report report(String from, String to) {
        ReportPeriod period = ReportPeriod.of(from, to, clock.instant());
        Instant start = period.start();
        Instant end = period.end();
        Instant now = clock.instant();
        Map<String, List<Handoff>> byOwner = new TreeMap<>();
        Map<String, List<Handoff>> byTeam = new TreeMap<>();
        List<Handoff> all = handoffs.createdBetween(start, end);
        Map<String, List<Opportunity>> opportunities = new HashMap<>();
        handoffs.opportunitiesOfHandoffs(all.stream().map(Handoff::id).toList())
                .forEach(o -> opportunities.computeIfAbsent(o.handoffId(), k -> new ArrayList<>()).add(o));
        Map<String, String> calendars = new HashMap<>();
        AfterHandoff after = new AfterHandoff() {
            @Override
            public List<Opportunity> opportunities(Handoff h) {
                return opportunities.getOrDefault(h.id(), List.of());
            }

            @Override
            public Duration toFirstTouch(Handoff h) {
                if (h.firstTouch() == null) {
                    return null;
                }
                String cal = calendars.computeIfAbsent(h.team(), sales::calendar);
                return cal == null ? Duration.between(h.createdAt(), h.firstTouch().at())
                        : calendar.workingTime(cal, h.createdAt(), h.firstTouch().at());
            }
        };
        for (Handoff h : all) {
            byTeam.computeIfAbsent(h.team(), k -> new ArrayList<>()).add(h);
            byOwner.computeIfAbsent(h.team() + "\n" + (h.owner() == null ? "" : h.owner()), k -> new ArrayList<>())
                    .add(h);
        }
        List<Row> rows = new ArrayList<>();
        byTeam.forEach((team, list) -> {
            rows.add(row(team, null, list, now, after));
            byOwner.forEach((key, owned) -> {
                String[] parts = key.split("\n", -1);
                if (parts[0].equals(team)) {
                    rows.add(row(team, parts[1].isEmpty() ? "(unassigned)" : parts[1], owned, now, after));
                }
            });
        });
        return new Report(start, end, rows, row(null, null, all, now, after));
    }

    static Row row(String team, String owner, List<Handoff> list, Instant now) {
        return row(team, owner, list, now, AfterHandoff.NONE);
    }

    static Row row(String team, String owner, List<Handoff> list, Instant now, AfterHandoff after) {
        int accepted = 0, qualified = 0, rejected = 0, waiting = 0, breached = 0, inTime = 0, decided = 0;
        int opportunities = 0, won = 0;
        List<Long> minutes = new ArrayList<>();
        List<Long> toTouch = new ArrayList<>();
        Map<String, Integer> reasons = new TreeMap<>();
        Revenue revenue = new Revenue();
        for (Handoff h : list) {
            Duration touch = after.toFirstTouch(h);
            if (touch != null) {
                toTouch.add(touch.toMinutes());
            }
            for (Opportunity o : after.opportunities(h)) {
                opportunities++;
                revenue.add(o.amount(), o.currency(), o.status());
                if (Opportunity.WON.equals(o.status())) {
                    won++;
                }
            }
            Instant answered = h.acceptedAt() != null ? h.acceptedAt() : h.closedAt();
            switch (h.status()) {
                case ACCEPTED -> accepted++;
                case QUALIFIED -> qualified++;
                case REJECTED -> {
                    rejected++;
                    reasons.merge(h.rejectReason() == null ? "UNKNOWN" : h.rejectReason(), 1, Integer::sum);
                }
                default -> waiting++;
            }
            if (answered != null) {
                minutes.add(Duration.between(h.createdAt(), answered).toMinutes());
                decided++;
                if (!answered.isAfter(h.dueAt())) {
                    inTime++;
                } else {
                    breached++;
                }
            } else if (h.dueAt().isBefore(now)) {
                decided++;
                breached++;
            }
        }
        return new Row(team, owner, list.size(), accepted, qualified, rejected, waiting, breached, median(minutes),
                decided == 0 ? null : Math.round(1000.0 * inTime / decided) / 10.0, reasons, toTouch.size(),
                median(toTouch), opportunities, won, revenue.pipeline(), revenue.won());
    }

    /** The median of the values; null when there are none. */
    public static Double median(List<Long> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted(Comparator.naturalOrder()).toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2).doubleValue() : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    /** Open handoffs grouped by team, then owner, soonest due first: the /sla page. */
    public Map<String, Map<String, List<Handoff>>> openByTeamAndOwner(List<Handoff> open) {
        Map<String, Map<String, List<Handoff>>> grouped = new TreeMap<>();
        for (Handoff h : open) {
            grouped.computeIfAbsent(h.team(), k -> new TreeMap<>())
                    .computeIfAbsent(h.owner() == null ? "(unassigned)" : h.owner(), k -> new ArrayList<>()).add(h);
        }
        grouped.values().forEach(owners -> owners.values().forEach(l -> l.sort(Comparator.comparing(Handoff::dueAt))));
        return grouped;
    }
}
