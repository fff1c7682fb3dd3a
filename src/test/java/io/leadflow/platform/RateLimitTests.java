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

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

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
    class ForwardedAddresses extends ServiceTestBase {

        @Autowired
        private JdbcClient jdbc;

        /** Without a proxy declared, anyone could name any address: X-Forwarded-For is not believed. */
        @Test
        void aForwardedForHeaderFromAnUndeclaredProxyIsIgnored() {
            String email = "forged-ip." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
            HttpHeaders headers = new HttpHeaders();
            headers.setContentType(MediaType.APPLICATION_JSON);
            headers.set("X-Forwarded-For", "198.51.100.9");
            assertThat(rest.postForEntity(url("/forms/newsletter"), new org.springframework.http.HttpEntity<>(
                    "{\"email\": \"" + email + "\"}", headers), String.class).getStatusCode())
                    .isEqualTo(HttpStatus.ACCEPTED);

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(jdbc.sql("""
                    select c.ip from consent_ledger c join leads l on l.id = c.lead_id
                     where l.email = ? and c.event = 'SUBMITTED'""").param(email).query(String.class).list())
                    .containsExactly("127.0.0.1"));
        }
    }

    @Nested
    class Windows extends ServiceTestBase {

        private final MovableClock clock = new MovableClock();
        @Autowired
        private JdbcClient jdbc;
        @Autowired
        private PlatformTransactionManager transactions;
        @Autowired
        private Hashing hashing;
        private RateLimiter limiter;

        @BeforeEach
        void limiterOnThisClock() {
            limiter = new RateLimiter(jdbc, transactions, clock, hashing);
        }

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

        @Test
        void keepsNoKeyInClearAndForgetsPassedWindows() {
            String key = "address:someone." + UUID.randomUUID() + "@acme-corp.io";
            limiter.acquire(key, 3, Duration.ofHours(1), "submissions");
            String stored = hashing.hmac("rate-limit:" + key);
            assertThat(jdbc.sql("select count(*) from rate_limit_windows where key_hash = ?").param(stored)
                    .query(Integer.class).single()).isOne();
            assertThat(jdbc.sql("select count(*) from rate_limit_windows where key_hash = ?")
                    .param(Hashing.sha256(key)).query(Integer.class).single()).as("no plain hash to look up").isZero();

            clock.advance(Duration.ofHours(1));
            limiter.forgetPassedWindows();

            assertThat(jdbc.sql("select count(*) from rate_limit_windows where key_hash = ?").param(stored)
                    .query(Integer.class).single()).isZero();
        }

        @Test
        void writesNothingForARequestPastTheLimit() {
            String key = "ip:10.9.9." + (int) (Math.random() * 250);
            for (int i = 0; i < 2; i++) {
                limiter.acquire(key, 2, Duration.ofMinutes(1), "requests");
            }
            String stored = hashing.hmac("rate-limit:" + key);
            for (int i = 0; i < 6; i++) {
                assertThatThrownBy(() -> limiter.acquire(key, 2, Duration.ofMinutes(1), "requests"))
                        .isInstanceOf(TooManyRequestsException.class);
            }

            assertThat(jdbc.sql("select hits from rate_limit_windows where key_hash = ?").param(stored)
                    .query(Integer.class).single()).as("counted up to the first refusal, no further").isEqualTo(3);
        }

        @Test
        void aCheckCountsNothingUntilTheFailuresAreCounted() {
            for (int i = 0; i < 5; i++) {
                limiter.requireBelow("login-user:carol", 2, Duration.ofMinutes(15), "failed sign-ins");
            }
            limiter.add("login-user:carol", Duration.ofMinutes(15));
            limiter.add("login-user:carol", Duration.ofMinutes(15));

            assertThatThrownBy(() -> limiter.requireBelow("login-user:carol", 2, Duration.ofMinutes(15),
                    "failed sign-ins")).isInstanceOf(TooManyRequestsException.class);
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
