package io.leadflow.account;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.LeadAccounts;
import io.leadflow.lead.Leads;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

/**
 * Leads grouped by company. A lead joins the account that owns its email domain or a domain above it
 * ({@code eu.acme.com} finds {@code acme.com}); an unknown company domain gets an account of its own, named after the
 * lead's company field. A free-mail address (a person's, not a company's) joins an account only when its company field
 * names an existing one. Each lead's membership says how it was decided, and a marketer may move a lead or merge two
 * accounts; a lead moved by hand stays where it was put.
 */
@Service
public class Accounts implements LeadAccounts {

    private static final Logger log = LoggerFactory.getLogger(Accounts.class);

    /** How a lead came to be in its account, or in none. */
    public enum How { DOMAIN, COMPANY, MOVED, NONE }

    /** A lead to place: its id, address and company field as captured. */
    public record Candidate(String leadId, String email, String company) {
    }

    /** Where a lead stands: its account (null for none), how and why. */
    public record Membership(String leadId, String accountId, How how, String reason, Instant decidedAt) {
    }

    /**
     * An account: its first domain and all of them, the {@code account-score} table's last answer (score, whether it
     * is a marketing qualified account and why, null before its first scoring), and the leads in it (ids, oldest
     * first), and its owner in sales (null before one is set) and who set them ({@code HANDOFF} when accepting a
     * contact's handoff made them owner).
     */
    public record Account(String id, String name, String domain, List<String> domains, Integer score, boolean mqa,
            String owner, Instant ownerSince, String ownerSetBy, String scoreReason, Instant scoredAt, Instant mqaAt,
            List<String> contacts, Instant createdAt) {
    }

    /** The owner of the account a lead belongs to, as routing's {@code sticky} rule asks. */
    public record Ownership(String accountId, String domain, String owner) {
    }

    /** Who made an owner: the acceptance of a contact's handoff. */
    public static final String SET_BY_HANDOFF = "HANDOFF";

    private final JdbcClient jdbc;
    private final org.springframework.jdbc.core.JdbcTemplate batch;
    private final Leads leads;
    private final AccountScoring scoring;
    private final AccountSettings settings;
    private final Set<String> freeMail;
    private final Clock clock;
    private final TransactionTemplate ownTransaction;

