package io.leadflow.channel.crm;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The ids of CRM events applied ({@code crm-events}) and of pushes the CRM took ({@code crm-pushes}) make a
 * redelivery harmless; a CRM redelivers within hours, so they are kept for {@code leadflow.crm.replay-window}
 * ({@code P30D}) and then forgotten, hourly, on any node.
 */
@Component
class ReplayIds {

    private static final Logger log = LoggerFactory.getLogger(ReplayIds.class);

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration window;

    ReplayIds(JdbcClient jdbc, Clock clock, @Value("${leadflow.crm.replay-window:P30D}") Duration window) {
        if (window.isNegative() || window.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("leadflow.crm.replay-window: at least a day (P1D), as a CRM may"
                    + " redeliver an event for hours");
        }
        this.jdbc = jdbc;
        this.clock = clock;
        this.window = window;
    }

    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT5M")
    int forgetOld() {
        int forgotten = jdbc.sql("""
                delete from int_metadata_store where region in ('crm-events', 'crm-pushes') and created_at < ?""")
                .param(Timestamp.from(clock.instant().minus(window))).update();
        if (forgotten > 0) {
            log.info("Forgot {} CRM replay ids older than {}", forgotten, window);
        }
        return forgotten;
    }
}
