package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.springframework.scheduling.support.SimpleTriggerContext;

/** The outbox is looked at again 20 ms after a look that found emails, 300 ms after one that found none. */
class OutboxTriggerTests {

    private static final Instant T = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void looksAgainSoonWhileEmailsComeAndRestsWhileTheOutboxIsQuiet() {
        var trigger = new EmailDeliveryFlow.OutboxTrigger();
        var context = new SimpleTriggerContext(Clock.fixed(T, ZoneOffset.UTC));
        assertThat(trigger.nextExecution(context)).as("first look").isEqualTo(T.plusMillis(300));

        context.update(T, T, T.plusMillis(5));
        trigger.found();
        assertThat(trigger.nextExecution(context)).as("after a look that found emails").isEqualTo(T.plusMillis(25));
        context.update(T.plusMillis(25), T.plusMillis(25), T.plusMillis(30));
        assertThat(trigger.nextExecution(context)).as("after an empty look").isEqualTo(T.plusMillis(330));
    }
}