    Accounts(JdbcClient jdbc, org.springframework.jdbc.core.JdbcTemplate batch, Leads leads, AccountScoring scoring,
            AccountSettings settings, Clock clock, PlatformTransactionManager tx) {
        this.jdbc = jdbc;
        this.batch = batch;
        this.leads = leads;
        this.scoring = scoring;
        this.settings = settings;
        this.freeMail = settings.freeMail();
        this.clock = clock;
        this.ownTransaction = new TransactionTemplate(tx);
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /** The domain of an address, lower case and as accounts match it; null when it has none. */
    public static String domainOf(String email) {
        return AccountDomains.ofEmail(email);
    }

    /** Whether the address is at a free-mail provider's domain (the person's own mailbox, not a company's). */
    public boolean isFreeMail(String email) {
        String domain = AccountDomains.ofEmail(email);
        return domain != null && AccountDomains.isFreeMail(domain, freeMail);
    }

    @Override
    public Optional<String> accountOf(String leadId) {
        return jdbc.sql("select account_id from account_members where lead_id = ?").param(leadId)
                .query((rs, n) -> Optional.ofNullable(rs.getString(1))).optional().flatMap(a -> a);
    }

    public Optional<Membership> membership(String leadId) {
        return jdbc.sql("select lead_id, account_id, how, reason, decided_at from account_members where lead_id = ?")
                .param(leadId).query((rs, n) -> new Membership(rs.getString(1), rs.getString(2),
                        How.valueOf(rs.getString(3)), rs.getString(4), rs.getTimestamp(5).toInstant()))
                .optional();
    }

    public Optional<Account> find(String id) {
        return jdbc.sql("""
                select id, name, created_at, score, mqa, score_reason, scored_at, mqa_at, owner, owner_since,
                       owner_set_by
                  from accounts where id = ? and merged_into is null""").param(id)
                .query((rs, n) -> {
                    Integer score = rs.getObject(4) == null ? null : rs.getInt(4);
                    List<String> domains = domains(id);
                    return new Account(rs.getString(1), rs.getString(2), domains.isEmpty() ? null : domains.get(0),
                            domains, score, rs.getBoolean(5), rs.getString(9), instant(rs.getTimestamp(10)),
                            rs.getString(11), rs.getString(6),
                            instant(rs.getTimestamp(7)), instant(rs.getTimestamp(8)), contacts(id),
                            rs.getTimestamp(3).toInstant());
                })
                .optional();
    }

    /** The owner of the lead's account, when the lead has an account and the account an owner. */
    public Optional<Ownership> ownerOfLead(String leadId) {
        return jdbc.sql("""
                select a.id, a.owner from account_members m join accounts a on a.id = m.account_id
                 where m.lead_id = ? and a.owner is not null""").param(leadId)
                .query((rs, n) -> new Ownership(rs.getString(1), null, rs.getString(2))).optional()
                .map(o -> new Ownership(o.accountId(), firstDomain(o.accountId()), o.owner()));
    }

    private String firstDomain(String accountId) {
        List<String> domains = domains(accountId);
        return domains.isEmpty() ? accountId : domains.get(0);
    }

    /**
     * Makes the user the owner of the lead's account when it has none yet: a rep accepting a contact's handoff takes
     * the account. False when the lead has no account or its account an owner already.
     */
    @Transactional
    public boolean claim(String leadId, String user) {
        String accountId = accountOf(leadId).orElse(null);
        if (accountId == null || user == null || !settings.ownerOnAccept()) {
            return false;
        }
        Timestamp now
 = Timestamp.from(clock.instant());
        boolean claimed = jdbc.sql("""
                update accounts set owner = ?, owner_since = ?, owner_set_by = ?, updated_at = ?
                 where id = ? and owner is null""").params(user, now, SET_BY_HANDOFF, now, accountId).update() == 1;
        if (claimed) {
            log.info("Account {} now owned by {}, who accepted the handoff of lead {}", accountId, user, leadId);
        }
        return claimed;
    }

    /** Sets (or with null, clears) the account's owner; the caller has checked that the user is in sales. */
    @Transactional
    public Account setOwner(String accountId, String owner, String by) {
        find(accountId).orElseThrow(() -> new NotFoundException("No account with id " + accountId));
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.sql("update accounts set owner = ?, owner_since = ?, owner_set_by = ?, updated_at = ? where id = ?")
                .params(owner, owner == null ? null : now, owner == null ? null : by, now, accountId).update();
        log.info("Account {} owner set to {} by {}", accountId, owner, by);
        return find(accountId).orElseThrow();
    }

    /** The account an account id now stands for: itself, or the one it was merged into. */
    public Optional<String> mergedInto(String id) {
        return jdbc.sql("select merged_into from accounts where id = ?").param(id).query(String.class).optional();
    }

    /** The account that owns this domain or one above it, as a lead of that domain would find it. */
    public Optional<Account> byDomain(String domain) {
        String d = AccountDomains.normalise(domain);
        if (d == null) {
            throw InvalidInputException.of("domain", "'" + domain + "' is not a domain: give one such as acme.com");
        }
        Map<String, String> owners = owners(AccountDomains.lookups(d));
        return firstOwned(d, owners).flatMap(found -> find(owners.get(found)));
    }

    /**
     * Places these leads, in the caller's transaction (the capture's, an import chunk's): a few statements whatever
     * their number. Leads already placed stay where they are. The accounts new company domains need are created in a
     * transaction of their own ({@link #createAll}), so two nodes creating the same one at once both end up with it.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void place(Collection<Candidate> candidates) {
        if (candidates.isEmpty()) {
            return;
        }
        Set<String> placed = Set.copyOf(jdbc.sql("select lead_id from account_members where lead_id in ("
                + marks(candidates.size()) + ")").params(candidates.stream().map(Candidate::leadId).toList())
                .query(String.class).list());
        List<Candidate> todo = candidates.stream().filter(c -> !placed.contains(c.leadId())).toList();
        // by lead: its domain, split into company domains and free-mail ones (with the company field's key)
        Map<String, String> domains = new HashMap<>();
        Map<String, String> companyDomains = new HashMap<>();
        Map<String, String> companyKeys = new HashMap<>();
        for (Candidate c : todo) {
            String domain = AccountDomains.ofEmail(c.email());
            if (domain == null) {
                continue;
            }
            domains.put(c.leadId(), domain);
            if (!AccountDomains.isFreeMail(domain, freeMail)) {
                companyDomains.put(c.leadId(), domain);
            } else if (AccountDomains.nameKey(c.company()) != null) {
                companyKeys.put(c.leadId(), AccountDomains.nameKey(c.company()));
            }
        }
        Map<String, String> owners = owners(companyDomains.values().stream()
                .flatMap(d -> AccountDomains.lookups(d).stream()).collect(java.util.stream.Collectors.toSet()));
        Map<String, Candidate> newDomains = new LinkedHashMap<>();
        for (Candidate c : todo) {
            String domain = companyDomains.get(c.leadId());
            if (domain != null && firstOwned(domain, owners).isEmpty()) {
                newDomains.putIfAbsent(AccountDomains.registered(domain), c);
            }
        }
        owners.putAll(createAll(newDomains));
        Map<String, String> byName = named(companyKeys.values());
        Timestamp now = Timestamp.from(clock.instant());
        List<Object[]> rows = new ArrayList<>();
        for (Candidate c : todo) {
            String domain = domains.get(c.leadId());
            Membership m;
            if (domain == null) {
                m = new Membership(c.leadId(), null, How.NONE, "no email domain", null);
            } else if (companyDomains.containsKey(c.leadId())) {
                String found = firstOwned(domain, owners).orElseThrow();
                m = new Membership(c.leadId(), owners.get(found), How.DOMAIN, found.equals(domain)
                        ? "email domain " + domain : "email domain " + domain + " belongs to " + found, null);
            } else if (companyKeys.containsKey(c.leadId()) && byName.containsKey(companyKeys.get(c.leadId()))) {
                m = new Membership(c.leadId(), byName.get(companyKeys.get(c.leadId())), How.COMPANY,
                        "free-mail address (" + domain + "); its company field names this account", null);
            } else {
                m = new Membership(c.leadId(), null, How.NONE, "free-mail address (" + domain
                        + ")" + (companyKeys.containsKey(c.leadId()) ? " and no account of that company name"
                                : " and no company given"), null);
            }
            rows.add(new Object[] {m.leadId(), m.accountId(), m.how().name(), m.reason(), now});
        }
        batch.batchUpdate("insert into account_members (lead_id, account_id, how, reason, decided_at)"
                + " values (?, ?, ?, ?, ?)", rows);
    }

    /** A marketer puts the lead in this account; it stays there whatever its domain says. */
    @Transactional
    public Membership move(String leadId, String accountId, String by) {
        liveLead(leadId);
        Account account = find(accountId).orElseThrow(() -> new NotFoundException("No account with id " + accountId));
        accountOf(leadId).ifPresent(scoring::due);
        scoring.due(account.id());
        return decide(leadId, account.id(), How.MOVED, "moved here by " + by);
    }

    /** A marketer takes the lead out of its account: it stays in none. */
    @Transactional
    public Membership detach(String leadId, String accountId, String by) {
        liveLead(leadId);
        if (!accountId.equals(accountOf(leadId).orElse(null))) {
            throw new NotFoundException("Lead " + leadId + " is not in account " + accountId);
        }
        scoring.due(accountId);
        return decide(leadId, null, How.NONE, "taken out of account " + accountId + " by " + by);
    }

    /**
     * Merges {@code fromId} into {@code intoId}: its domains and leads move, and its id answers with the account it
     * went into. Leads keep how they were placed.
     */
    @Transactional
    public Account merge(String intoId, String fromId, String by) {
        if (intoId.equals(fromId)) {
            throw InvalidInputException.of("accountId", "is this account itself: give the id of the account to merge into it");
        }
        find(intoId).orElseThrow(() -> new NotFoundException("No account with id " + intoId));
        find(fromId).orElseThrow(() -> InvalidInputException.of("accountId", "no account with id " + fromId
                + " (merged already?)"));
        jdbc.sql("update account_domains set account_id = ? where account_id = ?").params(intoId, fromId).update();
        jdbc.sql("update account_members set account_id = ?, reason = reason || ' (account merged by ' || ? || ')'"
                + " where account_id = ?").params(intoId, by, fromId).update();
        jdbc.sql("update accounts set merged_into = ?, updated_at = ? where id = ?")
                .params(intoId, Timestamp.from(clock.instant()), fromId).update();
        // the account merged into keeps its owner; one without takes the other's
        jdbc.sql("""
                update accounts set owner = (select f.owner from accounts f where f.id = ?),
                       owner_since = (select f.owner_since from accounts f where f.id = ?),
                       owner_set_by = (select f.owner_set_by from accounts f where f.id = ?)
                 where id = ? and owner is null""").params(fromId, fromId, fromId, intoId).update();

        jdbc.sql("update accounts set merged_into = ? where merged_into = ?").params(intoId, fromId).update();
        scoring.due(intoId);
        log.info("Account {} merged into {} by {}", fromId, intoId, by);
        return find(intoId).orElseThrow();
    }

    /**
     * An erased person belongs to no account any more; an account named after the company field they typed takes its
     * domain's name, and an account left without contacts goes with its domains (a domain may be the person's own).
     */
    void forget(String leadId) {
        String accountId = accountOf(leadId).orElse(null);
        jdbc.sql("delete from account_members where lead_id = ?").param(leadId).update();
        jdbc.sql("select id from accounts where named_by = ?").param(leadId).query(String.class).list()
                .forEach(named -> {
                    String domain = domains(named).stream().findFirst().orElse("account " + named);
                    jdbc.sql("update accounts set name = ?, name_key = ?, named_by = null where id = ?")
                            .params(domain, domain, named).update();
                });
        if (accountId != null && contacts(accountId).isEmpty()) {
            jdbc.sql("delete from account_domains where account_id = ?").param(accountId).update();
            jdbc.sql("delete from accounts where id = ?").param(accountId).update();
            jdbc.sql("delete from accounts where merged_into = ?").param(accountId).update();
            log.info("Account {} removed: its last contact was erased", accountId);
        }
    }

    int chunkSize() {
        return settings.backfillChunk();
    }

    private Membership decide(String leadId, String accountId, How how, String reason) {
        Instant now = clock.instant();
        int updated = jdbc.sql("update account_members set account_id = ?, how = ?, reason = ?, decided_at = ?"
                + " where lead_id = ?").params(accountId, how.name(), reason, Timestamp.from(now), leadId).update();
        if (updated == 0) {
            jdbc.sql("insert into account_members (lead_id, account_id, how, reason, decided_at) values (?, ?, ?, ?, ?)")
                    .params(leadId, accountId, how.name(), reason, Timestamp.from(now)).update();
        }
        return new Membership(leadId, accountId, how, reason, now);
    }

    private void liveLead(String leadId) {
        if (leads.find(leadId).filter(l -> !l.erased()).isEmpty()) {
            throw InvalidInputException.of("leadId", "no lead with id " + leadId);
        }
    }

    /**
     * The accounts these new company domains need, all in one transaction of their own (an import chunk brings
     * hundreds: one commit each was most of an import's time). If any was created meanwhile by another node, that
     * transaction rolls back and each is created on its own as {@link #create} does, joining the one that exists.
     *
     * @return the account of each domain
     */
    Map<String, String> createAll(Map<String, Candidate> newDomains) {
        if (newDomains.size() <= 1) {
            return createEach(newDomains);
        }
        Timestamp now = Timestamp.from(clock.instant());
        Map<String, String> ids = new LinkedHashMap<>();
        List<Object[]> accounts = new ArrayList<>();
        List<Object[]> domains = new ArrayList<>();
        // the domains in one order on every node: two batches sharing new domains wait for each other, never deadlock
        new java.util.TreeMap<>(newDomains).forEach((domain, first) -> {
            String id = UUID.randomUUID().toString();
            accounts.add(accountRow(id, domain, first, now));
            domains.add(new Object[] {domain, id, now});
            ids.put(domain, id);
        });
        try {
            ownTransaction.executeWithoutResult(tx -> {
                batch.batchUpdate("insert into accounts (id, name, name_key, named_by, created_at, updated_at)"
                        + " values (?, ?, ?, ?, ?, ?)", accounts);
                batch.batchUpdate("insert into account_domains (domain, account_id, added_at) values (?, ?, ?)",
                        domains);
            });
            log.info("{} accounts created for new company domains ({}{})", ids.size(),
                    String.join(", ", ids.keySet().stream().limit(3).toList()), ids.size() > 3 ? ", …" : "");
            return ids;
        } catch (org.springframework.dao.DataIntegrityViolationException
                | org.springframework.dao.ConcurrencyFailureException someCreatedMeanwhile) {
            log.info("Some of {} new company domains got an account meanwhile from another transaction ({}): each is"
                    + " created on its own", newDomains.size(), someCreatedMeanwhile.getClass().getSimpleName());
            return createEach(newDomains);
        }
    }

    /** Each domain's account in a transaction of its own ({@link #create}). */
    private Map<String, String> createEach(Map<String, Candidate> newDomains) {
        Map<String, String> created = new HashMap<>();
        newDomains.forEach((domain, first) -> created.put(domain, create(domain, first)));
        return created;
    }

    private String create(String domain, Candidate first) {
        String id = UUID.randomUUID().toString();
        Timestamp now = Timestamp.from(clock.instant());
        try {
            ownTransaction.executeWithoutResult(tx -> {
                jdbc.sql("""
                        insert into accounts (id, name, name_key, named_by, created_at, updated_at)
                        values (?, ?, ?, ?, ?, ?)""")
                        .params(accountRow(id, domain, first, now))
                        .update();
                jdbc.sql("insert into account_domains (domain, account_id, added_at) values (?, ?, ?)")
                        .params(domain, id, now).update();
            });
            log.info("Account {} created for {}", id, domain);
            return id;
        } catch (DuplicateKeyException anotherNodeCreatedIt) {
            log.info("Account for {} created meanwhile by another transaction: the lead joins it", domain);
            return owners(List.of(domain)).get(domain);
        }
    }

    /** A new account's row: named after the company its first lead typed, else after its domain. */
    private static Object[] accountRow(String id, String domain, Candidate first, Timestamp now) {
        String company = first.company();
        boolean named = company != null && !company.isBlank();
        String name = named ? company.trim() : domain;
        return new Object[] {id, io.leadflow.platform.Texts.truncate(name, 200),
                AccountDomains.nameKey(name) == null ? domain : AccountDomains.nameKey(name),
                named ? first.leadId() : null, now, now};
    }

    /** The most precise of the domain's lookups that an account owns. */
    private static Optional<String> firstOwned(String domain, Map<String, String> owners) {
        return AccountDomains.lookups(domain).stream().filter(owners::containsKey).findFirst();
    }

    private Map<String, String> owners(Collection<String> domains) {
        if (domains.isEmpty()) {
            return new HashMap<>();
        }
        Map<String, String> owners = new HashMap<>();
        jdbc.sql("select domain, account_id from account_domains where domain in (" + marks(domains.size()) + ")")
                .params(List.copyOf(domains)).query((rs, n) -> owners.put(rs.getString(1), rs.getString(2))).list();
        return owners;
    }

    private Map<String, String> named(Collection<String> keys) {
        Map<String, String> byName = new HashMap<>();
        if (keys.isEmpty()) {
            return byName;
        }
        // the oldest account of a name wins when two share it
        jdbc.sql("select name_key, id from accounts where merged_into is null and name_key in (" + marks(keys.size())
                + ") order by created_at desc").params(List.copyOf(Set.copyOf(keys)))
                .query((rs, n) -> byName.put(rs.getString(1), rs.getString(2))).list();
        return byName;
    }

    private List<String> domains(String id) {
        return jdbc.sql("select domain from account_domains where account_id = ? order by added_at, domain").param(id)
                .query(String.class).list();
    }

    private List<String> contacts(String id) {
        return jdbc.sql("select lead_id from account_members where account_id = ? order by decided_at, lead_id")
                .param(id).query(String.class).list();
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static String marks(int n) {
        return String.join(",", java.util.Collections.nCopies(n, "?"));
    }
}
