package io.leadflow.channel.email;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Set;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.messaging.Message;
import org.springframework.stereotype.Component;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.lead.Suppressions;
import io.leadflow.platform.LeadflowSettings;

/**
 * Turns one claimed outbox row into the MIME message the SMTP adapter sends, at send time: consent, suppression
 * and the lead's stage are checked now, not when the row was queued, since they may have changed meanwhile; a
 * marketing email also waits for {@link SendRules}. A row that must not go out is marked on the outbox (skipped,
 * deferred, or failed when its template cannot be rendered) in the caller's transaction, and nothing is built. The
 * message carries its links, tracking, unsubscribe and bounce headers, and the ids only Leadflow can sign.
 */
@Component
class EmailComposer {

    private static final Logger log = LoggerFactory.getLogger(EmailComposer.class);
    /** The header naming the outbox row a message was built from, read back when the SMTP result is recorded. */
    static final String OUTBOX_ID = "leadflowOutboxId";
    /** The header carrying the version of the template the message was rendered from, recorded on its row. */
    static final String TEMPLATE_VERSION = "leadflowTemplateVersion";
    /** The domain a lead's email goes to, noted on its row as it is handed to SMTP (the per-domain rate counts it). */
    static final String RECIPIENT_DOMAIN = "leadflowRecipientDomain";
    /** Stages in which the lead hears from sales, not from marketing's journeys. */
    private static final Set<Lead.Stage> SALES_STAGES = Set.of(Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL);

    private final EmailOutbox outbox;
    private final EmailRenderer renderer;
    private final EmailLinks links;
    private final Leads leads;
    private final EmailSettings settings;
    private final LeadflowSettings leadflow;
    private final JavaMailSender mailSender;
    private final Clock clock;
    private final SendRules rules;
    private final TrackedLinks tracked;
    private final SentEmailIds ids;
    private final Suppressions suppressions;

    EmailComposer(EmailOutbox outbox, EmailRenderer renderer, EmailLinks links, Leads leads, EmailSettings settings,
            LeadflowSettings leadflow, JavaMailSender mailSender, Clock clock, SendRules rules, TrackedLinks tracked,
            SentEmailIds ids, Suppressions suppressions) {
        this.suppressions = suppressions;
        this.outbox = outbox;
        this.renderer = renderer;
        this.links = links;
        this.leads = leads;
        this.settings = settings;
        this.leadflow = leadflow;
        this.mailSender = mailSender;
        this.clock = clock;
        this.rules = rules;
        this.tracked = tracked;
        this.ids = ids;
    }

    /**
     * The message of this row, or null when a rule says no (recorded on the row). To be called in a transaction:
     * a marketing email locks its lead's row until that transaction ends.
     */
    Message<MimeMessage> build(EmailOutbox.Row row) {
        boolean marketing = !row.toStaff() && !MailTemplates.isDoubleOptIn(row.template());
        // Marketing emails of one lead are prepared one at a time, so the frequency cap sees the others.
        Lead lead = (marketing ? leads.lock(row.leadId()) : leads.find(row.leadId())).orElse(null);
        String refusal = refusal(row, lead);
        if (refusal == null && !row.toStaff()) {
            // an address listed since the lead was captured as a hash only, or by another node's import meanwhile
            var listed = suppressions.reasonFor(lead.email());
            if (listed.isPresent()) {
                leads.suppress(lead.id(), listed.get().name(), clock.instant());
                refusal = "on the suppression list: " + listed.get();
            }
        }
        if (refusal != null) {
            outbox.markSkipped(row.id(), refusal);
            log.info("Email {} to lead {} not sent: {}", row.purpose(), row.leadId(), refusal);
            return null;
        }
        if (marketing) {
            var deferral = rules.deferral(row, lead, clock.instant());
            if (deferral.isPresent()) {
                outbox.defer(row.id(), deferral.get().until(), deferral.get().reason());
                log.info("Email {} to lead {} waits until {}: {}", row.purpose(), row.leadId(),
                        deferral.get().until(), deferral.get().reason());
                return null;
            }
        }
        try {
            if (row.toStaff()) {
                return staffNotification(row, lead);
            }
            Map<String, String> emailLinks = links.linksFor(lead, row.template(), row.id());
            var rendered = renderer.render(row.template(), lead, emailLinks);
            if (marketing) {
                Set<String> templateUrls = renderer.templateUrls(row.template(), lead, emailLinks);
                rendered = rendered.withBodies(
                        tracked.trackText(rendered.text(), lead.id(), row.purpose(), templateUrls),
                        tracked.trackHtml(rendered.html(), lead.id(), row.purpose(), templateUrls));
                if (settings.openTracking()) {
                    rendered = rendered.withBodies(rendered.text(),
                            tracked.withOpenPixel(rendered.html(), lead.id(), row.purpose()));
                }
            }
            MimeMessage mime = mailSender.createMimeMessage();
            MimeMessageHelper helper = new MimeMessageHelper(mime, true, StandardCharsets.UTF_8.name());
            helper.setFrom(settings.from());
            helper.setTo(lead.email());
            helper.setSubject(rendered.subject());
            helper.setText(rendered.text(), rendered.html());
            if (!MailTemplates.isDoubleOptIn(row.template())) {
                String unsubscribe = emailLinks.get("unsubscribeUrl");
                mime.setHeader("List-Unsubscribe", listUnsubscribe(leadflow.link(unsubscribe),
                        UnsubscribeRequests.tokenOf(unsubscribe)));
                mime.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            }
            mime.setHeader(BounceParser.PURPOSE_HEADER, row.purpose());
            mime.setHeader(BounceParser.LEAD_HEADER, lead.id());
            signed(mime, row);
            return MessageBuilder.withPayload(mime).setHeader(OUTBOX_ID, row.id())
                    .setHeader(TEMPLATE_VERSION, rendered.version())
                    .setHeader(RECIPIENT_DOMAIN, SendingLimits.domainOf(lead.email())).build();
        } catch (MessagingException | RuntimeException e) {
            if (e instanceof DataAccessException database) {
                throw database; // not the template's fault: the claim is given back (see OutboxClaims.prepare)
            }
            // A template error will not fix itself by retrying: make it visible at once.
            outbox.markFailed(row.id(), "cannot render " + row.template() + ": " + e.getMessage(),
                    new EmailSettings.Retry(1, settings.retry().initialBackoff()));
            log.error("Email {} for lead {} cannot be rendered: {}", row.purpose(), row.leadId(), e.getMessage());
            return null;
        }
    }

