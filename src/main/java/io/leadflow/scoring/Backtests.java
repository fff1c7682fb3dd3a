package io.leadflow.scoring;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.Errors;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.SingleRunner;

/**
 * Backtests a candidate scoring table over every confirmed lead: how many are MQL under the deployed tables now,
 * how many would be under the candidate, which leads move. Nothing is written. Leads are read in pages and each
 * distinct input is evaluated once, so 100,000 leads take seconds; a longer run answers with its progress.
 * Runs are kept in memory on the node that ran them (the last {@value #KEPT_RUNS}).
 */
@Service
public class Backtests {

    private static final Logger log = LoggerFactory.getLogger(Backtests.class);
    static final List<String> TABLES = List.of(ScoringService.FIT, ScoringService.ENGAGEMENT, ScoringService.MQL);
    private static final int PAGE = 500;
    private static final int EXAMPLES_PER_DIRECTION = 10;
    private static final int KEPT_RUNS = 20;
    /** Distinct inputs remembered per table during one backtest. */
    private static final int MEMO_LIMIT = 100_000;

    public enum Status { RUNNING, DONE, FAILED }

    /** Exactly one of {@code decision} (DMN XML) or {@code decisionKey} with {@code version} (a deployed version). */
    public record Request(String decision, String decisionKey, Integer version) {
    }

    public record Move(String leadId, boolean mqlNow, String gradeNow, double scoreNow, boolean mqlCandidate,
            String gradeCandidate, double scoreCandidate, String reasonCandidate) {
    }

    /**
     * @param table            the table the candidate replaces
     * @param currentVersion   its deployed version the candidate is compared with
     * @param candidateVersion the candidate's deployed version; null for DMN XML that is not deployed
     * @param leads            confirmed leads evaluated (the only ones scoring applies to)
     */
    public record Result(String table, int currentVersion, Integer candidateVersion, long leads, long mqlNow,
            long mqlCandidate, long becomeMql, long stopBeingMql, long gradeChanges, Map<String, Long> gradesNow,
            Map<String, Long> gradesCandidate, List<Move> examples) {
    }

    public record Run(String id, Status status, long total, long processed, Instant startedAt, Instant finishedAt,
            String error, Result result) {
    }

