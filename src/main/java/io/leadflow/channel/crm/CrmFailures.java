package io.leadflow.channel.crm;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.LeadErased;
import io.leadflow.platform.Texts;

/**
 * Pushes the CRM did not take, one row per lead and purpose. A failure is written in a transaction of its own: the
 * push's own transaction rolls back when the job fails, and the record must survive it.
 */
@Repository
class CrmFailures {

    private static final Logger log = LoggerFactory.getLogger(CrmFailures.class);

    record Failure(String id, String leadId, String purpose, String stepRef, String failureClass, Integer httpStatus,
            String crmAnswer, String message, int attempts, Instant firstFailedAt, Instant lastFailedAt,
            Instant replayedAt, Instant resolvedAt) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate ownTransaction;
    private final Clock clock;

    CrmFailures(JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock) {
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /** Returns the failure's id; null when it could not be written (the fault itself matters more). */
    String record(String leadId, String purpose, String stepRef, String failureClass, Integer httpStatus,
            String crmAnswer, String message) {
        try {
            return write(leadId, purpose, stepRef, failureClass, httpStatus, crmAnswer, message);
        } catch (RuntimeException e) {
            log.warn("Could not record the CRM failure of lead {} ({}): {}", leadId, purpose, e.toString());
            return null;
        }
    }

    private String write(String leadId, String purpose, String stepRef, String failureClass, Integer httpStatus,
            String crmAnswer, String message) {
        Instant now = clock.instant();
        return ownTransaction.execute(tx -> {
            int updated = update(leadId, purpose, stepRef, failureClass, httpStatus, crmAnswer, message, now);
            if (updated == 0) {
                try {
                    jdbc.sql("""
                            insert into crm_failures (id, lead_id, purpose, step_ref, failure_class, http_status,
                                   crm_answer, message, attempts, first_failed_at, last_failed_at)
                            values (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)""")
                            .params(UUID.randomUUID().toString(), leadId, purpose, stepRef, failureClass, httpStatus,
                                    Texts.truncate(crmAnswer, 1000), Texts.truncate(message, 2000), ts(now), ts(now))
                            .update();
                } catch (DuplicateKeyException concurrent) {
                    update(leadId, purpose, stepRef, failureClass, httpStatus, crmAnswer, message, now);
                }
            }
            return jdbc.sql("select id from crm_failures where lead_id = ? and purpose = ?").params(leadId, purpose)
                    .query(String.class).single();
        });
    }

    /** A failure after a success starts counting again. */
    private int update(String leadId, String purpose, String stepRef, String failureClass, Integer httpStatus,
            String crmAnswer, String message, Instant now) {
        return jdbc.sql("""
                update crm_failures set step_ref = ?, failure_class = ?, http_status = ?, crm_answer = ?, message = ?,
                       attempts = case when resolved_at is null then attempts + 1 else 1 end,
                       first_failed_at = case when resolved_at is null then first_failed_at else ? end,
                       last_failed_at = ?, resolved_at = null, replayed_at = null
                 where lead_id = ? and purpose = ?""")
                .params(stepRef, failureClass, httpStatus, Texts.truncate(crmAnswer, 1000),
                        Texts.truncate(message, 2000), ts(now), ts(now), leadId, purpose)
                .update();
    }

    /** In the successful push's transaction. */
    void resolve(String leadId, String purpose) {
        jdbc.sql("update crm_failures set resolved_at = ? where lead_id = ? and purpose = ? and resolved_at is null")
                .params(ts(clock.instant()), leadId, purpose).update();
    }

    void markReplayed(String id) {
        jdbc.sql("update crm_failures set replayed_at = ? where id = ?").params(ts(clock.instant()), id).update();
    }

    Optional<Failure> find(String id) {
        return jdbc.sql("select * from crm_failures where id = ?").param(id).query(CrmFailures::map).optional();
    }

    List<Failure> list(boolean resolved, int limit) {
        return jdbc.sql("select * from crm_failures where resolved_at is " + (resolved ? "not null" : "null")
                + " order by last_failed_at desc limit " + limit).query(CrmFailures::map).list();
    }

    /** The CRM's answer may quote the person's data. */
    @EventListener
    void onErased(LeadErased erased) {
        jdbc.sql("delete from crm_failures where lead_id = ?").param(erased.leadId()).update();
    }

    private static Failure map(ResultSet rs, int n) throws SQLException {
        return new Failure(rs.getString("id"), rs.getString("lead_id"), rs.getString("purpose"),
                rs.getString("step_ref"), rs.getString("failure_class"), rs.getObject("http_status", Integer.class),
                rs.getString("crm_answer"), rs.getString("message"), rs.getInt("attempts"),
                instant(rs.getTimestamp("first_failed_at")), instant(rs.getTimestamp("last_failed_at")),
                instant(rs.getTimestamp("replayed_at")), instant(rs.getTimestamp("resolved_at")));
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
