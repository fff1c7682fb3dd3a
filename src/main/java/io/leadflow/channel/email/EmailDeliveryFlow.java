package io.leadflow.channel.email;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.dsl.Pollers;
import org.springframework.integration.mail.dsl.Mail;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.scheduling.Trigger;
import org.springframework.scheduling.TriggerContext;

/**
 * The outbound email flow, and nothing but its wiring: outbox poller → sender pool → preparation (rules checked at
 * send time) → SMTP outbound adapter, with an advice that records the result. SMTP faults are retried with back-off
 * and end as FAILED rows, never lost. Each step's work lives in its own class ({@link OutboxClaims} for the rows
 * this node holds, {@link EmailComposer} for the message, {@link SendResults} for what SMTP answered), so the
 * route an email takes reads here in one place. Keep the endpoint ids: tests stop and start the poller by its id.
 *
 * <p>The poller looks at the outbox every 300 ms while it is quiet, and again 20 ms after a look that found emails:
 * while captures come in, a confirmation no longer waits 150 ms on average for the next look (bench M12: the median
 * wait from the form to the SMTP server was 0.2 s at 50 and 100 captures/s, most of it that delay).
 */
@Configuration
class EmailDeliveryFlow {

    private final OutboxClaims claims;
    private final SendResults results;
    private final JavaMailSender mailSender;

    EmailDeliveryFlow(OutboxClaims claims, SendResults results, JavaMailSender mailSender) {
        this.claims = claims;
        this.results = results;
        this.mailSender = mailSender;
    }

    /** Quiet: 300 ms between looks at the outbox; busy (the last look found emails): 20 ms. */
    static final class OutboxTrigger implements Trigger {

        static final long QUIET_MILLIS = 300;
        static final long BUSY_MILLIS = 20;

        private final AtomicBoolean found = new AtomicBoolean();

        void found() {
            found.set(true);
        }

        @Override
        public Instant nextExecution(TriggerContext context) {
            Instant last = context.lastCompletion();
            Instant now = context.getClock().instant();
            return (last == null ? now : last).plusMillis(found.getAndSet(false) ? BUSY_MILLIS : QUIET_MILLIS);
        }
    }

    @Bean
    IntegrationFlow emailOutboundFlow() {
        OutboxTrigger trigger = new OutboxTrigger();
        return IntegrationFlow
                .from(() -> {
                    EmailOutbox.Row row = claims.nextClaimed();
                    if (row == null) {
                        return null;
                    }
                    trigger.found();
                    return MessageBuilder.<Object>withPayload(row).build();
                }, e -> e.id("emailOutboxPoller").poller(Pollers.trigger(trigger).maxMessagesPerPoll(-1)))
                .channel(c -> c.executor("emailSenders", claims.senders()))
                .handle(EmailOutbox.Row.class, (row, headers) -> claims.prepare(row), e -> e.id("emailPreparation"))
                .handle(Mail.outboundAdapter(mailSender), e -> e.id("smtpOutbound").advice(results.recordResult()))
                .get();
    }
}
