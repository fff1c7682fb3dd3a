package io.leadflow.channel.email;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;

import jakarta.annotation.PreDestroy;
import jakarta.mail.internet.MimeMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.messaging.Message;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.leadflow.platform.Errors;

/**
 * The outbox rows this node claimed, from the claim until they reach the SMTP server: it claims due rows for the
 * poller, runs the senders that take them, prepares each one in the transaction that marks it handed to SMTP, and
 * gives back what never got there (a database failure, a stopping node). The claims and the sender pool are state
 * only this class touches, so it is also the one that shuts them down. It also resolves, on a schedule, the claims
 * of nodes that stopped while holding them: the other end of the same protocol.
 */
@Component
class OutboxClaims {

    private static final Logger log = LoggerFactory.getLogger(OutboxClaims.class);

    private final EmailOutbox outbox;
    private final EmailComposer composer;
    private final EmailSettings settings;
    private final TransactionTemplate tx;
    private final Counter uncertain;
    /**
     * Rows this node claimed that have not been handed to the SMTP server yet. Whoever removes an id first decides
     * its fate: the sender (it goes to SMTP) or the release on stop or failure (it goes back to PENDING), never both.
     */
    private final Set<String> claimedHere = ConcurrentHashMap.newKeySet();
    private ThreadPoolTaskExecutor senders;
    /** Rows claimed in the poller's last claim and not handed to a sender yet (the poller thread's own). */
    private final Queue<EmailOutbox.Row> claimed = new ArrayDeque<>();

    OutboxClaims(EmailOutbox outbox, EmailComposer composer, EmailSettings settings, TransactionTemplate tx,
            MeterRegistry registry) {
        this.outbox = outbox;
        this.composer = composer;
        this.settings = settings;
        this.tx = tx;
        this.uncertain = Counter.builder("leadflow.emails.uncertain")
                .description("Emails abandoned mid-send by a stopped node, not resent").register(registry);
    }

    /**
     * The next row claimed by this node, claiming the next few due rows in one commit when none is left (the poller
     * thread only). A poll goes on while rows are due and pauses only once the outbox has nothing due: pausing after
     * a fixed number of rows would cap a node's rate (after every 50 rows, at about 100 emails a second).
     */
    EmailOutbox.Row nextClaimed() {
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
     * queue of claimed rows). The pool is kept here, not as a bean, so that {@link #releaseUnsentClaims} decides
     * when it stops.
     */
    Executor senders() {
        var executor = new ThreadPoolTaskExecutor();
        senders = executor;
        executor.setThreadNamePrefix("email-sender-");
        executor.setCorePoolSize(settings.senders());
        executor.setMaxPoolSize(settings.senders());
        executor.setQueueCapacity(settings.senders());
        executor.setRejectedExecutionHandler(new ThreadPoolExecutor.CallerRunsPolicy());
        executor.setWaitForTasksToCompleteOnShutdown(true);
        executor.setAwaitTerminationSeconds(10);
        executor.initialize();
        return executor;
    }

    /**
     * Takes a claimed row for the SMTP server: true when it is still this node's to send, and from now on a release
     * leaves it alone. False when it was given back meanwhile (this node is stopping): another node sends it.
     */
    boolean takeForSmtp(String id) {
        return claimedHere.remove(id);
    }

    /**
     * A stopping node gives back what it claimed and never sent. By now its poller and the flow's endpoints have
     * stopped (lifecycle stop comes before destruction), so a claimed row waiting for a sender could only fail to be
     * dispatched; let the senders finish what they are sending, then put back every row that never reached SMTP.
     * Left SENDING, such a row would be marked FAILED ("delivery uncertain") once its claim expired though nobody
     * had sent it: a confirmation email lost with each node restart.
     */
    @PreDestroy
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
    Message<MimeMessage> prepare(EmailOutbox.Row row) {
        try {
            Message<MimeMessage> message = prepareInTransaction(row);
            if (message == null) {
                claimedHere.remove(row.id());
            }
            return message;
        } catch (DataAccessException | TransactionException e) {
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
            Message<MimeMessage> message = composer.build(row);
            if (message != null && !outbox.markHandedToSmtp(row,
                    (Integer) message.getHeaders().get(EmailComposer.TEMPLATE_VERSION),
                    (String) message.getHeaders().get(EmailComposer.RECIPIENT_DOMAIN))) {
                log.warn("Email {} for lead {} was held past its claim and went back to the outbox: another sender"
                        + " sends it", row.purpose(), row.leadId());
                return null;
            }
            return message;
        });
    }

    @Scheduled(fixedDelayString = "${leadflow.mail.claim-check-every:PT1M}",
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
}
