package io.leadflow.scoring;

import java.net.URI;

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
 * follow ({@code GET /api/scoring/backtest/{id}}).
 */
@RestController
class BacktestController {

    private final Backtests backtests;

    BacktestController(Backtests backtests) {
        this.backtests = backtests;
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
