package io.leadflow.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fixed-window counters per key, in the database every node shares: one client gets the same limit whichever node
 * it reaches, and a node's restart forgets nothing. Windows are aligned on the epoch so that all nodes count in the
 * same one (each node by its own clock: keep them in time with NTP). Keys are stored as keyed hashes (HMAC with the
 * instance secret: a limit per email address keeps no address, nor anything a dictionary could turn back into one),
 * and windows are deleted once passed, so the table holds only the current windows. A request past the limit writes
 * nothing: a flood queues on no row lock.
 */
@Component
public class RateLimiter {

    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);
    private static final int TRIES = 3;

    private final JdbcClient jdbc;
    private final TransactionTemplate ownTransaction;
    private final Clock clock;
    private final Hashing hashing;

    public RateLimiter(JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock, Hashing hashing) {
        this.hashing = hashing;
        this.jdbc = jdbc;
        this.ownTransaction = new TransactionTemplate(transactions);
        // counted whether or not the caller's transaction commits, and the row lock held only for this count
        this.ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /** Counts one more request for the key; throws when it is past the limit of this window. */
    public void acquire(String key, int limit, Duration window, String what) {
        if (count(key, window, limit) > limit) {
            throw tooMany(window, what);
        }
    }

    /** Throws, counting nothing, when the key already reached the limit of this window (e.g. failed sign-ins). */
    public void requireBelow(String key, int limit, Duration window, String what) {
        if (hits(hash(key), windowStart(window)).orElse(0) >= limit) {
            throw tooMany(window, what);
        }
    }

    /** Counts one more for the key in this window and answers the window's count. */
    public int add(String key, Duration window) {
        return count(key, window, Integer.MAX_VALUE);
    }

    /**
     * Counts one more unless the window already holds more than {@code limit} (then nothing is written and the
     * answer is past the limit); answers the window's count.
     */
    private int count(String key, Duration window, int limit) {
        String hash = hash(key);
        long start = windowStart(window);
        for (int attempt = 1; ; attempt++) {
            try {
                return ownTransaction.execute(s -> {
                    int updated = jdbc.sql("update rate_limit_windows set hits = hits + 1"
                            + " where key_hash = ? and window_start = ? and hits <= ?").params(hash, start, limit)
                            .update();
                    if (updated == 0) {
                        Optional<Integer> over = hits(hash, start);
                        if (over.isPresent()) {
                            return over.get();
                        }
                        jdbc.sql("insert into rate_limit_windows (key_hash, window_start, hits, expires_at)"
                                + " values (?, ?, 1, ?)").params(hash, start, start + window.toMillis()).update();
                        return 1;
                    }
                    return hits(hash, start).orElseThrow();
                });
            } catch (DuplicateKeyException raced) {
                // another node opened the same window at the same moment: count in its row
                if (attempt == TRIES) {
                    throw raced;
                }
            }
        }
    }

    /** The count of the key's window, if it has one. */
    private Optional<Integer> hits(String hash, long start) {
        return jdbc.sql("select hits from rate_limit_windows where key_hash = ? and window_start = ?")
                .params(hash, start).query(Integer.class).optional();
    }

    private String hash(String key) {
        return hashing.hmac("rate-limit:" + key);
    }

    private long windowStart(Duration window) {
        long size = window.toMillis();
        return clock.millis() / size * size;
    }

    private TooManyRequestsException tooMany(Duration window, String what) {
        long size = window.toMillis();
        long now = clock.millis();
        long retryAfter = Math.max(1, (now / size * size + size - now + 999) / 1000);
        return new TooManyRequestsException("Too many " + what + "; try again in " + retryAfter + " s", retryAfter);
    }

    /** Passed windows go: any node may run this, deleting what another already deleted changes nothing. */
    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
    void forgetPassedWindows() {
        int deleted = jdbc.sql("delete from rate_limit_windows where expires_at <= ?").param(clock.millis()).update();
        if (deleted > 0) {
            log.debug("Forgot {} passed rate-limit windows", deleted);
        }
    }
}
