package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import io.leadflow.support.ServiceTestBase;

/** List bombing and token guessing meet 429 with Retry-After. */
class RateLimitTests {

    @Nested
    class PerAddress extends ServiceTestBase {

        @Test
        void refusesTheEleventhSubmissionForOneAddressWithinAnHour() {
            String email = "bombed." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
            for (int i = 0; i < 10; i++) {
                assertThat(postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON)
                        .getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            }

            ResponseEntity<String> eleventh = postForm("/forms/newsletter", Map.of("email", email),
                    MediaType.APPLICATION_JSON);

            assertThat(eleventh.getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
            assertThat(eleventh.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).matches("\\d+");
            assertThat(eleventh.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(mailsTo(email, "Please confirm your subscription")).isLessThanOrEqualTo(1);
        }
    }

    @Nested
    class Windows {

        private final MovableClock clock = new MovableClock();
        private final RateLimiter limiter = new RateLimiter(clock);

        @Test
        void allowsTheLimitThenAsksToWaitUntilTheWindowEnds() {
            for (int i = 0; i < 3; i++) {
                limiter.acquire("ip:10.0.0.1", 3, Duration.ofMinutes(1), "requests");
            }
            clock.advance(Duration.ofSeconds(20));

            assertThatThrownBy(() -> limiter.acquire("ip:10.0.0.1", 3, Duration.ofMinutes(1), "requests"))
                    .isInstanceOfSatisfying(TooManyRequestsException.class,
                            e -> assertThat(e.retryAfterSeconds()).isEqualTo(40));
            limiter.acquire("ip:10.0.0.2", 3, Duration.ofMinutes(1), "requests");

            clock.advance(Duration.ofSeconds(40));
            limiter.acquire("ip:10.0.0.1", 3, Duration.ofMinutes(1), "requests");
        }
    }

    static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-11-23T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
