package io.leadflow.consent;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Lazy;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.lead.Leads;
import io.leadflow.platform.Hashing;

/**
 * Append-only proof of consent. Each entry's hash covers the previous entry's hash, so an edited or deleted row
 * breaks the chain. Proofs are recorded in the transaction of the step they prove and sealed into the chain by
 * {@link #seal()} shortly after, so that concurrent steps never wait for each other on the chain's head. Personal values are chained only as keyed hashes; the raw IP and user agent sit in columns
 * that erasure clears without breaking anything.
 */
@Component
public class ConsentLedger {

    public enum Event {
        SUBMITTED, EMAIL_SENT, CONFIRMED, REMINDED, EXPIRED, UNSUBSCRIBED, PREFERENCES_CHANGED, ERASED, IMPORTED,
        /** Retention asked a silent lead whether it still wants to hear from us (the email went out). */
        REPERMISSION_SENT,
        /** The lead answered the retention email: consent renewed. */
        REPERMITTED,
        /** No answer in time: the lead was anonymised under the retention rule the detail names. */
        RETAINED_EXPIRED
    }

    public record Entry(long seq, String leadId, String event, Instant occurredAt, String addressHmac, String ipHmac,
            String userAgentHmac, String ip, String userAgent, String consentText, String detail,
            String previousHash, String hash) {
    }

    public record Verification(boolean valid, long entries, Long firstBrokenSeq, String message) {
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate batch;
    private final Hashing hashing;
    private final Clock clock;
    private final Leads leads;

    /** This bean through its proxy, so that {@link #seal()} runs in its own transaction when called from here. */
    @Autowired
    @Lazy
    private ConsentLedger self;

    private ConsentLedger self() {
        return self;
    }

    ConsentLedger(JdbcClient jdbc, JdbcTemplate batch, Hashing hashing, Clock clock, Leads leads) {
        this.leads = leads;
        this.jdbc = jdbc;
        this.batch = batch;
        this.hashing = hashing;
        this.clock = clock;
    }

    /** Records a proof in the caller's transaction; it joins the hash chain at the next sealing (within a second). */
    @Transactional(propagation = Propagation.MANDATORY)
    public void append(String leadId, Event event, String address, String ip, String userAgent, String consentText,
            String detail) {
        jdbc.sql(INSERT_PENDING).params(pending(new Proof(leadId, event, address, ip, userAgent, consentText, detail),
                clock.instant().truncatedTo(ChronoUnit.MILLIS))).update();
    }

    /** One proof to record; {@code address} may be null when the lead's address was recorded before. */
    public record Proof(String leadId, Event event, String address, String ip, String userAgent, String consentText,
            String detail) {
    }

    /** Records many proofs in one batch, in the caller's transaction (an import chunk's). */
    @Transactional(propagation = Propagation.MANDATORY)
    public void appendAll(List<Proof> proofs) {
        if (proofs.isEmpty()) {
            return;
        }
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        batch.batchUpdate(INSERT_PENDING, proofs.stream().map(p -> pending(p, at)).toList());
    }

