package io.leadflow.qualification;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import org.springframework.stereotype.Service;

import io.leadflow.handoff.BusinessCalendar;
import io.leadflow.handoff.Handoff;
import io.leadflow.handoff.HandoffReports;
import io.leadflow.handoff.HandoffService;
import io.leadflow.platform.ReportPeriod;

/**
 * The desk's figures over a period, for the monthly marketing–sales meeting: what it received and decided, how fast
 * in working time, its dispositions by source and campaign (which campaigns bring job seekers), and how often sales
 * accepts the leads it approved, beside the leads that went straight to sales (docs/api.md §14).
 */
@Service
public class DeskReports {

    /** Dispositions and reasons of the decided qualifications of one source or campaign. */
    public record Group(String key, int atDesk, int decided, int prospect, int nurture, int disqualified,
            Map<String, Integer> reasons) {
    }

    /**
     * What sales made of the leads of one route: handoffs answered (accepted, qualified or rejected), and of those
     * the share sales took (accepted or qualified).
     *
     * @param waiting handoffs still without sales' answer
     */
    public record SalesAnswer(int handedOver, int accepted, int rejected, int waiting, Double acceptedPercent) {
    }

    /**
     * @param routed      MQLs routed in the period, by either route
     * @param straightToSales of those, sent straight to sales
     * @param atDesk      of those, sent to the desk
     * @param open        still waiting at the desk
     * @param late        decided after the deadline, or still waiting past it
     * @param medianBusinessMinutesToDecide working minutes on the desk's calendar from arrival to decision, median
     * @param deskApproved what sales made of the desk's prospects
     * @param direct      what sales made of the leads that went straight to it
     */
    public record Report(Instant from, Instant to, int routed, int straightToSales, int atDesk, int decided, int open,
            int late, Double medianBusinessMinutesToDecide, Map<String, Integer> dispositions,
            Map<String, Integer> reasons, List<Group> bySource, List<Group> byCampaign, SalesAnswer deskApproved,
            SalesAnswer direct) {
    }

    private final Qualifications qualifications;
    private final QualificationSettings settings;
    private final HandoffService handoffs;
    private final BusinessCalendar calendar;
    private final Clock clock;

    DeskReports(Qualifications qualifications, QualificationSettings settings, HandoffService handoffs,
            BusinessCalendar calendar, Clock clock) {
        this.qualifications = qualifications;
        this.settings = settings;
        this.handoffs = handoffs;
        this.calendar = calendar;
        this.clock = clock;
    }

    /** Qualifications routed in the period ({@link ReportPeriod}: {@code from}, {@code to}). */
    public Report report(String from, String to) {
        Instant now = clock.instant();
        ReportPeriod period = ReportPeriod.of(from, to, now);
        List<Qualification> all = qualifications.routedBetween(period.start(), period.end());
        List<Qualification> desk = all.stream().filter(q -> Qualification.DESK.equals(q.route())).toList();
        List<Qualification> decided = desk.stream().filter(q -> Qualification.DONE.equals(q.status())).toList();
        Map<String, Integer> dispositions = new LinkedHashMap<>();
        Qualifications.DISPOSITIONS.forEach(d -> dispositions.put(d, 0));
        Map<String, Integer> reasons = new TreeMap<>();
        List<Long> minutes = new ArrayList<>();
        for (Qualification q : decided) {
            dispositions.merge(q.disposition(), 1, Integer::sum);
            if (q.reason() != null) {
                reasons.merge(q.reason(), 1, Integer::sum);
            }
            minutes.add(calendar.workingTime(settings.calendar(), q.createdAt(), q.decidedAt()).toMinutes());
        }
        int late = (int) desk.stream().filter(q -> QualificationController.QualificationView.breached(q, now)).count();
        int open = (int) desk.stream().filter(q -> Qualification.OPEN.equals(q.status())).count();
        List<Qualification> prospects = decided.stream()
                .filter(q -> Qualifications.PROSPECT.equals(q.disposition())).toList();
        List<Qualification> direct = all.stream().filter(q -> Qualification.DIRECT.equals(q.route())).toList();
        return new Report(period.start(), period.end(), all.size(), direct.size(), desk.size(), decided.size(), open,
                late, HandoffReports.median(minutes), dispositions, reasons, groups(desk, Qualification::source),
                groups(desk, Qualification::campaign), answers(prospects, Qualification::decidedAt),
                answers(direct, Qualification::createdAt));
    }

    private static List<Group> groups(List<Qualification> desk, Function<Qualification, String> key) {
        Map<String, List<Qualification>> by = new TreeMap<>();
        desk.forEach(q -> by.computeIfAbsent(key.apply(q) == null ? "(none)" : key.apply(q), k -> new ArrayList<>())
                .add(q));
        List<Group> groups = new ArrayList<>();
        by.forEach((k, qs) -> {
            Map<String, Integer> reasons = new TreeMap<>();
            int[] counts = new int[4];
            for (Qualification q : qs) {
                if (!Qualification.DONE.equals(q.status())) {
                    continue;
                }
                counts[0]++;
                switch (q.disposition()) {
                    case Qualifications.PROSPECT -> counts[1]++;
                    case Qualifications.NURTURE -> counts[2]++;
                    default -> counts[3]++;
                }
                if (q.reason() != null) {
                    reasons.merge(q.reason(), 1, Integer::sum);
                }
            }
            groups.add(new Group(k, qs.size(), counts[0], counts[1], counts[2], counts[3], reasons));
        });
        return groups;
    }

    /** Sales' answer to each lead's handoff opened since the lead left the desk (or was routed straight on). */
    private SalesAnswer answers(List<Qualification> sent, Function<Qualification, Instant> since) {
        int handed = 0;
        int accepted = 0;
        int rejected = 0;
        int waiting = 0;
        for (Qualification q : sent) {
            Optional<Handoff> h = handoffs.firstForLeadSince(q.leadId(), since.apply(q));
            if (h.isEmpty()) {
                continue;
            }
            handed++;
            switch (h.get().status()) {
                case ACCEPTED, QUALIFIED -> accepted++;
                case REJECTED -> {
                    if (h.get().acceptedAt() != null) {
                        accepted++;
                    } else {
                        rejected++;
                    }
                }
                default -> waiting++;
            }
        }
        int answered = accepted + rejected;
        return new SalesAnswer(handed, accepted, rejected, waiting,
                answered == 0 ? null : Math.round(1000.0 * accepted / answered) / 10.0);
    }
}
