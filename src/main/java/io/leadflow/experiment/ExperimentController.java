package io.leadflow.experiment;

import java.security.Principal;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The experiments of the journeys, for {@code /analytics}: {@code GET /api/analytics/experiments} (MARKETER,
 * SALES_MANAGER, ADMIN) lists them with their figures, {@code GET /api/analytics/experiments/{key}} answers one; a
 * marketer stops one ({@code POST …/{key}/stop}) or chooses its winner ({@code POST …/{key}/winner}).
 */
@RestController
class ExperimentController {

    private final Experiments experiments;

    ExperimentController(Experiments experiments) {
        this.experiments = experiments;
    }

    @GetMapping(value = "/api/analytics/experiments", produces = MediaType.APPLICATION_JSON_VALUE)
    List<Report> list() {
        return experiments.reports();
    }

    @GetMapping(value = "/api/analytics/experiments/{key}", produces = MediaType.APPLICATION_JSON_VALUE)
    Report one(@PathVariable String key) {
        return experiments.report(key);
    }

    @PostMapping(value = "/api/analytics/experiments/{key}/stop", produces = MediaType.APPLICATION_JSON_VALUE)
    Report stop(@PathVariable String key, Principal user) {
        experiments.stop(key, user.getName());
        return experiments.report(key);
    }

    /** @param variant the variant every new lead takes from now on */
    record Choice(String variant) {
    }

    @PostMapping(value = "/api/analytics/experiments/{key}/winner", produces = MediaType.APPLICATION_JSON_VALUE)
    Report winner(@PathVariable String key, @RequestBody(required = false) Choice choice, Principal user) {
        experiments.choose(key, choice == null ? null : choice.variant(), user.getName());
        return experiments.report(key);
    }
}
