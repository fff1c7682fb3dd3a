package io.leadflow.imports;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;

/**
 * The re-permission campaign of imports made with {@code repermission}: the leads they created without proof of
 * opt-in wait in {@code import_repermissions} and get the double opt-in at most
 * {@code leadflow.imports.repermission-per-hour} at a time, because a sudden burst of email to an old list is what
 * spam filters watch for. The chunk that creates a lead queues it; this class only drains the queue.
 */
@Component
class Repermissions {

    private static final Logger log = LoggerFactory.getLogger(Repermissions.class);

    private final JdbcClient jdbc;
    private final Leads leads;
    private final TransactionTemplate tx;
    private final ApplicationEventPublisher events;
    private final ImportSettings settings;
    private final Clock clock;

    Repermissions(JdbcClient jdbc, Leads leads, TransactionTemplate tx, ApplicationEventPublisher events,
            ImportSettings settings, Clock clock) {
        this.jdbc = jdbc;
        this.leads = leads;
        this.tx = tx;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * Every minute, starts the double opt-in for queued leads up to {@code leadflow.imports.repermission-per-hour} in
     * any hour, on every node alike (the queue rows are claimed).
     */
    @Scheduled(initialDelayString = "PT20S", fixedDelayString = "PT1M")
    int startRepermissions() {
        Instant now = clock.instant();
        return tx.execute(s -> {
            int startedLastHour = jdbc.sql("select count(*) from import_repermissions where started_at > ?")
                    .param(Timestamp.from(now.minus(Duration.ofHours(1)))).query(Integer.class).single();
            int room = settings.repermissionPerHour() - startedLastHour;
            if (room <= 0) {
                return 0;
            }
            List<String> due = jdbc.sql("""
                    select lead_id from import_repermissions where started_at is null order by queued_at
                     fetch first """ + " " + room + " rows only for update skip locked")
                    .query(String.class).list();
            int started = 0;
            for (String leadId : due) {
                jdbc.sql("update import_repermissions set started_at = ? where lead_id = ?")
                        .params(Timestamp.from(now), leadId).update();
                Lead lead = leads.find(leadId).orElse(null);
                if (lead != null && lead.consent() == Lead.Consent.PENDING && lead.suppressedReason() == null
                        && !lead.erased()) {
                    events.publishEvent(new RepermissionRequested(leadId));
                    started++;
                }
            }
            if (started > 0) {
                log.info("Re-permission: double opt-in started for {} imported lead(s)", started);
            }
            return started;
        });
    }
}
