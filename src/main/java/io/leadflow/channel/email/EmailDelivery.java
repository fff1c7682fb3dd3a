package io.leadflow.channel.email;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.dsl.Pollers;
import org.springframework.integration.handler.advice.AbstractRequestHandlerAdvice;
import org.springframework.integration.mail.dsl.Mail;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.messaging.Message;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadErased;
import io.leadflow.lead.LeadRepository;
import io.leadflow.platform.Errors;
import io.leadflow.platform.LeadflowSettings;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The outbound email flow: outbox poller → render (rules checked at send time) → SMTP outbound adapter, with an
 * advice that records the result. SMTP faults are retried with back-off and end as FAILED rows, never lost.
 */
@Configuration
class EmailDelivery {

    private static final Logger log = LoggerFactory.getLogger(EmailDelivery.class);
    static final String OUTBOX_ID = "leadflowOutboxId";
    /** Sent to pending leads; everything else is marketing and needs confirmed consent. */
    private static final Set<String> DOUBLE_OPT_IN_TEMPLATES = Set.of("doi-confirmation", "doi-reminder");
    /** Stages in which the lead hears from sales, not from marketing's journeys. */
    private static final Set<Lead.Stage> SALES_STAGES = Set.of(Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL);

    private final EmailOutbox outbox;
    private final EmailRenderer renderer;
    private final EmailLinks links;
    private final LeadRepository leads;
    private final EmailSettings settings;
    private final LeadflowSettings leadflow;
    private final JavaMailSender mailSender;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final Counter sent;
    private final Counter failed;
    private final Counter bounced;
    private final Counter uncertain;
    private final java.time.Clock clock;
    private final SendRules rules;
    private final TrackedLinks tracked;
    /**
     * Rows this node claimed that have not been handed to the SMTP server yet. Whoever removes an id first decides
     * its fate: the sender (it goes to SMTP) or the release on stop or failure (it goes back to PENDING), never both.
     */
    private final Set<String> claimedHere = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor senders;
    /** Rows claimed in the poller's last claim and not handed to a sender yet (the poller thread's own). */
    private final java.util.Queue<EmailOutbox.Row> claimed = new java.util.ArrayDeque<>();
    private final SentEmailIds ids;

    EmailDelivery(EmailOutbox outbox, EmailRenderer renderer, EmailLinks links, LeadRepository leads,
            EmailSettings settings, LeadflowSettings leadflow, JavaMailSender mailSender, TransactionTemplate tx,
            ApplicationEventPublisher events, MeterRegistry registry, java.time.Clock clock, SendRules rules,
            TrackedLinks tracked, SentEmailIds ids) {
        this.ids = ids;
        this.clock = clock;
        this.rules = rules;
        this.tracked = tracked;
        this.outbox = outbox;
        this.renderer = renderer;
        this.links = links;
        this.leads = leads;
        this.settings = settings;
        this.leadflow = leadflow;
        this.mailSender = mailSender;
        this.tx = tx;
        this.events = events;
        this.sent = Counter.builder("leadflow.emails.sent").description("Emails accepted by the SMTP server")
                .register(registry);
        this.failed = Counter.builder("leadflow.emails.failed").description("SMTP attempts that failed")
                .register(registry);
        this.uncertain = Counter.builder("leadflow.emails.uncertain")
                .description("Emails abandoned mid-send by a stopped node, not resent").register(registry);
        this.bounced = Counter.builder("leadflow.emails.bounced")
                .description("Emails refused permanently by the SMTP server (address suppressed)").register(registry);
    }

    @Bean
    IntegrationFlow emailOutboundFlow() {
        return IntegrationFlow
                .from(() -> {
                    EmailOutbox.Row row = nextClaimed();
                    return row == null ? null : MessageBuilder.<Object>withPayload(row).build();
                }, e -> e.id("emailOutboxPoller").poller(Pollers.fixedDelay(300).maxMessagesPerPoll(-1)))
                .channel(c -> c.executor("emailSenders", senders()))
                .handle(EmailOutbox.Row.class, (row, headers) -> prepare(row), e -> e.id("emailPreparation"))
                .handle(Mail.outboundAdapter(mailSender), e -> e.id("smtpOutbound").advice(new RecordResult()))
                .get();
    }

