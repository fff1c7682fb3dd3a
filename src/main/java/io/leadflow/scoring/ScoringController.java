package io.leadflow.scoring;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ScoringController {

    private final ScoringService scoring;

    ScoringController(ScoringService scoring) {
        this.scoring = scoring;
    }

    @PostMapping(value = "/api/events", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.ACCEPTED)
    ScoringService.EventRecorded record(@RequestBody ScoringService.EventRequest event) {
        return scoring.record(event);
    }

    @GetMapping("/api/leads/{id}/score")
    ScoringService.Explanation score(@PathVariable String id) {
        return scoring.explain(id);
    }

    @PostMapping("/api/leads/{id}/rescore")
    ScoringService.Score rescore(@PathVariable String id) {
        scoring.explain(id);
        return scoring.rescore(id);
    }
}
