package io.leadflow.lead;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

@RestController
@RequestMapping("/api/leads")
class LeadController {

    private final LeadService service;
    private final LeadRepository leads;
    private final LeadAccounts accounts;

    LeadController(LeadService service, LeadRepository leads, LeadAccounts accounts) {
        this.service = service;
        this.leads = leads;
        this.accounts = accounts;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> capture(@RequestBody CaptureRequest request, HttpServletRequest http) {
        if (request.looksLikeBot()) {
            return ResponseEntity.accepted().body(Map.of("id", UUID.randomUUID().toString(),
                    "consent", Lead.Consent.PENDING));
        }
        var result = service.capture(request,
                new CaptureContext("api", http.getRemoteAddr(), http.getHeader("User-Agent")));
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("id", result.id(), "consent", result.consent()));
    }

    @GetMapping("/{id}")
    LeadView get(@PathVariable String id, Authentication user) {
        Lead lead = service.view(id);
        if (!LeadAccess.mayRead(lead, user)) {
            throw new NotFoundException("No lead with id " + id);
        }
        return LeadView.of(lead, accounts);
    }

    @GetMapping
    List<LeadView> byEmail(@RequestParam(required = false) String email, Authentication user) {
        if (email == null || email.isBlank()) {
            throw InvalidInputException.of("email", "is required: GET /api/leads?email=<address>");
        }
        return leads.findByEmail(email).filter(l -> !l.erased()).filter(l -> LeadAccess.mayRead(l, user)).map(l -> LeadView.of(l, accounts))
                .stream().toList();
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> erase(@PathVariable String id) {
        service.erase(id, LeadErased.REQUESTED);
        return ResponseEntity.noContent().build();
    }
}
