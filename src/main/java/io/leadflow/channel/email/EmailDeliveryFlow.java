package io.leadflow.channel.email;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.dsl.Pollers;
import org.springframework.integration.mail.dsl.Mail;
import org.springframework.integration.support.MessageBuilder;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * The outbound email flow, and nothing but its wiring: outbox poller → sender pool → preparation (rules checked at
 * send time) → SMTP outbound adapter, with an advice that records the result. SMTP faults are retried with back-off
 * and end as FAILED rows, never lost. Each step's work lives in its own class ({@link OutboxClaims} for the rows
 * this node holds, {@link EmailComposer} for the message, {@link SendResults} for what SMTP answered), so the
 * route an email takes reads here in one place. Keep the endpoint ids: tests stop and start the poller by its id.
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

    @Bean
    IntegrationFlow emailOutboundFlow() {
        return IntegrationFlow
                .from(() -> {
                    EmailOutbox.Row row = claims.nextClaimed();
                    return row == null ? null : MessageBuilder.<Object>withPayload(row).build();
                }, e -> e.id("emailOutboxPoller").poller(Pollers.fixedDelay(300).maxMessagesPerPoll(-1)))
                .channel(c -> c.executor("emailSenders", claims.senders()))
                .handle(EmailOutbox.Row.class, (row, headers) -> claims.prepare(row), e -> e.id("emailPreparation"))
                .handle(Mail.outboundAdapter(mailSender), e -> e.id("smtpOutbound").advice(results.recordResult()))
                .get();
    }
}
