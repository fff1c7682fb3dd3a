package io.leadflow.channel.email;

import java.time.Instant;
import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.lead.LeadAccess;
import io.leadflow.lead.Leads;

/**
 * {@code GET /api/leads/{id}/emails}: every email a lead was sent or is due, with its delivery state, so that a
 * step whose email the SMTP server refused for now shows the retry (attempts, the server's answer, the next try).
 */
@RestController
class LeadEmailsController {

    /** @param templateVersion the version of the template it was rendered from (see /api/emails/{name}) */
    record EmailView(String purpose, String template, Integer templateVersion, EmailOutbox.Status status, int attempts,
            Instant createdAt, Instant sentAt, Instant nextAttemptAt, String lastError) {
    }

    private final EmailOutbox outbox;
    private final Leads leads;

    LeadEmailsController(EmailOutbox outbox, Leads leads) {
        this.outbox = outbox;
        this.leads = leads;
    }

    @GetMapping("/api/leads/{id}/emails")
    List<EmailView> emails(@PathVariable String id, Authentication user) {
        LeadAccess.check(leads, id, user);
        return outbox.forLead(id).stream()
                .map(r -> new EmailView(r.purpose(), r.template(), r.templateVersion(), r.status(), r.attempts(), r.createdAt(),
                        r.sentAt(), r.status() == EmailOutbox.Status.PENDING ? r.nextAttemptAt() : null,
                        r.lastError()))
                .toList();
    }
}
