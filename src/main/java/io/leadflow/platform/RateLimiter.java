package io.leadflow.platform;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

/**
 * Fixed-window counters per key, in memory: cheap, and enough to stop one client flooding one node. Old windows
 * are dropped as they are passed.
 */
@Component
public class RateLimiter {

    private record Window(long start, int count) {
    }

    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Clock clock;

    public RateLimiter(Clock clock) {
        this.clock = clock;
    }

    /** Counts one more request for the key; throws when it is past the limit of this window. */
    public void acquire(String key, int limit, Duration window, String what) {
        long now = clock.millis();
        long size = window.toMillis();
        Window w = windows.compute(key, (k, old) -> old == null || now - old.start() >= size
                ? new Window(now, 1) : new Window(old.start(), old.count() + 1));
        if (w.count() > limit) {
            long retryAfter = Math.max(1, (w.start() + size - now + 999) / 1000);
            throw new TooManyRequestsException("Too many " + what + "; try again in " + retryAfter + " s", retryAfter);
        }
        if (windows.size() > 100_000) {
            windows.entrySet().removeIf(e -> now - e.getValue().start() >= size);
        }
    }
}
