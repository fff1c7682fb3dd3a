package io.leadflow.consent;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.platform.Hashing;

/**
 * Append-only proof of consent. Each entry's hash covers the previous entry's hash, so an edited or deleted row
 * breaks the chain. Personal values are chained only as keyed hashes; the raw IP and user agent sit in columns
 * that erasure clears without breaking anything.
 */
@Component
public class ConsentLedger {

    public enum Event { SUBMITTED, EMAIL_SENT, CONFIRMED, REMINDED, EXPIRED, UNSUBSCRIBED, PREFERENCES_CHANGED, ERASED }

    public record Entry(long seq, String leadId, String event, Instant occurredAt, String addressHmac, String ipHmac,
            String userAgentHmac, String ip, String userAgent, String consentText, String detail,
            String previousHash, String hash) {
    }

    public record Verification(boolean valid, long entries, Long firstBrokenSeq, String message) {
    }

    private final JdbcClient jdbc;
    private final Hashing hashing;
    private final Clock clock;

    ConsentLedger(JdbcClient jdbc, Hashing hashing, Clock clock) {
        this.jdbc = jdbc;
        this.hashing = hashing;
        this.clock = clock;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public void append(String leadId, Event event, String address, String ip, String userAgent, String consentText,
            String detail) {
        String addressHmac = address != null ? hashing.hmac(address) : knownAddressHmac(leadId);
        appendHashed(leadId, event, addressHmac, ip, userAgent, consentText, detail);
    }

    private void appendHashed(String leadId, Event event, String addressHmac, String ip, String userAgent,
            String consentText, String detail) {
        var head = jdbc.sql("select last_seq, last_hash from consent_ledger_head where id = 1 for update")
                .query((rs, n) -> new Object[] {rs.getLong(1), rs.getString(2)}).single();
        long seq = (Long) head[0] + 1;
        String previousHash = (String) head[1];
        Instant at = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        String ipHmac = hashing.hmac(ip);
        String uaHmac = hashing.hmac(userAgent);
        String ua = userAgent == null ? null : userAgent.substring(0, Math.min(400, userAgent.length()));
        String text = consentText == null ? null : consentText.substring(0, Math.min(200, consentText.length()));
        String hash = hash(seq, leadId, event.name(), at, addressHmac, ipHmac, uaHmac, text, detail, previousHash);
        jdbc.sql("""
                insert into consent_ledger (seq, lead_id, event, occurred_at, address_hmac, ip_hmac, user_agent_hmac,
                                            ip, user_agent, consent_text, detail, previous_hash, hash)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(seq, leadId, event.name(), Timestamp.from(at), addressHmac, ipHmac, uaHmac, ip, ua, text,
                        detail, previousHash, hash)
                .update();
        jdbc.sql("update consent_ledger_head set last_seq = ?, last_hash = ? where id = 1").params(seq, hash).update();
    }

    private String knownAddressHmac(String leadId) {
        return jdbc.sql("select address_hmac from consent_ledger where lead_id = ? and address_hmac is not null order by seq")
                .param(leadId).query(String.class).stream().findFirst().orElse(null);
    }

    /** Clears the raw values of one person; the chain only covers their hashes. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void eraseRawValues(String leadId) {
        jdbc.sql("update consent_ledger set ip = null, user_agent = null where lead_id = ?").param(leadId).update();
    }

    public List<Entry> entries(String leadId) {
        return jdbc.sql("select * from consent_ledger where lead_id = ? order by seq").param(leadId)
                .query(ConsentLedger::map).list();
    }

    public Verification verify() {
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

    private static Entry map(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        return new Entry(rs.getLong("seq"), rs.getString("lead_id"), rs.getString("event"),
                rs.getTimestamp("occurred_at").toInstant(), rs.getString("address_hmac"), rs.getString("ip_hmac"),
                rs.getString("user_agent_hmac"), rs.getString("ip"), rs.getString("user_agent"),
                rs.getString("consent_text"), rs.getString("detail"), rs.getString("previous_hash"),
                rs.getString("hash"));
    }
}
