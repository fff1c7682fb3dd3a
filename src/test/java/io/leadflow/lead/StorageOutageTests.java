package io.leadflow.lead;

import org.junit.jupiter.api.Tag;
import io.leadflow.support.OwnContext;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.leadflow.support.ExternalServers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * With the database gone, a submission is answered at once with 503 and {@code Retry-After}, and nothing is
 * half-written: the visitor can simply retry. Runs on its own PostgreSQL, stopped in the middle of the test.
 */
@Tag(OwnContext.TAG)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "camunda.bpm.job-execution.enabled=false", "spring.datasource.hikari.connection-timeout=1000",
        // A second engine in this JVM must not replace or, when closed, unregister the shared "default" one.
        "camunda.bpm.generate-unique-process-engine-name=true",
        "spring.datasource.hikari.validation-timeout=500"})
@ActiveProfiles("test")
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StorageOutageTests {

    static EmbeddedPostgres postgres;

    @Autowired
    TestRestTemplate rest;

    @Autowired
    org.springframework.context.ApplicationContext context;

    static java.nio.file.Path dataDirectory;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) throws IOException {
        dataDirectory = java.nio.file.Files.createTempDirectory("leadflow-outage-pg");
        postgres = EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false).start();
        registry.add("spring.datasource.url", () -> postgres.getJdbcUrl("postgres", "postgres"));
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("spring.datasource.password", () -> "");
        ExternalServers.register(registry);
    }

    @AfterAll
    static void stop() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    /**
     * The database stops while a submission's transaction is half-way (the lead written, its confirmation email
     * not yet) and comes back: none of it is there, counted in the tables rather than read in a message, and the
     * visitor's second try makes one lead, one double opt-in and one confirmation.
     */
    @Test
    @Order(1)
    void leavesNothingOfASubmissionCutMidTransactionAndTakesItsRetryWhole() throws Exception {
        String email = "cut." + java.util.UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        Map<String, Long> before = counts(email);
        // the email sender would wait for the table too: only the submission may
        var emailSender = context.getBean("emailOutboxPoller", org.springframework.context.Lifecycle.class);
        emailSender.stop();
        var submitting = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.Future<ResponseEntity<String>> cut = null;
        try (java.sql.Connection holder = postgres.getPostgresDatabase().getConnection()) {
            holder.setAutoCommit(false);
            // the submission's transaction gets as far as queueing the confirmation email, and waits there
            holder.createStatement().execute("lock table email_outbox in exclusive mode");
            cut = submitting.submit(() -> submit(email));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
                try (var waiting = holder.createStatement().executeQuery("""
                        select count(*) from pg_locks where relation = 'email_outbox'::regclass and not granted""")) {
                    waiting.next();
                    return waiting.getInt(1) == 1;
                }
            });
            int port = postgres.getPort();
            postgres.close();
            postgres = EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false)
                    .setPort(port).start();
        } catch (java.sql.SQLException closedWithTheDatabase) {
            // the holder's connection went down with the server
        }
        assertThat(cut).as("the submission was started").isNotNull();
        ResponseEntity<String> during = cut.get(30, java.util.concurrent.TimeUnit.SECONDS);
        submitting.shutdown();

        assertThat(during.getStatusCode()).as(during.getBody()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(during.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
        assertThat(counts(email)).as("rows of the cut submission").isEqualTo(before);

        emailSender.start();
        ResponseEntity<String> retried = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> submit(email), r -> r.getStatusCode() == HttpStatus.ACCEPTED);

        assertThat(retried.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        Map<String, Long> after = counts(email);
        assertThat(after.get("lead")).isOne();
        assertThat(after.get("double opt-in")).isOne();
        assertThat(after.get("confirmation email")).isOne();
        assertThat(after.get("consent proofs")).isEqualTo(before.get("consent proofs") + 1);
    }

    /** What a submission of that address writes, counted straight in the tables. */
    private Map<String, Long> counts(String email) throws java.sql.SQLException {
        try (java.sql.Connection c = postgres.getPostgresDatabase().getConnection()) {
            java.util.function.Function<String, Long> count = sql -> {
                try (var st = c.prepareStatement(sql)) {
                    if (sql.contains("?")) {
                        st.setString(1, email);
                    }
                    try (var rs = st.executeQuery()) {
                        rs.next();
                        return rs.getLong(1);
                    }
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            };
            return Map.of(
                    "lead", count.apply("select count(*) from leads where email = ?"),
                    "double opt-in", count.apply("""
                            select count(*) from act_ru_execution e join leads l on l.id = e.business_key_
                             where l.email = ? and e.parent_id_ is null"""),
                    "confirmation email", count.apply("""
                            select count(*) from email_outbox o join leads l on l.id = o.lead_id
                             where l.email = ? and o.template = 'doi-confirmation'"""),
                    "consent proofs", count.apply(
                            "select (select count(*) from consent_ledger) + (select count(*) from consent_ledger_pending)"),
                    "process instances", count.apply("select count(*) from act_ru_execution where parent_id_ is null"),
                    "emails", count.apply("select count(*) from email_outbox"));
        }
    }

    @Test
    @Order(2)
    void answers503WithRetryAfterWhenTheDatabaseIsDown() throws IOException {
        assertThat(submit("before@acme-corp.io").getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);

        postgres.close();
        ResponseEntity<String> during = submit("during@acme-corp.io");

        assertThat(during.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(during.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
        assertThat(during.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(during.getBody()).contains("Nothing was saved");

        // signing in reads the user from the database, in the security filters: still a 503, never a 500
        HttpHeaders signedIn = new HttpHeaders();
        signedIn.setBasicAuth("demo", "demo");
        ResponseEntity<String> api = rest.exchange("/api/leads?email=before@acme-corp.io", HttpMethod.GET,
                new HttpEntity<>(signedIn), String.class);
        assertThat(api.getStatusCode()).as(api.getBody()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(api.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
        assertThat(api.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private ResponseEntity<String> submit(String email) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.exchange("/forms/newsletter", HttpMethod.POST,
                new HttpEntity<>(Map.of("email", email), headers), String.class);
    }
}
