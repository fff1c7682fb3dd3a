package io.leadflow.lead;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.leadflow.platform.Texts;

/** The table {@code suppressions}. */
@Repository
class SuppressionRepository {

    private final JdbcClient jdbc;

    SuppressionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<String> reason(String addressHash) {
        return jdbc.sql("select reason from suppressions where address_hash = ?").param(addressHash)
                .query(String.class).optional();
    }

    /** Adds the entry unless the hash is listed already (whose first reason stays); true when added. */
    boolean add(String addressHash, String address, String reason, String source, Instant now) {
        if (reason(addressHash).isPresent()) {
            if (address != null) {
                jdbc.sql("update suppressions set address = ? where address_hash = ? and address is null")
                        .params(address, addressHash).update();
            }
            return false;
        }
        jdbc.sql("""
                insert into suppressions (address_hash, address, reason, source, created_at)
                values (?, ?, ?, ?, ?)""")
                .params(addressHash, address, reason, Texts.truncate(source, 200), Timestamp.from(now)).update();
        return true;
    }

    /** The person was erased: the address goes, the hash stays so the address is never mailed again. */
    void forgetAddress(String addressHash) {
        jdbc.sql("update suppressions set address = null where address_hash = ?").param(addressHash).update();
    }

    long count() {
        return jdbc.sql("select count(*) from suppressions").query(Long.class).single();
    }

    void each(Consumer<Suppressions.Entry> entry) {
        jdbc.sql("select address_hash, address, reason, source, created_at from suppressions order by created_at, address_hash")
                .query(rs -> {
                    entry.accept(new Suppressions.Entry(rs.getString("address"), rs.getString("address_hash"),
                            rs.getString("reason"), rs.getString("source"),
                            rs.getTimestamp("created_at").toInstant()));
                });
    }
}
