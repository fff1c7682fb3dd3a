package io.leadflow.workspace;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.stereotype.Service;

import io.leadflow.consent.ConsentLedger;
import io.leadflow.handoff.Handoff;
import io.leadflow.handoff.HandoffService;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadAccess;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.LeadView;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.Texts;
import io.leadflow.scoring.ScoringService;
import io.leadflow.workspace.Timeline.Entry;

/**
 * Builds a lead's {@link Timeline}. A read model, like analytics: it reads the other modules' tables for what they
 * recorded and asks their owners for what needs their logic (the score explanation with decay, the consent ledger,
 * the handoff's ladder, the journeys in the engine). It never writes.
 */
@Service
public class LeadTimelines {

    private static final Map<String, String> EVENT_TITLES = Map.of(
            "EMAIL_CLICKED", "Clicked a link in an email",
            "EMAIL_OPENED", "Opened an email",
            "PAGE_VIEW", "Viewed a page",
            "PRICING_PAGE_VIEW", "Viewed the pricing page",
            "FORM_SUBMITTED", "Submitted a form");

    private static final Map<String, String> CONSENT_TITLES = Map.of(
            "SUBMITTED", "Gave consent on a form",
            "EMAIL_SENT", "Confirmation email sent",
            "CONFIRMED", "Confirmed the address (double opt-in)",
            "REMINDED", "Reminded to confirm",
            "EXPIRED", "Did not confirm in time",
            "UNSUBSCRIBED", "Unsubscribed",
            "PREFERENCES_CHANGED", "Changed email preferences",
            "IMPORTED", "Imported from a contact file");

    private final LeadService leads;
    private final ConsentLedger ledger;
    private final ScoringService scoring;
    private final HandoffService handoffs;
    private final JourneyPositions journeys;
    private final JdbcClient jdbc;
    private final Clock clock;