    private final DecisionEvaluator decisions;
    private final Leads leads;
    private final JdbcClient jdbc;
    private final ScoringSettings settings;
    private final Clock clock;
    private final SingleRunner runner = new SingleRunner("backtest-");
    private final Map<String, Tracker> runs = Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Tracker> eldest) {
            return size() > KEPT_RUNS;
        }
    });

    Backtests(DecisionEvaluator decisions, Leads leads, JdbcClient jdbc, ScoringSettings settings,
            Clock clock) {
        this.decisions = decisions;
        this.leads = leads;
        this.jdbc = jdbc;
        this.settings = settings;
        this.clock = clock;
    }

    /** A stopping node abandons its running backtest (it changes nothing; its caller asks again elsewhere). */
    @PreDestroy
    void stop() {
        runner.close();
    }

    /** Starts a backtest and waits for its result up to {@code leadflow.scoring.backtest.answer-within}. */
    public Run start(Request request) {
        DecisionEvaluator.Decision candidate = candidate(request);
        Tracker tracker = new Tracker(UUID.randomUUID().toString(), leads.count(Lead.Consent.CONFIRMED),
                clock.instant());
        CompletableFuture<Result> done = runner.submit(() -> run(candidate, tracker),
                "Backtests are already running; ask again when one has finished");
        runs.put(tracker.id, tracker);
        done.whenComplete((result, failure) -> tracker.finish(result, failure, clock.instant()));
        try {
            done.get(settings.backtest().answerWithin().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillRunning) {
            return tracker.view();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return tracker.view();
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof CandidateFailed f) {
                throw InvalidInputException.of("decision", f.getMessage());
            }
            throw new IllegalStateException("The backtest failed: " + Errors.rootMessage(failed), failed);
        }
        tracker.finish(done.join(), null, clock.instant());
        return tracker.view();
    }

    public Optional<Run> find(String id) {
        return Optional.ofNullable(runs.get(id)).map(Tracker::view);
    }

    private DecisionEvaluator.Decision candidate(Request request) {
        boolean xml = request.decision() != null && !request.decision().isBlank();
        boolean deployed = request.decisionKey() != null || request.version() != null;
        if (xml == deployed) {
            throw InvalidInputException.of("decision", "give either the candidate's DMN XML in 'decision', or "
                    + "'decisionKey' and 'version' of a deployed table");
        }
        if (xml) {
            return decisions.candidate(request.decision(), TABLES);
        }
        if (request.decisionKey() == null || !TABLES.contains(request.decisionKey())) {
            throw InvalidInputException.of("decisionKey", "must be one of " + TABLES);
        }
        if (request.version() == null || request.version() < 1) {
            throw InvalidInputException.of("version", "must be a deployed version number (1 or more)");
        }
        return decisions.deployed(request.decisionKey(), request.version());
    }

    private Result run(DecisionEvaluator.Decision candidate, Tracker tracker) {
        long started = System.nanoTime();
        Instant now = clock.instant();
        DecisionEvaluator.Decision fit = decisions.latest(ScoringService.FIT);
        DecisionEvaluator.Decision engagement = decisions.latest(ScoringService.ENGAGEMENT);
        DecisionEvaluator.Decision mql = decisions.latest(ScoringService.MQL);
        int currentVersion = decisions.latest(candidate.key()).version();
        Scorer current = new Scorer(fit, engagement, mql, settings.engagementHalfLife(), MEMO_LIMIT, true);
        Scorer proposed = new Scorer(candidate.key().equals(ScoringService.FIT) ? candidate : fit,
                candidate.key().equals(ScoringService.ENGAGEMENT) ? candidate : engagement,
                candidate.key().equals(ScoringService.MQL) ? candidate : mql, settings.engagementHalfLife(), MEMO_LIMIT, true);
        Counts counts = new Counts();
        // The next page is read while this one is scored: reading and scoring take about as long as each other.
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "backtest-reader-" + tracker.id);
            t.setDaemon(true);
            return t;
        });
        try {
            Page page = read(reader, "").join();
            while (!page.leads().isEmpty()) {
                CompletableFuture<Page> next = read(reader, page.leads().get(page.leads().size() - 1).id());
                score(page, current, proposed, now, counts);
                tracker.processed.addAndGet(page.leads().size());
                page = next.join();
            }
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            reader.shutdownNow();
        }
        log.info("Backtest {} of {} over {} leads: MQL {} now, {} with the candidate ({} ms)", tracker.id,
                candidate.key(), counts.leads, counts.mqlNow, counts.mqlCandidate,
                (System.nanoTime() - started) / 1_000_000);
        return new Result(candidate.key(), currentVersion, candidate.version() == 0 ? null : candidate.version(),
                counts.leads, counts.mqlNow, counts.mqlCandidate, counts.become, counts.stop, counts.gradeChanges,
                counts.gradesNow, counts.gradesCandidate, counts.examples());
    }

    /** A page of confirmed leads with their scored events. */
    private record Page(List<Lead> leads, Map<String, List<Scorer.StoredEvent>> events) {
    }

    private CompletableFuture<Page> read(ExecutorService reader, String after) {
        return CompletableFuture.supplyAsync(() -> {
            List<Lead> page = leads.page(Lead.Consent.CONFIRMED, after, PAGE);
            return new Page(page, page.isEmpty() ? Map.of() : events(page));
        }, reader);
    }

    /** Scores a page on every core (the scorers are thread-safe), then counts it in page order. */
    private static void score(Page page, Scorer current, Scorer proposed, Instant now, Counts counts) {
        List<Scorer.Outcome[]> outcomes = page.leads().parallelStream().map(lead -> {
            List<Scorer.StoredEvent> own = page.events().getOrDefault(lead.id(), List.of());
            Scorer.Outcome before = current.score(lead, own, now);
            try {
                return new Scorer.Outcome[] {before, proposed.score(lead, own, now)};
            } catch (RuntimeException e) {
                throw new CandidateFailed("fails on lead " + lead.id() + ": " + Errors.rootMessage(e));
            }
        }).toList();
        for (int i = 0; i < page.leads().size(); i++) {
            counts.add(page.leads().get(i).id(), outcomes.get(i)[0], outcomes.get(i)[1]);
        }
    }

    private Map<String, List<Scorer.StoredEvent>> events(List<Lead> page) {
        Map<String, List<Scorer.StoredEvent>> byLead = new HashMap<>();
        jdbc.sql("""
                select lead_id, type, url, occurred_at, points, rule_id, decision_version from engagement_events
                 where scored = true and lead_id in (:ids) order by lead_id, occurred_at""")
                .param("ids", page.stream().map(Lead::id).toList())
                .query(rs -> {
                    byLead.computeIfAbsent(rs.getString("lead_id"), k -> new ArrayList<>())
                            .add(ScoringService.storedEvent(rs, 0));
                });
        return byLead;
    }

    private static final class Counts {
        long leads, mqlNow, mqlCandidate, become, stop, gradeChanges;
        final Map<String, Long> gradesNow = new TreeMap<>();
        final Map<String, Long> gradesCandidate = new TreeMap<>();
        final List<Move> becoming = new ArrayList<>();
        final List<Move> stopping = new ArrayList<>();

        void add(String leadId, Scorer.Outcome now, Scorer.Outcome candidate) {
            leads++;
            mqlNow += now.mql() ? 1 : 0;
            mqlCandidate += candidate.mql() ? 1 : 0;
            gradesNow.merge(String.valueOf(now.grade()), 1L, Long::sum);
            gradesCandidate.merge(String.valueOf(candidate.grade()), 1L, Long::sum);
            if (!Objects.equals(now.grade(), candidate.grade())) {
                gradeChanges++;
            }
            if (now.mql() == candidate.mql()) {
                return;
            }
            Move move = new Move(leadId, now.mql(), now.grade(), now.total(), candidate.mql(), candidate.grade(),
                    candidate.total(), candidate.reason());
            if (candidate.mql()) {
                become++;
                if (becoming.size() < EXAMPLES_PER_DIRECTION) {
                    becoming.add(move);
                }
            } else {
                stop++;
                if (stopping.size() < EXAMPLES_PER_DIRECTION) {
                    stopping.add(move);
                }
            }
        }

        List<Move> examples() {
            List<Move> all = new ArrayList<>(becoming);
            all.addAll(stopping);
            return all;
        }
    }

    /** The candidate table cannot be evaluated for some lead: the marketer's table has an error. */
    private static final class CandidateFailed extends RuntimeException {
        CandidateFailed(String message) {
            super(message);
        }
    }

    private static final class Tracker {
        final String id;
        final long total;
        final Instant startedAt;
        final AtomicLong processed = new AtomicLong();
        volatile Status status = Status.RUNNING;
        volatile Instant finishedAt;
        volatile String error;
        volatile Result result;

        Tracker(String id, long total, Instant startedAt) {
            this.id = id;
            this.total = total;
            this.startedAt = startedAt;
        }

        synchronized void finish(Result result, Throwable failure, Instant at) {
            if (status != Status.RUNNING) {
                return;
            }
            this.finishedAt = at;
            if (failure == null) {
                this.result = result;
                this.status = Status.DONE;
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                this.error = cause instanceof CandidateFailed ? "The candidate table " + cause.getMessage()
                        : "The backtest failed: " + Errors.rootMessage(cause);
                this.status = Status.FAILED;
            }
        }

        Run view() {
            return new Run(id, status, total, processed.get(), startedAt, finishedAt, error, result);
        }
    }
}