    /**
     * The next row claimed by this node, claiming the next few due rows in one commit when none is left (the poller
     * thread only). A poll goes on while rows are due and pauses only once the outbox has nothing due: before, it
     * paused after every 50 rows, which capped a node at about 100 emails a second.
     */
    private EmailOutbox.Row nextClaimed() {
        if (claimed.isEmpty()) {
            List<EmailOutbox.Row> rows = outbox.claimDue(claimBatch());
            rows.forEach(row -> claimedHere.add(row.id()));
            claimed.addAll(rows);
        }
        return claimed.poll();
    }

    /** As many rows as the senders can hold (one at work and one queued each), so a claimed row waits little. */
    private int claimBatch() {
        return 2 * settings.senders();
    }

    /**
     * Several rows are rendered and sent at once; when every sender is busy the poller itself waits (no unbounded
     * queue of claimed rows).
     */
    private java.util.concurrent.Executor senders() {
        var executor = new org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor();
        senders = executor;
        executor.setThreadNamePrefix("email-sender-");
        executor.setCorePoolSize(settings.senders());
        executor.setMaxPoolSize(settings.senders());
        executor.setQueueCapacity(settings.senders());
        executor.setRejectedExecutionHandler(new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(10);
        executor.initialize();
        return executor;
    }

    /**
     * A stopping node gives back what it claimed and never sent. By now its poller and the flow's endpoints have
     * stopped (lifecycle stop comes before destruction), so a claimed row waiting for a sender could only fail to be
     * dispatched; let the senders finish what they are sending, then put back every row that never reached SMTP.
     * Without this, such rows stayed SENDING and were later marked FAILED ("delivery uncertain") though nobody had
     * sent them: a confirmation email lost with each node restart.
     */
    @jakarta.annotation.PreDestroy
    void releaseUnsentClaims() {
        if (senders != null) {
            senders.shutdown();
        }
        int released = 0;
        for (String id : List.copyOf(claimedHere)) {
            if (claimedHere.remove(id)) {
                try {
                    outbox.release(id);
                    released++;
                } catch (RuntimeException e) {
                    log.warn("Could not give back email {} on shutdown ({}); it is marked FAILED once its claim"
                            + " expires", id, e.toString());
                }
            }
        }
        if (released > 0) {
            log.info("Stopping: {} claimed email(s) not sent yet given back to the outbox for another node", released);
        }
    }

    /** Gives back a claimed row whose preparation failed for a reason that is not the email's (the database). */
    private void releaseAfterFailure(EmailOutbox.Row row, RuntimeException cause) {
        if (!claimedHere.remove(row.id())) {
            return;
        }
        try {
            outbox.release(row.id());
            log.warn("Email {} for lead {} could not be prepared ({}); back in the outbox for the next poll",
                    row.purpose(), row.leadId(), Errors.rootMessage(cause));
        } catch (RuntimeException e) {
            log.error("Email {} for lead {} could not be prepared ({}) nor given back ({}); it is marked FAILED once"
                    + " its claim expires", row.purpose(), row.leadId(), Errors.rootMessage(cause), e.toString());
        }
    }

    /** Checks the rules at send time and builds the message; null (nothing to send) when a rule says no. */
    private Message<MimeMessage> prepare(EmailOutbox.Row row) {
        try {
            Message<MimeMessage> message = prepareInTransaction(row);
            if (message == null) {
                claimedHere.remove(row.id());
            }
            return message;
        } catch (org.springframework.dao.DataAccessException | org.springframework.transaction.TransactionException e) {
            // A killed connection, a failover: nothing was sent and the transaction rolled back; try again later.
            releaseAfterFailure(row, e);
            return null;
        }
    }

    /**
     * Builds the message and notes on its row that it goes to SMTP now, in one transaction: a node that dies before
     * this commit leaves a claim another node may simply send, one that dies after it leaves "delivery uncertain".
     */
    private Message<MimeMessage> prepareInTransaction(EmailOutbox.Row row) {
        return tx.execute(s -> {
            Message<MimeMessage> message = build(row);
            if (message != null && !outbox.markHandedToSmtp(row)) {
                log.warn("Email {} for lead {} was held past its claim and went back to the outbox: another sender"
                        + " sends it", row.purpose(), row.leadId());
                return null;
            }
            return message;
        });
    }

    private Message<MimeMessage> build(EmailOutbox.Row row) {
        boolean marketing = !row.toStaff() && !DOUBLE_OPT_IN_TEMPLATES.contains(row.template());
        // Marketing emails of one lead are prepared one at a time, so the frequency cap sees the others.
        Lead lead = (marketing ? leads.lock(row.leadId()) : leads.find(row.leadId())).orElse(null);
        String refusal = refusal(row, lead);
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
                rendered = new EmailRenderer.Rendered(rendered.subject(),
                        tracked.trackText(rendered.text(), lead.id(), row.purpose(), templateUrls),
                        tracked.trackHtml(rendered.html(), lead.id(), row.purpose(), templateUrls));
                if (settings.openTracking()) {
                    rendered = new EmailRenderer.Rendered(rendered.subject(), rendered.text(),
                            tracked.withOpenPixel(rendered.html(), lead.id(), row.purpose()));
                }
            }
            MimeMessage mime = mailSender.createMimeMessage();
            MimeMessageHelper helper = new MimeMessageHelper(mime, true, StandardCharsets.UTF_8.name());
            helper.setFrom(settings.from());
            helper.setTo(lead.email());
            helper.setSubject(rendered.subject());
            helper.setText(rendered.text(), rendered.html());
            if (!DOUBLE_OPT_IN_TEMPLATES.contains(row.template())) {
                String unsubscribe = emailLinks.get("unsubscribeUrl");
                mime.setHeader("List-Unsubscribe", listUnsubscribe(leadflow.link(unsubscribe),
                        UnsubscribeRequests.tokenOf(unsubscribe)));
                mime.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            }
            mime.setHeader(BounceParser.PURPOSE_HEADER, row.purpose());
            mime.setHeader(BounceParser.LEAD_HEADER, lead.id());
            signed(mime, row);
            return MessageBuilder.withPayload(mime).setHeader(OUTBOX_ID, row.id()).build();
        } catch (MessagingException | RuntimeException e) {
            if (e instanceof org.springframework.dao.DataAccessException database) {
                throw database; // not the template's fault: the claim is given back (see prepare)
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
        return MessageBuilder.withPayload(mime).setHeader(OUTBOX_ID, row.id()).build();
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
        if (DOUBLE_OPT_IN_TEMPLATES.contains(row.template())) {
            return lead.consent() == Lead.Consent.PENDING ? null : "consent is " + lead.consent();
        }
        if (SALES_STAGES.contains(lead.stage())) {
            // nurture stops the moment a lead qualifies: what it queued before is not sent, whenever it comes due
            return "lead is " + lead.stage() + ": sales has it";
        }
        return lead.mayReceiveMarketing() ? null : "no confirmed consent";
    }

    @org.springframework.scheduling.annotation.Scheduled(fixedDelayString = "${leadflow.mail.claim-check-every:PT1M}",
            initialDelayString = "${leadflow.mail.claim-check-every:PT1M}")
    void resolveAbandonedClaims() {
        EmailOutbox.Abandoned abandoned = outbox.resolveAbandonedClaims();
        if (abandoned.released() > 0) {
            log.warn("{} email(s) claimed by a node that stopped before handing them to SMTP: back in the outbox, sent"
                    + " by another node", abandoned.released());
        }
        if (abandoned.uncertain() > 0) {
            uncertain.increment(abandoned.uncertain());
            log.error("{} email(s) were being handed to SMTP by a node that stopped: marked FAILED (delivery"
                    + " uncertain), not resent. Check the SMTP server's log before requeueing them.",
                    abandoned.uncertain());
        }
    }

    @EventListener
    void onErased(LeadErased erased) {
        outbox.forget(erased.leadId());
    }

    /** Records SENT (and tells listeners) or schedules a retry; the poller never sees an exception. */
    private final class RecordResult extends AbstractRequestHandlerAdvice {

        @Override
        protected Object doInvoke(ExecutionCallback callback, Object target, Message<?> message) {
            String id = (String) message.getHeaders().get(OUTBOX_ID);
            if (!claimedHere.remove(id)) {
                // given back to the outbox meanwhile (this node is stopping): another node sends it
                return null;
            }
            Object result;
            try {
                result = callback.execute();
            } catch (RuntimeException e) {
                recordFailure(id, e);
                return null;
            }
            recordSent(id);
            sent.increment();
            return result;
        }

        /**
         * The SMTP server took the email: it must never be sent again, even if recording that fails (a killed
         * database connection would otherwise count as a failed send, and the retry would be a duplicate). Tried
         * again on a fresh connection; if it still fails the row stays SENDING and is later marked FAILED ("delivery
         * uncertain"), which sends nothing.
         */
        private void recordSent(String id) {
            RuntimeException unrecorded = onFreshConnections(() -> tx.executeWithoutResult(s -> {
                outbox.markSent(id);
                EmailOutbox.Row row = outbox.findById(id);
                Lead lead = leads.get(row.leadId());
                events.publishEvent(new EmailSent(row.leadId(), row.purpose(), row.template(), lead.email()));
            }));
            if (unrecorded != null) {
                log.error("Email of outbox row {} was sent but could not be recorded as sent ({}); it is not"
                        + " sent again", id, Errors.rootMessage(unrecorded));
            }
        }

        /**
         * The SMTP server did not take the email, so sending it again makes no duplicate. Recording that is tried again
         * on a fresh connection when the database fails meanwhile (a killed connection); if it still fails, the row
         * goes back to the outbox as it was. Before, it stayed SENDING and ended FAILED ("delivery uncertain"): a
         * confirmation email lost to a database blip.
         */
        private void recordFailure(String id, RuntimeException e) {
            failed.increment();
            RuntimeException database = onFreshConnections(() -> recordFailureOnce(id, e));
            if (database == null) {
                return;
            }
            try {
                outbox.release(id);
                log.warn("Failed SMTP attempt of outbox row {} could not be recorded ({}); the row is back in the"
                        + " outbox for the next poll", id, Errors.rootMessage(database));
            } catch (RuntimeException stillDown) {
                log.error("Failed SMTP attempt of outbox row {} could neither be recorded nor given back ({}); it is"
                        + " marked FAILED once its claim expires", id, Errors.rootMessage(stillDown));
            }
        }

        /** Runs the database work, up to three times when the database fails; null once done, else the last failure. */
        private RuntimeException onFreshConnections(Runnable work) {
            RuntimeException last = null;
            for (int attempt = 1; attempt <= 3; attempt++) {
                try {
                    work.run();
                    return null;
                } catch (org.springframework.dao.DataAccessException
                        | org.springframework.transaction.TransactionException e) {
                    last = e;
                }
            }
            return last;
        }

        private void recordFailureOnce(String id, RuntimeException e) {
            String cause = Errors.rootMessage(e);
            Integer code = smtpReplyCode(e);
            if (code != null && code >= 500) {
                // A permanent refusal (unknown mailbox, policy): retrying only hurts our reputation.
                tx.executeWithoutResult(s -> {
                    outbox.markFailed(id, "permanent SMTP refusal " + code + ": " + cause,
                            new EmailSettings.Retry(1, settings.retry().initialBackoff()));
                    String leadId = outbox.findById(id).leadId();
                    leads.suppress(leadId, "HARD_BOUNCE", clock.instant());
                    outbox.recordOutcome(leadId, id, EmailOutbox.Outcome.BOUNCED, clock.instant());
                });
                bounced.increment();
                log.warn("SMTP refused outbox row {} permanently ({}): address suppressed", id, cause);
                return;
            }
            var status = tx.execute(s -> outbox.markFailed(id, cause, settings.retry()));
            log.warn("SMTP delivery of outbox row {} failed ({}), now {}", id, cause, status);
        }
    }

    /** The SMTP server's reply code behind a failed send, wherever JavaMail and Spring put it; null if none. */
    static Integer smtpReplyCode(Throwable e) {
        java.util.Deque<Throwable> todo = new java.util.LinkedList<>(); // accepts the nulls of absent causes
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        todo.add(e);
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            if (t instanceof org.eclipse.angus.mail.smtp.SMTPAddressFailedException a) {
                return a.getReturnCode();
            }
            if (t instanceof org.eclipse.angus.mail.smtp.SMTPSendFailedException f) {
                return f.getReturnCode();
            }
            if (t instanceof org.eclipse.angus.mail.smtp.SMTPSenderFailedException f) {
                return f.getReturnCode();
            }
            if (t instanceof org.springframework.mail.MailSendException m) {
                todo.addAll(m.getFailedMessages().values());
            }
            if (t instanceof jakarta.mail.MessagingException m) {
                todo.add(m.getNextException());
            }
            todo.add(t.getCause());
        }
        return null;
    }

}
