package io.leadflow.account;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;

/**
 * Places the leads captured before accounts existed (or while a node ran an older version), once, in the background
 * after start: a chunk per transaction, with its progress in the log. Nothing to do when every living lead has a
 * place. Two nodes doing it at once only repeat a chunk: the one that loses it skips it.
 */
@Component
class AccountBackfill {

    private static final Logger log = LoggerFactory.getLogger(AccountBackfill.class);
    private static final List<Lead.Consent> LIVING = List.of(Lead.Consent.CONFIRMED, Lead.Consent.PENDING,
            Lead.Consent.UNSUBSCRIBED);

    private final Accounts accounts;
    private final Leads leads;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;

    AccountBackfill(Accounts accounts, Leads leads, JdbcClient jdbc, PlatformTransactionManager transactions) {
        this.accounts = accounts;
        this.leads = leads;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
    }

    @EventListener(ApplicationReadyEvent.class)
    void afterStart() {
        Thread thread = new Thread(this::run, "account-backfill");
        thread.setDaemon(true);
        thread.start();
    }

    /** Places every living lead that has no place yet; how many leads it looked at (0: nothing to do). */
    int run() {
        long living = LIVING.stream().mapToLong(leads::count).sum();
        long placed = jdbc.sql("select count(*) from account_members").query(Long.class).single();
        if (placed >= living) {
            return 0;
        }
        log.info("Accounts: placing the leads that have none yet (about {} of {})", living - placed, living);
        int done = 0;
        try {
            for (Lead.Consent consent : LIVING) {
                String after = "";
                while (true) {
                    List<Lead> page = leads.page(consent, after, accounts.chunkSize());
                    if (page.isEmpty()) {
                        break;
                    }
                    try {
                        tx.executeWithoutResult(t -> accounts.place(page.stream()
                                .map(l -> new Accounts.Candidate(l.id(), l.email(), l.company())).toList()));
                    } catch (DataAccessException anotherNodeTookIt) {
                        log.debug("Accounts: a chunk was placed meanwhile ({})", anotherNodeTookIt.getMessage());
                    }
                    done += page.size();
                    after = page.get(page.size() - 1).id();
                    if (done % (accounts.chunkSize() * 20) == 0) {
                        log.info("Accounts: {} of {} leads looked at", done, living);
                    }
                }
            }
            log.info("Accounts: every lead has its place ({} looked at)", done);
        } catch (RuntimeException e) {
            log.warn("Accounts: placing older leads stopped after {} ({}); the next start carries on", done,
                    e.toString());
        }
        return done;
    }
}
