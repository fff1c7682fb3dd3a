package io.leadflow.account;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.DecisionEvaluator;
import io.leadflow.scoring.EngagementRecorded;
import io.leadflow.scoring.LeadAttributes;
import io.leadflow.scoring.ScoringService;

/**
 * Scores accounts with the {@code account-score} table from their contacts together, and hands the best contact of an
 * account that becomes a marketing qualified account (MQA) to sales. A contact's engagement only marks its account
 * due (one statement in the event's transaction); a node scores the due accounts a moment later, each step in a
 * transaction of its own that locks one row at a time (the account, or the lead it hands over), so it never waits on a
 * lead's transaction that waits on it.
 */
@Component
public class AccountScoring {

    private static final Logger log = LoggerFactory.getLogger(AccountScoring.class);
    /** The stages from which a contact may still be handed to sales. */
    private static final Set<Lead.Stage> HANDED_OVER_FROM = Set.of(Lead.Stage.NEW, Lead.Stage.NURTURE,
            Lead.Stage.RECYCLED);

    /** What the table was given and answered, and the contact an MQA would hand over. */
    public record Explanation(String accountId, Map<String, Object> inputs, int decisionVersion, String ruleId,
            String rule, Integer score, boolean mqa, String reason, String bestContact) {
    }

    private final JdbcClient jdbc;
    private final Leads leads;
    private final DecisionEvaluator decisions;
    private final ScoringService scoring;
    private final AccountSettings settings;
    private final Clock clock;
    private final TransactionTemplate own;

    AccountScoring(JdbcClient jdbc, Leads leads, DecisionEvaluator decisions, ScoringService scoring,
            AccountSettings settings, Clock clock, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.leads = leads;
        this.decisions = decisions;
        this.scoring = scoring;
        this.settings = settings;
        this.clock = clock;
        this.own = new TransactionTemplate(transactions);
        this.own.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    @EventListener
    void onEngagement(EngagementRecorded engagement) {
        jdbc.sql("update accounts set rescore_due = true where rescore_due = false and id = (select account_id from"
                + " account_members where lead_id = ?)").param(engagement.leadId()).update();
    }

    /** Marks an account due, after its contacts changed (a lead moved in or out, a merge). */
    void due(String accountId) {
        jdbc.sql("update accounts set rescore_due = true where id = ?").param(accountId).update();
    }

    @Scheduled(fixedDelayString = "${leadflow.accounts.rescore-every:PT5S}")
    void scoreDueAccounts() {
        try {
            List<String> due = jdbc.sql("select id from accounts where rescore_due = true and merged_into is null"
                    + " fetch first 200 rows only").query(String.class).list();
            due.forEach(this::scoreIfStillDue);
        } catch (RuntimeException e) {
            log.warn("Accounts: scoring the due accounts failed ({}); the next run tries again", e.toString());
        }
    }

    /** Scores the account again now; what the table answered. */
    public Explanation score(String accountId) {
        Explanation now = explain(accountId);
        Instant at = clock.instant();
        boolean wasMqa = Boolean.TRUE.equals(jdbc.sql("select mqa from accounts where id = ?").param(accountId)
                .query(Boolean.class).optional().orElse(false));
        boolean becameMqa = now.mqa() && !wasMqa;
        String lead = becameMqa && settings.mqaHandoff() && now.bestContact() != null
                && scoring.qualifyForAccount(now.bestContact(), "account " + accountId + " is an MQA: " + now.reason())
                ? now.bestContact() : null;
        own.executeWithoutResult(tx -> {
            jdbc.sql("update accounts set score = ?, mqa = ?, score_reason = ?, scored_at = ? where id = ?")
                    .params(now.score(), now.mqa(), io.leadflow.platform.Texts.truncate(now.reason(), 400),
                            Timestamp.from(at), accountId)
                    .update();
            if (becameMqa) {
                jdbc.sql("update accounts set mqa_at = ?, mqa_lead_id = ? where id = ?")
                        .params(Timestamp.from(at), lead, accountId).update();
            }
        });
        if (becameMqa) {
            log.info("Account {} is a marketing qualified account ({}){}", accountId, now.reason(),
                    lead == null ? "" : ": lead " + lead + " goes to sales");
        }
        return now;
    }

    /** What the table answers for the account now, without keeping it. */
    public Explanation explain(String accountId) {
        List<String> ids = jdbc.sql("select lead_id from account_members where account_id = ?").param(accountId)
                .query(String.class).list();
        List<Lead> contacts = scored(leads.findAll(ids));
        Map<String, Object> in = inputs(contacts);
        DecisionEvaluator.Decision table = decisions.latest(ModelKeys.DECISION_ACCOUNT_SCORE);
        DecisionEvaluator.Evaluation answer = table.evaluate(in);
        Object score = answer.value("score");
        Optional<DecisionEvaluator.MatchedRule> rule = answer.matchedRules().stream().findFirst();
        String best = contacts.stream().filter(l -> HANDED_OVER_FROM.contains(l.stage()))
                .max(Comparator.comparingDouble((Lead l) -> fit(l) + engagement(l))
                        .thenComparing(Lead::id))
                .map(Lead::id).orElse(null);
        return new Explanation(accountId, in, table.version(), rule.map(DecisionEvaluator.MatchedRule::ruleId)
                .orElse(null), rule.map(DecisionEvaluator.MatchedRule::annotation).orElse(null),
                score instanceof Number n ? n.intValue() : null, Boolean.TRUE.equals(answer.value("mqa")),
                answer.value("reason") == null ? null : answer.value("reason").toString(), best);
    }

    /** The contacts the table scores an account on: confirmed, not erased. */
    static List<Lead> scored(List<Lead> members) {
        return members.stream().filter(l -> !l.erased() && l.consent() == Lead.Consent.CONFIRMED).toList();
    }

    /** The {@code account-score} table's inputs for these contacts ({@link #scored}). */
    Map<String, Object> inputs(List<Lead> contacts) {
        List<Lead> engaged = contacts.stream().filter(l -> engagement(l) >= settings.engagedAt()).toList();
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("engagedContacts", engaged.size());
        in.put("bestFit", contacts.stream().mapToInt(AccountScoring::fit).max().orElse(0));
        in.put("engagementSum", Math.round(contacts.stream().mapToDouble(AccountScoring::engagement).sum() * 100)
                / 100.0);
        in.put("seniorityLevels", (int) engaged.stream().map(l -> LeadAttributes.seniority(l.jobTitle()))
                .filter(s -> !s.equals("UNKNOWN")).distinct().count());
        return in;
    }

    private void scoreIfStillDue(String accountId) {
        Integer taken = own.execute(tx -> jdbc.sql("update accounts set rescore_due = false where id = ? and"
                + " rescore_due = true").param(accountId).update());
        if (taken == null || taken == 0) {
            return; // another node took it
        }
        try {
            score(accountId);
        } catch (RuntimeException e) {
            due(accountId);
            log.warn("Accounts: scoring account {} failed ({}); it stays due", accountId, e.toString());
        }
    }

    private static int fit(Lead l) {
        return l.fitScore() == null ? 0 : l.fitScore();
    }

    private static double engagement(Lead l) {
        return l.engagementScore() == null ? 0 : l.engagementScore();
    }
}
