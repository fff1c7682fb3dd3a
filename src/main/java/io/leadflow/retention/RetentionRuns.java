package io.leadflow.retention;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.channel.email.MailTemplates;
import io.leadflow.consent.ConsentRenewed;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.platform.NodeNames;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The retention job. A run goes through every rule in two phases, a chunk of leads per transaction:
 * <ol>
 * <li><b>ask</b>: each silent lead the rule finds gets a notice; a confirmed one is emailed the
 * {@code retention-repermission} template, whose link renews its consent ({@code /optin/keep}), and has
 * {@code answer-within} to answer; one that may not be emailed is due at once;</li>
 * <li><b>decide</b>: each notice whose time is up keeps its lead if it answered or showed any sign of life since it
 * was asked, or left the rule's stages and consents, or sales has its open handoff; otherwise the lead is anonymised
 * (its personal data erased everywhere, the row kept as an anonymous statistic, {@code RETAINED_EXPIRED} in the
 * consent ledger with the rule).</li>
 * </ol>
 * One run goes at a time across nodes (a unique index on the unfinished run). The node working on it renews a lease
 * after every chunk; when it goes silent, another node resumes the run where the tables say it stood (both phases
 * select only what is left to do), and its counts go on from what the run recorded.
 */
@Component
public class RetentionRuns {

    private static final Logger log = LoggerFactory.getLogger(RetentionRuns.class);
    private static final TypeReference<LinkedHashMap<String, RuleCounts>> COUNTS = new TypeReference<>() {
    };

    /** What a run did under one rule. */
    public record RuleCounts(long asked, long kept, long anonymised, long closed, long leftToSales) {

        static final RuleCounts NONE = new RuleCounts(0, 0, 0, 0, 0);

        RuleCounts plus(Outcome outcome) {
            return switch (outcome) {
                case ASKED -> new RuleCounts(asked + 1, kept, anonymised, closed, leftToSales);
                case KEPT -> new RuleCounts(asked, kept + 1, anonymised, closed, leftToSales);
                case ANONYMISED -> new RuleCounts(asked, kept, anonymised + 1, closed, leftToSales);
                case CLOSED -> new RuleCounts(asked, kept, anonymised, closed + 1, leftToSales);
                case NONE -> this;
            };
        }

        RuleCounts withLeftToSales(long n) {
            return new RuleCounts(asked, kept, anonymised, closed, n);
        }
    }

    enum Outcome { ASKED, KEPT, ANONYMISED, CLOSED, NONE }

    /** A run as {@code GET /api/retention/runs} shows it. */
    public record Run(String id, String status, String trigger, Instant startedAt, Instant finishedAt, int chunks,
            int resumed, Map<String, RuleCounts> rules) {
    }

    /** The node lost its hold on the run (another node took it over): it stops at once. */
    static final class LostRun extends RuntimeException {
        LostRun(String id) {
            super("retention run " + id + " is held by another node now");
        }
    }

    private final RetentionSettings settings;
    private final InactiveLeads inactive;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final ObjectMapper json;
    private final Leads leads;
    private final LeadService leadService;
    private final EmailOutbox outbox;
    private final MeterRegistry meters;
    private final String node = NodeNames.unique();

    RetentionRuns(RetentionSettings settings, InactiveLeads inactive, JdbcClient jdbc, TransactionTemplate tx,
            Clock clock, ObjectMapper json, Leads leads, LeadService leadService, EmailOutbox outbox,
            MeterRegistry meters) {
        this.settings = settings;
        this.inactive = inactive;
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.json = json;
        this.leads = leads;
        this.leadService = leadService;
        this.outbox = outbox;
        this.meters = meters;
    }

    /** Every night (UTC) unless {@code leadflow.retention.schedule} is {@code -}. */
    @Scheduled(cron = "${leadflow.retention.schedule:0 30 3 * * *}", zone = "UTC")
    void nightly() {
        run("schedule");
    }

    /** A run whose node went silent is taken over by the first node that looks. */
    @Scheduled(cron = "${leadflow.retention.resume-check:0 * * * * *}", zone = "UTC")
    void resumeAbandoned() {
        run("resume");
    }

    /**
     * Starts a run, or resumes the unfinished one whose node went silent, and works it to its end on this thread.
     * Empty when a run is held by a node still at work (or, for {@code resume}, when none was left unfinished).
     */
    public Optional<Run> run(String trigger) {
        return run(trigger, id -> { });
    }

