package io.leadflow.retention;

import java.net.URI;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.ConflictException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

/**
 * {@code /api/retention}: the dry run of the rules ({@code preview}, MARKETER and ADMIN), the reports of the runs
 * (MARKETER and ADMIN), and a run started by hand (ADMIN).
 */
@RestController
class RetentionController {

    private final RetentionSettings settings;
    private final InactiveLeads inactive;
    private final RetentionRuns runs;
    private final JdbcClient jdbc;
    private final Clock clock;
    /** A run started by hand goes on after the request has been answered, one at a time per node. */
    private final Executor background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "retention-run");
        t.setDaemon(true);
        return t;
    });

    RetentionController(RetentionSettings settings, InactiveLeads inactive, RetentionRuns runs, JdbcClient jdbc,
            Clock clock) {
        this.settings = settings;
        this.inactive = inactive;
        this.runs = runs;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * @param inactiveSince  the instant before which the rule's leads showed no sign of life
     * @param leads          silent leads the next run would ask (or, without consent to email, anonymise at once)
     * @param leftToSales    silent leads it leaves alone while sales has their open handoff
     * @param awaitingAnswer leads asked whose time to answer runs
     * @param dueNow         leads asked whose time is up: the next run keeps or anonymises them
     */
    record RulePreview(String name, Set<String> stages, Set<String> consents, String inactiveAfter,
            Instant inactiveSince, long leads, long leftToSales, long awaitingAnswer, long dueNow) {
    }

    record Preview(Instant asOf, String answerWithin, List<RulePreview> rules) {
    }

    @GetMapping(value = "/api/retention/preview", produces = MediaType.APPLICATION_JSON_VALUE)
    Preview preview() {
        Instant now = clock.instant();
        return new Preview(now, settings.answerWithin().toString(),
                settings.rules().stream().map(rule -> preview(rule, now)).toList());
    }

    private RulePreview preview(RetentionSettings.Rule rule, Instant now) {
        InactiveLeads.Count silent = inactive.count(rule, now);
        long[] asked = jdbc.sql("""
                select coalesce(sum(case when answer_by > :now then 1 else 0 end), 0),
                       coalesce(sum(case when answer_by <= :now then 1 else 0 end), 0)
                  from retention_notices where rule_name = :rule and status = 'WARNED'""")
                .param("now", Timestamp.from(now)).param("rule", rule.name())
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}).single();
        return new RulePreview(rule.name(), new TreeSet<>(rule.stages()), new TreeSet<>(rule.consents()),
                rule.inactiveAfter().toString(), InactiveLeads.horizon(rule, now), silent.leads(), silent.withSales(),
                asked[0], asked[1]);
    }

    @GetMapping(value = "/api/retention/runs", produces = MediaType.APPLICATION_JSON_VALUE)
    List<RetentionRuns.Run> runs(@RequestParam(defaultValue = "20") int limit) {
        if (limit < 1 || limit > 200) {
            throw InvalidInputException.of("limit", "must be between 1 and 200");
        }
        return runs.recent(limit);
    }

    @GetMapping(value = "/api/retention/runs/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    RetentionRuns.Run run(@PathVariable String id) {
        return runs.find(id).orElseThrow(() -> new NotFoundException("No retention run with id " + id));
    }

    /**
     * Starts a run now (ADMIN): {@code 202} with its address once it is under way, {@code 409} while another run
     * is unfinished. The run goes on in the background; its report is {@code GET /api/retention/runs/{id}}.
     */
    @PostMapping(value = "/api/retention/runs", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<RetentionRuns.Run> start() {
        List<RetentionRuns.Run> unfinished = runs.recent(1).stream().filter(r -> r.finishedAt() == null).toList();
        if (!unfinished.isEmpty()) {
            throw new ConflictException("Retention run " + unfinished.get(0).id() + " is still going: follow it at"
                    + " /api/retention/runs/" + unfinished.get(0).id());
        }
        var started = new java.util.concurrent.CompletableFuture<String>();
        background.execute(() -> runs.run("manual", started::complete));
        String id = started.join();
        if (id == null) {
            throw new ConflictException("Another node started a retention run at the same moment: see"
                    + " /api/retention/runs");
        }
        return ResponseEntity.accepted().location(URI.create("/api/retention/runs/" + id))
                .body(runs.find(id).orElseThrow());
    }
}
