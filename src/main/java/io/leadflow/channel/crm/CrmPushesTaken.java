package io.leadflow.channel.crm;

import java.util.Optional;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.integration.jdbc.metadata.JdbcMetadataStore;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Pushes the CRM has taken, by the try that made them (the push step's job): written in a transaction of its own the
 * moment the CRM answers, so that when the step's own transaction is lost afterwards (a database connection killed,
 * a failover) its next try finds the CRM's id here instead of pushing the lead again. A CRM that ignores
 * {@code Idempotency-Key} would otherwise hold the lead twice. Kept in Spring Integration's metadata store (region
 * {@code crm-pushes}); the value is the CRM's id, no personal data.
 */
@Component
class CrmPushesTaken {

    private static final Logger log = LoggerFactory.getLogger(CrmPushesTaken.class);
    private static final String NO_ID = "";

    private final JdbcMetadataStore taken;
    private final TransactionTemplate ownTransaction;

    CrmPushesTaken(DataSource dataSource, PlatformTransactionManager transactions) {
        this.taken = new JdbcMetadataStore(dataSource);
        this.taken.setRegion("crm-pushes");
        this.taken.afterPropertiesSet();
        this.ownTransaction = new TransactionTemplate(transactions);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** The CRM's id from an earlier try with this key that the CRM took (empty id: it answered none). */
    Optional<Optional<String>> earlier(String tryKey) {
        if (tryKey == null) {
            return Optional.empty();
        }
        String crmId = taken.get(tryKey);
        return crmId == null ? Optional.empty() : Optional.of(crmId.equals(NO_ID) ? Optional.empty() : Optional.of(crmId));
    }

    /** Best effort: when it cannot be written, a retry pushes again with the same idempotency key. */
    void record(String tryKey, String crmId) {
        if (tryKey == null) {
            return;
        }
        try {
            ownTransaction.executeWithoutResult(tx -> taken.putIfAbsent(tryKey, crmId == null ? NO_ID : crmId));
        } catch (RuntimeException e) {
            log.warn("Could not record that the CRM took push {} ({}); a retry would push it again with the same"
                    + " Idempotency-Key", tryKey, e.toString());
        }
    }
}
