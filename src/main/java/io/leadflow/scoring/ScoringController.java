package io.leadflow.scoring;

import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.lead.LeadAccess;
import io.leadflow.lead.Leads;

@RestController
class ScoringController {

    private final ScoringService scoring;
    private final Leads leads;

    ScoringController(ScoringService scoring, Leads leads) {
        this.scoring = scoring;
        this.leads = leads;
    }

    @PostMapping(value = "/api/events", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.ACCEPTED)
    ScoringService.EventRecorded record(@RequestBody ScoringService.EventRequest event) {
        return scoring.record(event);
    }

    @GetMapping("/api/leads/{id}/score")
    ScoringService.Explanation score(@PathVariable String id, Authentication user) {
        LeadAccess.check(leads, id, user);
        return scoring.explain(id);
    }

    @GetMapping("/api/leads/{id}/score/history")
    List<ScoringService.ScoreChange> history(@PathVariable String id, Authentication user) {
        LeadAccess.check(leads, id, user);
        return scoring.history(id);
    }

    @PostMapping("/api/leads/{id}/rescore")
    ScoringService.Score rescore(@PathVariable String id) {
        return scoring.rescore(id);
    }
}
