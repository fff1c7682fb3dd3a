package io.leadflow.scoring;

import java.net.URI;
import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.NotFoundException;

/**
 * The bulk rescore ({@link Rescores}): {@code POST /api/scoring/rescore} starts one and answers {@code 202} at once
 * with a {@code Location} to follow; {@code GET /api/scoring/rescore} lists the last runs, so the page shows the
 * last result after a reload or on another node.
 */
@RestController
class RescoreController {

    private final Rescores rescores;

    RescoreController(Rescores rescores) {
        this.rescores = rescores;
    }

    @PostMapping("/api/scoring/rescore")
    ResponseEntity<Rescores.Run> start(@RequestBody(required = false) Rescores.Request request, Authentication user) {
        Rescores.Run run = rescores.start(request == null ? null : request.decisionKey(),
                user == null ? null : user.getName());
        return ResponseEntity.accepted().location(URI.create("/api/scoring/rescore/" + run.id())).body(run);
    }

    @GetMapping("/api/scoring/rescore/{id}")
    Rescores.Run run(@PathVariable String id) {
        return rescores.find(id).orElseThrow(() -> new NotFoundException("No bulk rescore " + id));
    }

    @GetMapping("/api/scoring/rescore")
    List<Rescores.Run> runs() {
        return rescores.list();
    }
}
