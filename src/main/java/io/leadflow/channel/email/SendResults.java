package io.leadflow.channel.email;

import java.time.Clock;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedList;
import java.util.Set;

import jakarta.mail.MessagingException;

import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.integration.handler.advice.AbstractRequestHandlerAdvice;
import org.springframework.mail.MailSendException;
import org.springframework.messaging.Message;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.Errors;

/**
 * What the SMTP server did with each email, recorded on its outbox row: SENT (and {@link EmailSent} told), a retry
 * with back-off or FAILED after the last attempt, or a permanent refusal that suppresses the address (hard bounce).
 * It wraps the SMTP adapter as an advice, so the poller never sees an exception and no email is lost to one; and
 * the database work survives a killed connection, since what the SMTP server did cannot be undone.
 */
@Component
class SendResults {

    private static final Logger log = LoggerFactory.getLogger(SendResults.class);

    private final OutboxClaims claims;
    private final EmailOutbox outbox;
    private final Leads leads;
    private final EmailSettings settings;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final Counter sent;
    private final Counter failed;
    private final Counter bounced;

    SendResults(OutboxClaims claims, EmailOutbox outbox, Leads leads, EmailSettings settings, TransactionTemplate tx,
            ApplicationEventPublisher events, MeterRegistry registry, Clock clock) {
        this.claims = claims;
        this.outbox = outbox;
        this.leads = leads;
        this.settings = settings;
        this.tx = tx;
        this.events = events;
        this.clock = clock;
        this.sent = Counter.builder("leadflow.emails.sent").description("Emails accepted by the SMTP server")
                .register(registry);
        this.failed = Counter.builder("leadflow.emails.failed").description("SMTP attempts that failed")
                .register(registry);
        this.bounced = Counter.builder("leadflow.emails.bounced")
                .description("Emails refused permanently by the SMTP server (address suppressed)").register(registry);
    }

    /** The advice around the SMTP adapter; part of the flow's handler, not a bean of its own. */
    AbstractRequestHandlerAdvice recordResult() {
        return new RecordResult();
    }

    /** Records SENT (and tells listeners) or schedules a retry; the poller never sees an exception. */
    private final class RecordResult extends AbstractRequestHandlerAdvice {

        @Override
        protected Object doInvoke(ExecutionCallback callback, Object target, Message<?> message) {
            String id = (String) message.getHeaders().get(EmailComposer.OUTBOX_ID);
            if (!claims.takeForSmtp(id)) {
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
    }

    /**
     * The SMTP server took the email: it must never be sent again, even if recording that fails (a killed database
     * connection would otherwise count as a failed send, and the retry would be a duplicate). Tried again on a fresh
     * connection; if it still fails the row stays SENDING and is later marked FAILED ("delivery uncertain"), which
     * sends nothing.
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
     * on a fresh connection when the database fails meanwhile (a killed connection); if it still fails, the row goes
     * back to the outbox as it was. Left SENDING, it would end FAILED ("delivery uncertain"): a confirmation email
     * lost to a database blip.
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

    /** Pauses before each new try: the pool needs a moment to drop the connections a database blip killed. */
    private static final long[] PAUSES_MS = {0, 100, 300, 1000, 2000};

    /**
     * Runs the database work, up to five times over about three seconds when the database fails; null once done,
     * else the last failure. Tried at once again, a killed connection's pool mates were often dead too (CI saw three
     * tries in a row on closed connections leave a sent email "delivery uncertain").
     */
    private static RuntimeException onFreshConnections(Runnable work) {
        RuntimeException last = null;
        for (long pause : PAUSES_MS) {
            if (pause > 0) {
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return last;
                }
            }
            try {
                work.run();
                return null;
            } catch (DataAccessException | TransactionException e) {
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

    /** The SMTP server's reply code behind a failed send, wherever JavaMail and Spring put it; null if none. */
    static Integer smtpReplyCode(Throwable e) {
        Deque<Throwable> todo = new LinkedList<>(); // accepts the nulls of absent causes
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        todo.add(e);
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            if (t instanceof SMTPAddressFailedException a) {
                return a.getReturnCode();
            }
            if (t instanceof SMTPSendFailedException f) {
                return f.getReturnCode();
            }
            if (t instanceof SMTPSenderFailedException f) {
                return f.getReturnCode();
            }
            if (t instanceof MailSendException m) {
                todo.addAll(m.getFailedMessages().values());
            }
            if (t instanceof MessagingException m) {
                todo.add(m.getNextException());
            }
            todo.add(t.getCause());
        }
        return null;
    }
}