    /** As {@link #run(String)}, telling {@code claimed} the run's id (null when none) before working it. */
    Optional<Run> run(String trigger, java.util.function.Consumer<String> claimed) {
        Optional<String> held;
        try {
            held = claim(trigger);
        } catch (RuntimeException e) {
            claimed.accept(null);
            throw e;
        }
        claimed.accept(held.orElse(null));
        if (held.isEmpty()) {
            return Optional.empty();
        }
        String id = held.get();
        try {
            Map<String, RuleCounts> counts = counts(id);
            log.info("Retention run {} ({}) started on {}", id, trigger, node);
            for (RetentionSettings.Rule rule : settings.rules()) {
                ask(id, rule, counts);
            }
            decide(id, counts);
            tx.executeWithoutResult(s -> {
                if (jdbc.sql("update retention_runs set active = null, finished_at = ?, counts = ? where id = ?"
                        + " and node = ? and active = 1").params(Timestamp.from(clock.instant()), write(counts),
                                id, node).update() == 0) {
                    throw new LostRun(id);
                }
            });
            log.info("Retention run {} finished: {}", id, counts);
            return find(id);
        } catch (LostRun lost) {
            log.warn("{}: this node stops", lost.getMessage());
            return Optional.empty();
        }
    }

    /** The new run's id, or the unfinished run's whose lease ran out; empty when another holds one. */
    private Optional<String> claim(String trigger) {
        Instant now = clock.instant();
        try {
            return tx.execute(s -> {
                var unfinished = jdbc.sql("select id, lease_until from retention_runs where active = 1")
                        .query((rs, n) -> new Object[] {rs.getString(1), rs.getTimestamp(2)}).optional();
                if (unfinished.isPresent()) {
                    Timestamp lease = (Timestamp) unfinished.get()[1];
                    if (lease.toInstant().isAfter(now)) {
                        return Optional.<String>empty();
                    }
                    String id = (String) unfinished.get()[0];
                    int took = jdbc.sql("""
                            update retention_runs set node = ?, lease_until = ?, resumed = resumed + 1
                             where id = ? and active = 1 and lease_until = ?""")
                            .params(node, Timestamp.from(now.plus(settings.lease())), id, lease).update();
                    if (took == 1) {
                        log.warn("Retention run {} was left unfinished by its node: {} resumes it", id, node);
                    }
                    return took == 1 ? Optional.of(id) : Optional.<String>empty();
                }
                if ("resume".equals(trigger)) {
                    return Optional.<String>empty();
                }
                String id = UUID.randomUUID().toString();
                jdbc.sql("""
                        insert into retention_runs (id, active, started_at, node, lease_until, trigger_kind, counts)
                        values (?, 1, ?, ?, ?, ?, '{}')""").params(id, Timestamp.from(now), node,
                        Timestamp.from(now.plus(settings.lease())), trigger).update();
                return Optional.of(id);
            });
        } catch (DuplicateKeyException raced) {
            return Optional.empty(); // another node started one at the same moment
        }
    }

    /** Renews this node's lease and records the counts; stops the run when another node took it over. */
    private void progress(String id, Map<String, RuleCounts> counts) {
        Instant now = clock.instant();
        if (jdbc.sql("""
                update retention_runs set lease_until = ?, counts = ?, chunks = chunks + 1
                 where id = ? and node = ? and active = 1""")
                .params(Timestamp.from(now.plus(settings.lease())), write(counts), id, node).update() == 0) {
            throw new LostRun(id);
        }
    }

    private void ask(String runId, RetentionSettings.Rule rule, Map<String, RuleCounts> counts) {
        counts.merge(rule.name(), RuleCounts.NONE.withLeftToSales(inactive.count(rule, clock.instant()).withSales()),
                (was, now) -> was.withLeftToSales(now.leftToSales()));
        String after = "";
        while (true) {
            List<String[]> batch = inactive.next(rule, clock.instant(), after, settings.chunkSize());
            if (batch.isEmpty()) {
                return;
            }
            tx.executeWithoutResult(s -> {
                Instant now = clock.instant();
                for (String[] lead : batch) {
                    tally(counts, rule.name(), ask(runId, rule, lead[0], lead[1], now));
                }
                progress(runId, counts);
            });
            after = batch.get(batch.size() - 1)[0];
        }
    }

    /**
     * The notice of one silent lead: a confirmed one is asked by email and has {@code answer-within} to answer; one
     * without consent to email is due at once (the decide phase of this run anonymises it).
     */
    private Outcome ask(String runId, RetentionSettings.Rule rule, String leadId, String consent, Instant now) {
        String id = UUID.randomUUID().toString();
        boolean asks = Lead.Consent.CONFIRMED.name().equals(consent);
        Instant answerBy = asks ? now.atZone(ZoneOffset.UTC).plus(settings.answerWithin()).toInstant() : now;
        jdbc.sql("""
                insert into retention_notices (id, lead_id, rule_name, run_id, warned_at, answer_by, status)
                values (?, ?, ?, ?, ?, ?, 'WARNED')""").params(id, leadId, rule.name(), runId, Timestamp.from(now),
                Timestamp.from(answerBy)).update();
        if (!asks) {
            return Outcome.NONE;
        }
        outbox.enqueue(leadId, "retention:" + id, MailTemplates.REPERMISSION);
        return Outcome.ASKED;
    }

    private record Notice(String id, String leadId, String rule, Instant warnedAt) {
    }

