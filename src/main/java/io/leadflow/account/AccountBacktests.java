package io.leadflow.account;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.Errors;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.ModelKeys;
import io.leadflow.platform.SingleRunner;
import io.leadflow.platform.TooManyRequestsException;
import io.leadflow.scoring.DecisionEvaluator;

/**
 * The {@code account-score} table's backtest: every account scored under the deployed table and under a candidate
 * (DMN XML, or a deployed version), at the same instant, from the same contacts; nothing is written. As the leads'
 * backtest: the answer comes at once when the run ends within {@code leadflow.scoring.backtest.answer-within}, else
 * the run's progress, to follow at {@code GET /api/accounts/backtest/{id}}; a node keeps its last 20 runs in memory.
 */
@Service
public class AccountBacktests {

    private static final Logger log = LoggerFactory.getLogger(AccountBacktests.class);
    static final int PAGE = 500;
    static final int EXAMPLES = 10;

    public enum Status { RUNNING, DONE, FAILED }

    /** Exactly one of the candidate's XML or a deployed version. */
    public record Request(String decision, Integer version) {
    }

    public record Move(String accountId, String name, Integer scoreNow, boolean mqaNow, Integer scoreCandidate,
            boolean mqaCandidate, String reasonCandidate) {
    }

    /**
     * @param scoreChanges accounts whose score differs between the two tables
     * @param becomeMqa    examples (up to ten) of accounts the candidate makes MQAs, and {@code stopBeingMqa} the other
     *                     way
     */
    public record Result(String table, int currentVersion, Integer candidateVersion, long accounts, long mqaNow,
            long mqaCandidate, long becomingMqa, long stoppingBeingMqa, long scoreChanges, List<Move> becomeMqa,
            List<Move> stopBeingMqa) {
    }

    public record Run(String id, Status status, long total, long processed, Instant startedAt, Instant finishedAt,
            String error, Result result) {
    }

