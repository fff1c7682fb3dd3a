package io.leadflow.nurture;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.lead.LeadAccess;
import io.leadflow.lead.Leads;
import io.leadflow.platform.NotFoundException;

/** {@code GET /api/leads/{id}/nurture}: the lead's track and whether it is sunset (roles as {@code GET /api/leads/{id}}). */
@RestController
class NurtureController {

    private final NurtureStatus status;
    private final Leads leads;

    NurtureController(NurtureStatus status, Leads leads) {
        this.status = status;
        this.leads = leads;
    }

    @GetMapping("/api/leads/{id}/nurture")
    NurtureStatus.View nurture(@PathVariable String id, Authentication user) {
        LeadAccess.check(leads, id, user);
        return status.of(id).orElseThrow(() -> new NotFoundException("Lead " + id + " has not entered nurture yet"));
    }
}