    private void decide(String runId, Map<String, RuleCounts> counts) {
        String after = "";
        while (true) {
            List<Notice> due = jdbc.sql("""
                    select id, lead_id, rule_name, warned_at from retention_notices
                     where status = 'WARNED' and answer_by <= ? and id > ? order by id"""
                    + " fetch first " + settings.chunkSize() + " rows only").params(Timestamp.from(clock.instant()), after)
                    .query((rs, n) -> new Notice(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getTimestamp(4).toInstant())).list();
            if (due.isEmpty()) {
                return;
            }
            for (Notice notice : due) {
                // one transaction per lead: a lead whose erasure fails is left for the next run, the others go on
                try {
                    tx.executeWithoutResult(s -> tally(counts, notice.rule(), decide(notice)));
                } catch (RuntimeException e) {
                    log.warn("Retention notice {} of lead {} not decided ({}): the next run tries again", notice.id(),
                            notice.leadId(), e.getMessage());
                }
            }
            tx.executeWithoutResult(s -> progress(runId, counts));
            after = due.get(due.size() - 1).id();
        }
    }

    /** Counts what happened to one lead in the run's report and in {@code leadflow_retention_leads_total}. */
    private void tally(Map<String, RuleCounts> counts, String rule, Outcome outcome) {
        counts.merge(rule, RuleCounts.NONE.plus(outcome), (was, one) -> was.plus(outcome));
        meters.counter("leadflow.retention.leads", "outcome", outcome.name().toLowerCase(java.util.Locale.ROOT))
                .increment();
    }

    private Outcome decide(Notice notice) {
        Instant now = clock.instant();
        Optional<RetentionSettings.Rule> rule = settings.rules().stream().filter(r -> r.name().equals(notice.rule()))
                .findFirst();
        if (rule.isEmpty()) {
            return close(notice, "CLOSED", "rule " + notice.rule() + " is no longer configured", now);
        }
        Lead lead = leads.find(notice.leadId()).orElse(null);
        if (lead == null || lead.erased()) {
            return close(notice, "CLOSED", "erased meanwhile", now);
        }
        if (!rule.get().stages().contains(lead.stage().name())
                || !rule.get().consents().contains(lead.consent().name())) {
            return close(notice, "CLOSED", "now " + lead.stage() + ", " + lead.consent() + ": outside the rule", now);
        }
        Optional<String> sign = jdbc.sql("""
                select type from engagement_events where lead_id = ? and occurred_at > ?
                 order by occurred_at desc fetch first 1 rows only""")
                .params(lead.id(), Timestamp.from(notice.warnedAt())).query(String.class).optional();
        if (sign.isPresent()) {
            return close(notice, "KEPT", "a sign of life since asked: " + sign.get(), now);
        }
        if (jdbc.sql("select count(*) from leads l where l.id = ? and " + InactiveLeads.WITH_SALES)
                .param(lead.id()).query(Long.class).single() > 0) {
            return close(notice, "KEPT", "left to sales: an open handoff", now);
        }
        leadService.anonymise(lead.id(), notice.rule());
        return close(notice, "ANONYMISED", "no answer by the deadline", now);
    }

    private Outcome close(Notice notice, String status, String outcome, Instant now) {
        int closed = jdbc.sql("""
                update retention_notices set status = ?, decided_at = ?, outcome = ?
                 where id = ? and status = 'WARNED'""").params(status, Timestamp.from(now), outcome, notice.id())
                .update();
        return closed == 0 ? Outcome.NONE : Outcome.valueOf(status);
    }

    /** The lead answered the retention email: its notice is closed, kept (in the transaction of the answer). */
    @EventListener
    void onRenewed(ConsentRenewed renewed) {
        jdbc.sql("""
                update retention_notices set status = 'KEPT', decided_at = ?, outcome = 'answered: keep me'
                 where lead_id = ? and status = 'WARNED'""").params(Timestamp.from(renewed.at()), renewed.leadId())
                .update();
    }

    /** The last runs, newest first. */
    public List<Run> recent(int limit) {
        return jdbc.sql("select * from retention_runs order by started_at desc fetch first " + limit + " rows only")
                .query((rs, n) -> map(rs)).list();
    }

    public Optional<Run> find(String id) {
        return jdbc.sql("select * from retention_runs where id = ?").param(id).query((rs, n) -> map(rs)).optional();
    }

    private Run map(java.sql.ResultSet rs) throws java.sql.SQLException {
        Timestamp finished = rs.getTimestamp("finished_at");
        return new Run(rs.getString("id"), finished == null ? "RUNNING" : "DONE", rs.getString("trigger_kind"),
                rs.getTimestamp("started_at").toInstant(), finished == null ? null : finished.toInstant(),
                rs.getInt("chunks"), rs.getInt("resumed"), read(rs.getString("counts")));
    }

    private Map<String, RuleCounts> counts(String id) {
        return new LinkedHashMap<>(find(id).map(Run::rules).orElse(Map.of()));
    }

    private String write(Map<String, RuleCounts> counts) {
        try {
            return json.writeValueAsString(counts);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, RuleCounts> read(String counts) {
        try {
            return json.readValue(counts, COUNTS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("retention_runs.counts is not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