    /** An email to one of our people about the lead: no unsubscribe link, no consent rule (they are not the lead). */
    private Message<MimeMessage> staffNotification(EmailOutbox.Row row, Lead lead) throws MessagingException {
        var rendered = renderer.render(row.template(), lead, Map.of(), row.paramMap());
        MimeMessage mime = mailSender.createMimeMessage();
        MimeMessageHelper helper = new MimeMessageHelper(mime, true, StandardCharsets.UTF_8.name());
        helper.setFrom(settings.from());
        helper.setTo(row.toAddress());
        helper.setSubject(rendered.subject());
        helper.setText(rendered.text(), rendered.html());
        mime.setHeader(BounceParser.PURPOSE_HEADER, row.purpose());
        mime.setHeader(BounceParser.LEAD_HEADER, lead.id());
        mime.setHeader("Auto-Submitted", "auto-generated");
        signed(mime, row);
        return MessageBuilder.withPayload(mime).setHeader(OUTBOX_ID, row.id())
                .setHeader(TEMPLATE_VERSION, rendered.version()).build();
    }

    /**
     * The Message-ID and the envelope sender only Leadflow can write for this email (SentEmailIds): a bounce or
     * complaint report is believed only when it names one of them.
     */
    private void signed(MimeMessage mime, EmailOutbox.Row row) throws MessagingException {
        mime.setHeader("Message-ID", ids.messageId(row.id()));
        String returnPath = ids.returnPath(row.id());
        if (returnPath != null && mime instanceof SMTPMessage smtp) {
            smtp.setEnvelopeFrom(returnPath);
        }
    }

    /**
     * The one-click HTTPS link (RFC 8058) first, then the {@code mailto:} alternative for mail clients that only
     * send: its subject carries the same token, which the bounce mailbox reader recognises.
     */
    private String listUnsubscribe(String url, String token) {
        String header = "<" + url + ">";
        if (settings.unsubscribeAddress() != null && token != null) {
            header += ", <mailto:" + settings.unsubscribeAddress() + "?subject=" + UnsubscribeRequests.SUBJECT_WORD
                    + "%20" + token + ">";
        }
        return header;
    }

    private static String refusal(EmailOutbox.Row row, Lead lead) {
        if (lead == null || lead.erased() || lead.email() == null) {
            return "lead erased";
        }
        if (row.toStaff()) {
            return null;
        }
        if (lead.suppressedReason() != null) {
            return "suppressed: " + lead.suppressedReason();
        }
        if (MailTemplates.isDoubleOptIn(row.template())) {
            return lead.consent() == Lead.Consent.PENDING ? null : "consent is " + lead.consent();
        }
        if (SALES_STAGES.contains(lead.stage())) {
            // nurture stops the moment a lead qualifies: what it queued before is not sent, whenever it comes due
            return "lead is " + lead.stage() + ": sales has it";
        }
        return lead.mayReceiveMarketing() ? null : "no confirmed consent";
    }
}