    private final JdbcClient jdbc;
    private final Leads leads;
    private final DecisionEvaluator decisions;
    private final AccountScoring scoring;
    private final Clock clock;
    private final Duration answerWithin;
    private final SingleRunner runner = new SingleRunner("account-backtest-");
    private final Map<String, Run> runs = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Run> eldest) {
            return size() > 20;
        }
    });

    AccountBacktests(JdbcClient jdbc, Leads leads, DecisionEvaluator decisions, AccountScoring scoring, Clock clock,
            @Value("${leadflow.scoring.backtest.answer-within:PT20S}") Duration answerWithin) {
        this.jdbc = jdbc;
        this.leads = leads;
        this.decisions = decisions;
        this.scoring = scoring;
        this.clock = clock;
        this.answerWithin = answerWithin;
    }

    @PreDestroy
    void stop() {
        runner.close();
    }

    public Run start(Request request) {
        DecisionEvaluator.Decision candidate = candidate(request);
        DecisionEvaluator.Decision current = decisions.latest(ModelKeys.DECISION_ACCOUNT_SCORE);
        String id = UUID.randomUUID().toString();
        long total = jdbc.sql("select count(*) from accounts where merged_into is null").query(Long.class).single();
        Instant started = clock.instant();
        runs.put(id, new Run(id, Status.RUNNING, total, 0, started, null, null, null));
        CompletableFuture<Result> done;
        try {
            done = runner.submit(() -> run(id, total, started, current, candidate),
                    "Account backtests are already running; ask again when one has finished");
        } catch (TooManyRequestsException busy) {
            runs.remove(id);
            throw busy;
        }
        done.whenComplete((result, failure) -> runs.computeIfPresent(id, (k, r) -> new Run(id,
                failure == null ? Status.DONE : Status.FAILED, total, failure == null ? total : r.processed(),
                started, clock.instant(), failure == null ? null : Errors.rootMessage(failure), result)));
        try {
            done.get(answerWithin.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
            return runs.get(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return runs.get(id);
        } catch (ExecutionException failed) {
            throw InvalidInputException.of("decision", "the candidate failed on an account: "
                    + Errors.rootMessage(failed));
        }
        return new Run(id, Status.DONE, total, total, started, clock.instant(), null, done.join());
    }

    public Optional<Run> find(String id) {
        return Optional.ofNullable(runs.get(id));
    }

    private DecisionEvaluator.Decision candidate(Request request) {
        boolean xml = request != null && request.decision() != null && !request.decision().isBlank();
        boolean deployed = request != null && request.version() != null;
        if (xml == deployed) {
            throw InvalidInputException.of("decision", "give either the candidate's DMN XML in 'decision', or the "
                    + "'version' of a deployed account-score table");
        }
        if (xml) {
            return decisions.candidate(request.decision(), List.of(ModelKeys.DECISION_ACCOUNT_SCORE));
        }
        if (request.version() < 1) {
            throw InvalidInputException.of("version", "must be a deployed version number (1 or more)");
        }
        return decisions.deployed(ModelKeys.DECISION_ACCOUNT_SCORE, request.version());
    }

    private Result run(String id, long total, Instant started, DecisionEvaluator.Decision current,
            DecisionEvaluator.Decision candidate) {
        long accounts = 0, mqaNow = 0, mqaCandidate = 0, becoming = 0, stopping = 0, changed = 0;
        List<Move> become = new ArrayList<>();
        List<Move> stop = new ArrayList<>();
        String after = "";
        while (true) {
            record Account(String id, String name) {
            }
            List<Account> page = jdbc.sql("""
                    select id, name from accounts where merged_into is null and id > ? order by id
                     fetch first %d rows only""".formatted(PAGE)).param(after)
                    .query((rs, n) -> new Account(rs.getString(1), rs.getString(2))).list();
            if (page.isEmpty()) {
                break;
            }
            Map<String, List<String>> members = new HashMap<>();
            jdbc.sql("select account_id, lead_id from account_members where account_id in (:ids)")
                    .param("ids", page.stream().map(Account::id).toList())
                    .query(rs -> {
                        members.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                    });
            Map<String, Lead> byId = new HashMap<>();
            leads.findAll(members.values().stream().flatMap(List::stream).toList()).forEach(l -> byId.put(l.id(), l));
            for (Account a : page) {
                List<Lead> contacts = AccountScoring.scored(members.getOrDefault(a.id(), List.of()).stream()
                        .map(byId::get).filter(java.util.Objects::nonNull).toList());
                Map<String, Object> in = scoring.inputs(contacts);
                DecisionEvaluator.Evaluation now = current.evaluate(in);
                DecisionEvaluator.Evaluation then;
                try {
                    then = candidate.evaluate(in);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("account " + a.id() + " with " + in + ": "
                            + Errors.rootMessage(e), e);
                }
                boolean wasMqa = Boolean.TRUE.equals(now.value("mqa"));
                boolean isMqa = Boolean.TRUE.equals(then.value("mqa"));
                Integer scoreNow = score(now);
                Integer scoreThen = score(then);
                accounts++;
                mqaNow += wasMqa ? 1 : 0;
                mqaCandidate += isMqa ? 1 : 0;
                changed += java.util.Objects.equals(scoreNow, scoreThen) ? 0 : 1;
                Move move = new Move(a.id(), a.name(), scoreNow, wasMqa, scoreThen, isMqa,
                        then.value("reason") == null ? null : then.value("reason").toString());
                if (isMqa && !wasMqa) {
                    becoming++;
                    if (become.size() < EXAMPLES) {
                        become.add(move);
                    }
                } else if (wasMqa && !isMqa) {
                    stopping++;
                    if (stop.size() < EXAMPLES) {
                        stop.add(move);
                    }
                }
            }
            after = page.get(page.size() - 1).id();
            long processed = accounts;
            runs.computeIfPresent(id, (k, r) -> new Run(id, Status.RUNNING, total, processed, started, null, null,
                    null));
        }
        log.info("Account backtest {}: {} accounts, {} MQAs now, {} with the candidate", id, accounts, mqaNow,
                mqaCandidate);
        return new Result(ModelKeys.DECISION_ACCOUNT_SCORE, current.version(),
                candidate.version() == 0 ? null : candidate.version(), accounts, mqaNow, mqaCandidate, becoming,
                stopping, changed, become, stop);
    }

    private static Integer score(DecisionEvaluator.Evaluation e) {
        return e.value("score") instanceof Number n ? n.intValue() : null;
    }
}
