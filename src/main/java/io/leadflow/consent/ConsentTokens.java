package io.leadflow.consent;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.leadflow.platform.Hashing;

/**
 * Random link tokens (160 bits from {@code SecureRandom}). Only their SHA-256 is stored, so the table cannot be
 * turned back into working links; a lookup by hash leaks nothing about the token through timing.
 */
@Component
class ConsentTokens {

    enum Purpose { CONFIRM, UNSUBSCRIBE, KEEP }

    /** @param emailId the email the link was written into; null for a link of no particular email */
    record Token(String hash, String leadId, Purpose purpose, Instant expiresAt, Instant usedAt, String emailId) {
    }

    private final JdbcClient jdbc;

    ConsentTokens(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    String issue(String leadId, Purpose purpose, Instant now, Duration validFor, String emailId) {
        String token = Hashing.randomToken();
        jdbc.sql("""
                insert into consent_tokens (token_hash, lead_id, purpose, created_at, expires_at, email_id)
                values (?, ?, ?, ?, ?, ?)""")
                .params(Hashing.sha256(token), leadId, purpose.name(), Timestamp.from(now),
                        Timestamp.from(now.plus(validFor)), emailId)
                .update();
        return token;
    }

    Optional<Token> find(String token, Purpose purpose) {
        if (token == null || token.isBlank() || token.length() > 100) {
            return Optional.empty();
        }
        return jdbc.sql("select * from consent_tokens where token_hash = ? and purpose = ?")
                .params(Hashing.sha256(token.trim()), purpose.name())
                .query((rs, n) -> new Token(rs.getString("token_hash"), rs.getString("lead_id"),
                        Purpose.valueOf(rs.getString("purpose")), rs.getTimestamp("expires_at").toInstant(),
                        rs.getTimestamp("used_at") == null ? null : rs.getTimestamp("used_at").toInstant(),
                        rs.getString("email_id")))
                .optional();
    }

    void markUsed(String hash, Instant now) {
        jdbc.sql("update consent_tokens set used_at = ? where token_hash = ? and used_at is null")
                .params(Timestamp.from(now), hash).update();
    }

    void deleteFor(String leadId) {
        jdbc.sql("delete from consent_tokens where lead_id = ?").param(leadId).update();
    }
}
