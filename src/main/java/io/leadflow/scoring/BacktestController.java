package io.leadflow.scoring;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.NotFoundException;

/**
 * {@code POST /api/scoring/backtest}: {@code 200} with the result when it is ready within
 * {@code leadflow.scoring.backtest.answer-within}, else {@code 202} with the progress and a {@code Location} to
 * follow ({@code GET /api/scoring/backtest/{id}}). {@code GET /api/scoring/tables}: the deployed versions a backtest
 * may try.
 */
@RestController
class BacktestController {

    record TableVersion(int version, Instant deployedAt, boolean latest) {
    }

    record Table(String decisionKey, List<TableVersion> versions) {
    }

    private final Backtests backtests;
    private final DecisionEvaluator decisions;

    BacktestController(Backtests backtests, DecisionEvaluator decisions) {
        this.backtests = backtests;
        this.decisions = decisions;
    }

    /** The scoring tables, each with its deployed versions, the latest first. */
    @GetMapping("/api/scoring/tables")
    List<Table> tables() {
        List<Table> tables = new ArrayList<>();
        for (String key : Backtests.TABLES) {
            List<DecisionEvaluator.DeployedVersion> deployed = decisions.versions(key);
            List<TableVersion> versions = new ArrayList<>(deployed.size());
            for (DecisionEvaluator.DeployedVersion v : deployed) {
                versions.add(new TableVersion(v.version(), v.deployedAt(), v == deployed.get(0)));
            }
            tables.add(new Table(key, versions));
        }
        return tables;
    }

    @PostMapping(value = "/api/scoring/backtest", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Backtests.Run> start(@RequestBody Backtests.Request request) {
        Backtests.Run run = backtests.start(request);
        URI location = URI.create("/api/scoring/backtest/" + run.id());
        return run.status() == Backtests.Status.RUNNING ? ResponseEntity.accepted().location(location).body(run)
                : ResponseEntity.ok().location(location).body(run);
    }

    @GetMapping("/api/scoring/backtest/{id}")
    Backtests.Run progress(@PathVariable String id) {
        return backtests.find(id).orElseThrow(() -> new NotFoundException("No backtest " + id
                + " on this node (the last 20 runs are kept in memory until a restart)"));
    }
}