    LeadTimelines(LeadService leads, ConsentLedger ledger, ScoringService scoring, HandoffService handoffs,
            JourneyPositions journeys, JdbcClient jdbc, Clock clock) {
        this.leads = leads;
        this.ledger = ledger;
        this.scoring = scoring;
        this.handoffs = handoffs;
        this.journeys = journeys;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * The lead's timeline as {@code viewer} may see it: 404 for an unknown lead and for another rep's lead (so ids
     * cannot be probed), 410 for an erased one.
     */
    public Timeline of(String leadId, Authentication viewer) {
        Lead lead = leads.view(leadId);
        if (!LeadAccess.mayRead(lead, viewer)) {
            throw new NotFoundException("No lead with id " + leadId);
        }
        Instant now = clock.instant();
        List<Entry> entries = new ArrayList<>();
        List<ConsentLedger.Entry> proofs = ledger.entries(leadId);
        entries.add(captured(lead, proofs.stream().filter(e -> e.event().equals("SUBMITTED")
                || e.event().equals("IMPORTED")).map(ConsentLedger.Entry::detail).findFirst().orElse(null)));
        proofs.forEach(e -> entries.add(Entry.of(e.occurredAt(), "CONSENT",
                CONSENT_TITLES.getOrDefault(e.event(), Texts.words(e.event())), join(e.consentText(), e.detail()))));
        entries.addAll(emails(leadId));
        ScoringService.Explanation explanation = scoring.explain(leadId);
        explanation.events().forEach(e -> entries.add(new Entry(e.occurredAt(), "EVENT", eventTitle(e.type()),
                join(e.url(), e.annotation() == null ? null : "rule: " + e.annotation()
                        + (e.version() == null ? "" : " (engagement-points v" + e.version() + ")")),
                e.points(), e.decayedPoints())));
        entries.addAll(unscoredEvents(leadId));
        entries.addAll(bounces(leadId));
        List<Timeline.ScorePoint> scores = new ArrayList<>();
        jdbc.sql("""
                select changed_at, cause, fit, engagement, grade, mql, reason, fit_version, mql_version
                  from score_changes where lead_id = ? order by changed_at""").param(leadId).query((rs, i) -> {
                    Instant at = rs.getTimestamp("changed_at").toInstant();
                    boolean mql = rs.getBoolean("mql");
                    scores.add(new Timeline.ScorePoint(at, rs.getInt("fit"), rs.getDouble("engagement"),
                            rs.getString("grade"), mql));
                    return Entry.of(at, "SCORE", "Score " + rs.getInt("fit") + " fit + "
                            + round(rs.getDouble("engagement")) + " engagement, grade " + rs.getString("grade")
                            + (mql ? ", MQL" : "") + ("RESCORE".equals(rs.getString("cause")) ? " (rescored)" : ""),
                            join(rs.getString("reason"), "lead-fit-score v" + rs.getInt("fit_version")
                                    + ", mql-decision v" + rs.getInt("mql_version")));
                }).list().forEach(entries::add);
        scores.add(new Timeline.ScorePoint(now, explanation.fit(), explanation.engagement(), explanation.grade(),
                explanation.mql()));
        jdbc.sql("select stage, entered_at from stage_history where lead_id = ? order by entered_at").param(leadId)
                .query((rs, i) -> Entry.of(rs.getTimestamp("entered_at").toInstant(), "STAGE",
                        "Stage " + rs.getString("stage"), null))
                .list().forEach(entries::add);
        entries.addAll(handoffEntries(leadId));
        entries.addAll(crmEntries(leadId));
        entries.addAll(experimentEntries(leadId));
        entries.sort(Comparator.comparing(Entry::at).reversed());
        Handoff latest = handoffs.latestForLead(leadId).orElse(null);
        String track = jdbc.sql("select track from nurture_status where lead_id = ?").param(leadId)
                .query(String.class).optional().orElse(null);
        Timeline.AccountNow account = jdbc.sql("""
                select a.id, a.name, (select d.domain from account_domains d where d.account_id = a.id
                                       order by d.added_at, d.domain fetch first 1 rows only),
                       a.score, a.mqa, m.reason
                  from account_members m join accounts a on a.id = m.account_id
                 where m.lead_id = ?""").param(leadId)
                .query((rs, n) -> {
                    Integer score = rs.getObject(4) == null ? null : rs.getInt(4);
                    return new Timeline.AccountNow(rs.getString(1), rs.getString(2), rs.getString(3), score,
                            rs.getBoolean(5), rs.getString(6));
                }).optional().orElse(null);
        // the lead's account id as the account just read says it: no second look at its membership
        String accountId = account == null ? null : account.id();
        return new Timeline(LeadView.of(lead, id -> java.util.Optional.ofNullable(accountId)), new Timeline.Capture(lead.source(), lead.utmSource(), lead.utmMedium(),
                lead.utmCampaign(), lead.language()), track, lead.crmId(), account, entries, scores, journeys.of(leadId),
                latest == null ? null : handoffNow(latest, now), actions(lead, latest, viewer));
    }

    /** @param how the consent ledger's first word on it: the form ({@code form newsletter}) or the import */
    private static Entry captured(Lead lead, String how) {
        return Entry.of(lead.createdAt(), "CAPTURED", how == null ? "Captured" : "Captured (" + how + ")",
                join(lead.source() == null ? null : "source " + lead.source(),
                        lead.utmSource() == null ? null : "utm_source " + lead.utmSource(),
                        lead.utmMedium() == null ? null : "utm_medium " + lead.utmMedium(),
                        lead.utmCampaign() == null ? null : "utm_campaign " + lead.utmCampaign()));
    }

    /** The lead's own emails (not the reminders to its sales rep): template, version and what became of it. */
    private List<Entry> emails(String leadId) {
        return jdbc.sql("""
                select template, template_version, purpose, status, attempts, last_error, created_at, sent_at, clicks,
                       bounced_at, complained_at, unsubscribed_at
                  from email_outbox where lead_id = ? and to_address is null order by created_at""")
                .param(leadId).query((rs, i) -> {
                    String status = rs.getString("status");
                    Timestamp sent = rs.getTimestamp("sent_at");
                    Object version = rs.getObject("template_version");
                    String what = "Email " + rs.getString("template") + (version == null ? "" : " v" + version) + " "
                            + switch (status) {
                                case "SENT" -> "sent";
                                case "FAILED" -> "failed";
                                case "SKIPPED" -> "not sent";
                                default -> "waiting to be sent";
                            };
                    int clicks = rs.getInt("clicks");
                    return Entry.of(sent != null ? sent.toInstant() : rs.getTimestamp("created_at").toInstant(), "EMAIL",
                            what, join(rs.getString("purpose"),
                                    clicks > 0 ? clicks + (clicks == 1 ? " click" : " clicks") : null,
                                    rs.getTimestamp("bounced_at") != null ? "bounced" : null,
                                    rs.getTimestamp("complained_at") != null ? "marked as spam" : null,
                                    rs.getTimestamp("unsubscribed_at") != null ? "unsubscribed from it" : null,
                                    "SENT".equals(status) ? null : rs.getString("last_error"),
                                    rs.getInt("attempts") > 1 ? rs.getInt("attempts") + " attempts" : null));
                }).list();
    }

    /** Events kept but never scored (received before the lead confirmed its address). */
    private List<Entry> unscoredEvents(String leadId) {
        return jdbc.sql("select type, url, occurred_at from engagement_events where lead_id = ? and scored = false")
                .param(leadId).query((rs, i) -> new Entry(rs.getTimestamp("occurred_at").toInstant(), "EVENT",
                        eventTitle(rs.getString("type")), join(rs.getString("url"), "not scored: before the address "
                                + "was confirmed"), 0, 0.0))
                .list();
    }

    private List<Entry> bounces(String leadId) {
        return jdbc.sql("select kind, status_code, received_at from email_bounces where lead_id = ?").param(leadId)
                .query((rs, i) -> Entry.of(rs.getTimestamp("received_at").toInstant(), "BOUNCE",
                        switch (rs.getString("kind")) {
                            case "HARD" -> "Email bounced (address does not exist)";
                            case "SOFT" -> "Email bounced (temporary)";
                            default -> "Marked an email as spam";
                        }, rs.getString("status_code")))
                .list();
    }

    /** The experiments the lead entered: its variant, and whether it was drawn or routed to it. */
    private List<Entry> experimentEntries(String leadId) {
        return jdbc.sql("""
                select experiment_key, variant, in_sample, assigned_at from experiment_assignments
                 where lead_id = ?""").param(leadId)
                .query((rs, i) -> Entry.of(rs.getTimestamp("assigned_at").toInstant(), "EXPERIMENT",
                        "Experiment " + rs.getString("experiment_key") + ": variant " + rs.getString("variant"),
                        rs.getBoolean("in_sample") ? "drawn at random" : "routed (the experiment was decided or stopped)"))
                .list();
    }

    private List<Entry> handoffEntries(String leadId) {
        List<Entry> out = new ArrayList<>();
        jdbc.sql("""
                select team, owner, status, created_at, due_at, accepted_at, closed_at, breached_at, reject_reason,
                       opportunity_id, first_touch_at, first_touch_activity
                  from handoffs where lead_id = ?""").param(leadId).query((rs, i) -> {
                    if (rs.getTimestamp("first_touch_at") != null) {
                        String activity = rs.getString("first_touch_activity");
                        out.add(Entry.of(rs.getTimestamp("first_touch_at").toInstant(), "HANDOFF",
                                "First touch by sales: " + (activity == null ? "activity"
                                        : activity.toLowerCase(Locale.ROOT)), "logged in the CRM"));
                    }
                    String who = rs.getString("owner") == null ? "team " + rs.getString("team")
                            : rs.getString("owner") + " (team " + rs.getString("team") + ")";
                    out.add(Entry.of(rs.getTimestamp("created_at").toInstant(), "HANDOFF", "Handed to sales: " + who,
                            "to accept by " + rs.getTimestamp("due_at").toInstant()));
                    if (rs.getTimestamp("accepted_at") != null) {
                        out.add(Entry.of(rs.getTimestamp("accepted_at").toInstant(), "HANDOFF", "Accepted by sales",
                                null));
                    }
                    if (rs.getTimestamp("breached_at") != null) {
                        out.add(Entry.of(rs.getTimestamp("breached_at").toInstant(), "HANDOFF",
                                "Sales SLA breached", null));
                    }
                    if (rs.getTimestamp("closed_at") != null) {
                        boolean qualified = "QUALIFIED".equals(rs.getString("status"));
                        out.add(Entry.of(rs.getTimestamp("closed_at").toInstant(), "HANDOFF",
                                qualified ? "Qualified by sales (SQL)" : "Rejected by sales",
                                qualified ? rs.getString("opportunity_id") == null ? null
                                        : "opportunity " + rs.getString("opportunity_id")
                                        : rs.getString("reject_reason")));
                    }
                    return null;
                }).list();
        jdbc.sql("""
                select r.step, r.decided_at, r.owner, r.team, r.reason, r.fallback_used from handoff_routings r
                  join handoffs h on h.id = r.handoff_id where h.lead_id = ? order by r.decided_at""").param(leadId)
                .query((rs, i) -> {
                    boolean reassign = "REASSIGN".equals(rs.getString("step"));
                    String owner = rs.getString("owner");
                    String title = owner == null
                            ? (reassign ? "Not reassigned: nobody available" : "Routed to the team's queue")
                            : (reassign ? "Reassigned to " : "Routed to ") + owner + " (team " + rs.getString("team")
                                    + (rs.getBoolean("fallback_used") ? ", fallback" : "") + ")";
                    out.add(Entry.of(rs.getTimestamp("decided_at").toInstant(), "ROUTING", title,
                            rs.getString("reason")));
                    return null;
                }).list();
        jdbc.sql("""
                select route, route_reason, status, created_at, due_at, breached_at, decided_at, decided_by,
                       disposition, reason, duplicate_of, routed_team, need, note
                  from qualifications where lead_id = ? order by created_at""").param(leadId).query((rs, i) -> {
                    boolean desk = "DESK".equals(rs.getString("route"));
                    out.add(Entry.of(rs.getTimestamp("created_at").toInstant(), "DESK",
                            desk ? "Sent to the qualification desk" : "Straight to sales (no desk)",
                            join(rs.getString("route_reason"), rs.getTimestamp("due_at") == null ? null
                                    : "decide by " + rs.getTimestamp("due_at").toInstant())));
                    if (rs.getTimestamp("decided_at") != null) {
                        String disposition = rs.getString("disposition");
                        String title = switch (disposition) {
                            case "PROSPECT" -> "Desk: prospect, to sales";
                            case "NURTURE" -> "Desk: back to nurture";
                            default -> rs.getString("routed_team") != null
                                    ? "Desk: to team " + rs.getString("routed_team")
                                    : "Desk: disqualified";
                        };
                        out.add(Entry.of(rs.getTimestamp("decided_at").toInstant(), "DESK", title, join(join(
                                rs.getString("reason") == null ? null : rs.getString("reason")
                                        + (rs.getString("duplicate_of") == null ? ""
                                                : " of lead " + rs.getString("duplicate_of")),
                                "by " + rs.getString("decided_by")), join(rs.getString("need"),
                                rs.getString("note")))));
                    }
                    return null;
                }).list();
        jdbc.sql("""
                select id, status, amount, currency, close_date, created_at, closed_at from opportunities
                 where lead_id = ?""").param(leadId).query((rs, i) -> {
                    String value = rs.getBigDecimal("amount") == null ? null
                            : rs.getBigDecimal("amount").toPlainString() + " " + (rs.getString("currency") == null ? ""
                                    : rs.getString("currency"));
                    String close = rs.getDate("close_date") == null ? null
                            : "close date " + rs.getDate("close_date").toLocalDate();
                    out.add(Entry.of(rs.getTimestamp("created_at").toInstant(), "OPPORTUNITY",
                            "Opportunity " + rs.getString("id") + " in the CRM", join(value, close)));
                    if (rs.getTimestamp("closed_at") != null) {
                        out.add(Entry.of(rs.getTimestamp("closed_at").toInstant(), "OPPORTUNITY",
                                "Opportunity " + rs.getString("id") + " " + rs.getString("status").toLowerCase(
                                        Locale.ROOT), value));
                    }
                    return null;
                }).list();
        return out;
    }

    /** The CRM pushes that failed
, and when a failed one went through in the end. */
    private List<Entry> crmEntries(String leadId) {
        List<Entry> out = new ArrayList<>();
        jdbc.sql("""
                select purpose, failure_class, http_status, message, attempts, first_failed_at, resolved_at
                  from crm_failures where lead_id = ?""").param(leadId).query((rs, i) -> {
                    out.add(Entry.of(rs.getTimestamp("first_failed_at").toInstant(), "CRM",
                            "CRM push failed (" + rs.getString("failure_class").toLowerCase(Locale.ROOT).replace('_', ' ')
                                    + ")", join(rs.getString("message"), rs.getInt("attempts") + " attempts")));
                    if (rs.getTimestamp("resolved_at") != null) {
                        out.add(Entry.of(rs.getTimestamp("resolved_at").toInstant(), "CRM", "CRM push went through",
                                rs.getString("purpose")));
                    }
                    return null;
                }).list();
        return out;
    }

    private static Timeline.HandoffNow handoffNow(Handoff h, Instant now) {
        long remaining = java.time.Duration.between(now, h.dueAt()).toSeconds();
        Handoff.Ladder ladder = h.ladder();
        return new Timeline.HandoffNow(h.id(), h.team(), h.owner(), h.status().name(), h.createdAt(), h.dueAt(),
                remaining, h.breached(now), h.escalationLevel(), h.remindAt(),
                ladder.escalateAt(), ladder.reassignAt(), ladder.remindedAt(), ladder.escalatedAt(),
                ladder.reassignedAt(), h.rejectReason(), h.opportunityId());
    }

    /** What the viewer may do from the page, by role and by the lead's state (the API checks again). */
    static List<String> actions(Lead lead, Handoff handoff, Authentication viewer) {
        Set<String> roles = viewer.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .collect(Collectors.toSet());
        boolean admin = roles.contains("ROLE_ADMIN");
        boolean marketer = admin || roles.contains("ROLE_MARKETER");
        List<String> actions = new ArrayList<>();
        if (marketer && lead.consent() == Lead.Consent.PENDING) {
            actions.add("resendConfirmation");
        }
        if (marketer && lead.consent() == Lead.Consent.CONFIRMED) {
            actions.add("rescore");
        }
        boolean decides = handoff != null && (viewer.getName().equals(handoff.owner()) || admin
                || roles.contains("ROLE_SALES_MANAGER"));
        if (decides && handoff.status() == Handoff.Status.OPEN) {
            actions.add("accept");
        }
        if (decides && (handoff.status() == Handoff.Status.OPEN || handoff.status() == Handoff.Status.ACCEPTED)) {
            actions.add("qualify");
            actions.add("reject");
        }
        if (admin) {
            actions.add("export");
            actions.add("erase");
        }
        return actions;
    }

    private static String eventTitle(String type) {
        return EVENT_TITLES.getOrDefault(type, Texts.words(type));
    }

    private static String join(String... parts) {
        StringJoiner joined = new StringJoiner(" · ");
        for (String part : parts) {
            if (part != null && !part.isBlank()) {
                joined.add(part);
            }
        }
        return joined.length() == 0 ? null : joined.toString();
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