    private static final String INSERT_PENDING = """
            insert into consent_ledger_pending (id, lead_id, event, occurred_at, address_hmac, ip_hmac,
                                                user_agent_hmac, ip, user_agent, consent_text, detail)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private Object[] pending(Proof p, Instant at) {
        String addressHmac = p.address() != null ? hashing.hmac(p.address()) : knownAddressHmac(p.leadId());
        String ua = p.userAgent() == null ? null : p.userAgent().substring(0, Math.min(400, p.userAgent().length()));
        String text = p.consentText() == null ? null
                : p.consentText().substring(0, Math.min(200, p.consentText().length()));
        return new Object[] {UUID.randomUUID().toString(), p.leadId(), p.event().name(), Timestamp.from(at),
                addressHmac, hashing.hmac(p.ip()), hashing.hmac(p.userAgent()), p.ip(), ua, text, p.detail()};
    }

    /**
     * Links the pending proofs into the chain, oldest first. The head row is locked, so one sealer at a time
     * (across nodes) extends the chain; returns how many entries were sealed.
     */
    @Scheduled(fixedDelayString = "PT0.5S")
    @Transactional
    public int seal() {
        var head = jdbc.sql("select last_seq, last_hash from consent_ledger_head where id = 1 for update")
                .query((rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)}).single();
        long seq = (Long) head[0];
        String previous = (String) head[1];
        // Lock the rows to seal before reading their values: an erasure either finishes first (and the rows are
        // read with their raw values cleared and the lead erased), or waits until they sit in the chain, where
        // its second statement clears them. Both sides lock in pending order, so they never deadlock.
        Map<String, String> leadOfRow = new HashMap<>();
        jdbc.sql("""
                select id, lead_id from consent_ledger_pending order by pending_order fetch first 1000 rows only
                for update""").query(rs -> {
                    leadOfRow.put(rs.getString(1), rs.getString(2));
                });
        if (leadOfRow.isEmpty()) {
            return 0;
        }
        Set<String> erasedLeads = leads.erasedAmong(Set.copyOf(leadOfRow.values()));
        List<Pending> pending = jdbc.sql("select * from consent_ledger_pending where id in (:ids) order by pending_order")
                .param("ids", leadOfRow.keySet())
                .query((rs, n) -> {
                    String leadId = rs.getString("lead_id");
                    boolean erased = erasedLeads.contains(leadId);
                    return new Pending(rs.getString("id"), leadId, rs.getString("event"),
                            rs.getTimestamp("occurred_at").toInstant(), rs.getString("address_hmac"),
                            rs.getString("ip_hmac"), rs.getString("user_agent_hmac"), erased ? null : rs.getString("ip"),
                            erased ? null : rs.getString("user_agent"), rs.getString("consent_text"),
                            rs.getString("detail"));
                })
                .list();
        for (Pending p : pending) {
            seq++;
            String hash = hash(seq, p.leadId(), p.event(), p.occurredAt(), p.addressHmac(), p.ipHmac(),
                    p.userAgentHmac(), p.consentText(), p.detail(), previous);
            jdbc.sql("""
                    insert into consent_ledger (seq, lead_id, event, occurred_at, address_hmac, ip_hmac, user_agent_hmac,
                                                ip, user_agent, consent_text, detail, previous_hash, hash)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(seq, p.leadId(), p.event(), Timestamp.from(p.occurredAt()), p.addressHmac(), p.ipHmac(),
                            p.userAgentHmac(), p.ip(), p.userAgent(), p.consentText(), p.detail(), previous, hash)
                    .update();
            jdbc.sql("delete from consent_ledger_pending where id = ?").param(p.id()).update();
            previous = hash;
        }
        if (!pending.isEmpty()) {
            jdbc.sql("update consent_ledger_head set last_seq = ?, last_hash = ? where id = 1").params(seq, previous)
                    .update();
        }
        return pending.size();
    }

    private record Pending(String id, String leadId, String event, Instant occurredAt, String addressHmac,
            String ipHmac, String userAgentHmac, String ip, String userAgent, String consentText, String detail) {
    }

    private String knownAddressHmac(String leadId) {
        return jdbc.sql("""
                select address_hmac from consent_ledger where lead_id = ? and address_hmac is not null
                union all
                select address_hmac from consent_ledger_pending where lead_id = ? and address_hmac is not null""")
                .params(leadId, leadId).query(String.class).stream().findFirst().orElse(null);
    }

    /** Clears the raw values of one person; the chain only covers their hashes. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void eraseRawValues(String leadId) {
        // Pending first, locked in the sealer's order: if a sealer is moving this person's entries right now, this
        // waits for it to commit, and the second statement then sees the entries it sealed.
        jdbc.sql("select id from consent_ledger_pending where lead_id = ? order by pending_order for update")
                .param(leadId).query(String.class).list();
        jdbc.sql("update consent_ledger_pending set ip = null, user_agent = null where lead_id = ?").param(leadId)
                .update();
        jdbc.sql("update consent_ledger set ip = null, user_agent = null where lead_id = ?").param(leadId).update();
    }

    /** A lead's proofs in order, sealed first so that each carries its hash. */
    public List<Entry> entries(String leadId) {
        self().seal();
        return jdbc.sql("select * from consent_ledger where lead_id = ? order by seq").param(leadId)
                .query(ConsentLedger::map).list();
    }

    public Verification verify() {
        self().seal();
        // The head first, then the entries it covers: an append committing meanwhile adds entries past the head's
        // seq (entry and head commit together), which are left to the next verification instead of called lost.
        var head = jdbc.sql("select last_seq, last_hash from consent_ledger_head where id = 1")
                .query((rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)}).single();
        long headSeq = (Long) head[0];
        String previous = "0".repeat(64);
        long count = 0;
        long expectedSeq = 1;
        for (Entry e : jdbc.sql("select * from consent_ledger where seq <= ? order by seq").param(headSeq)
                .query(ConsentLedger::map).list()) {
            count++;
            if (e.seq() != expectedSeq) {
                return new Verification(false, count, expectedSeq, "Entry " + expectedSeq + " is missing");
            }
            String recomputed = hash(e.seq(), e.leadId(), e.event(), e.occurredAt(), e.addressHmac(), e.ipHmac(),
                    e.userAgentHmac(), e.consentText(), e.detail(), previous);
            if (!e.previousHash().equals(previous) || !e.hash().equals(recomputed)) {
                return new Verification(false, count, e.seq(), "Entry " + e.seq() + " was altered");
            }
            previous = e.hash();
            expectedSeq++;
        }
        if (count != headSeq || !head[1].equals(previous)) {
            return new Verification(false, count, expectedSeq, "The newest entries were deleted");
        }
        return new Verification(true, count, null, "The ledger is intact");
    }

    private static String hash(long seq, String leadId, String event, Instant at, String addressHmac, String ipHmac,
            String uaHmac, String consentText, String detail, String previousHash) {
        return Hashing.sha256(String.join("|", String.valueOf(seq), leadId, event, at.toString(),
                String.valueOf(addressHmac), String.valueOf(ipHmac), String.valueOf(uaHmac),
                String.valueOf(consentText), String.valueOf(detail), previousHash));
    }

    private static Entry map(ResultSet rs, int n) throws SQLException {
        return new Entry(rs.getLong("seq"), rs.getString("lead_id"), rs.getString("event"),
                rs.getTimestamp("occurred_at").toInstant(), rs.getString("address_hmac"), rs.getString("ip_hmac"),
                rs.getString("user_agent_hmac"), rs.getString("ip"), rs.getString("user_agent"),
                rs.getString("consent_text"), rs.getString("detail"), rs.getString("previous_hash"),
                rs.getString("hash"));
    }
}
