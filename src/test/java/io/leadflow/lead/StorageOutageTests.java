package io.leadflow.lead;

import org.junit.jupiter.api.Tag;
import io.leadflow.support.OwnContext;


import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
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
class StorageOutageTests {

    static EmbeddedPostgres postgres;

    @Autowired
    TestRestTemplate rest;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) throws IOException {
        postgres = EmbeddedPostgres.builder().start();
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

    @Test
    void answers503WithRetryAfterWhenTheDatabaseIsDown() throws IOException {
        assertThat(submit("before@acme-corp.io").getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);

        postgres.close();
        ResponseEntity<String> during = submit("during@acme-corp.io");

        assertThat(during.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(during.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();
        assertThat(during.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(during.getBody()).contains("Nothing was saved");
    }

    private ResponseEntity<String> submit(String email) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.exchange("/forms/newsletter", HttpMethod.POST,
                new HttpEntity<>(Map.of("email", email), headers), String.class);
    }
}
