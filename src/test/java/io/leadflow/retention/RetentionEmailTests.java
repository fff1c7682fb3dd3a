package io.leadflow.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * Retention as people meet it, on the running service: an admin starts a run through the API, the silent lead gets
 * the retention email over real SMTP, opens its link, presses the button and stays; the ledger shows the question
 * and the answer. The lead's history is written as it would be after four years.
 */
class RetentionEmailTests extends ServiceTestBase {

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aSilentLeadIsAskedByEmailAndStaysByPressingTheButtonInIt() {
        String email = confirmedDecisionMaker("retained");
        String leadId = leadIdOf(email);
        Instant fourYearsAgo = Instant.now().minus(Duration.ofDays(4 * 365));
        jdbc.update("update leads set created_at = ?, confirmed_at = ? where id = ?", Timestamp.from(fourYearsAgo),
                Timestamp.from(fourYearsAgo.plusSeconds(3600)), leadId);
        jdbc.update("delete from engagement_events where lead_id = ?", leadId);
        assertThat(read(get("/api/retention/preview", "demo")).path("rules").get(0).path("leads").asLong())
                .isPositive();

        ResponseEntity<String> started = postJson("/api/retention/runs", "demo", Map.of());
        assertThat(started.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        String location = started.getHeaders().getLocation().toString();
        JsonNode run = await().atMost(Duration.ofSeconds(30)).until(() -> read(get(location, "demo")),
                r -> r.path("status").asText().equals("DONE"));
        assertThat(run.path("trigger").asText()).isEqualTo("manual");
        assertThat(run.path("rules").path("inactive-prospect").path("asked").asLong()).isPositive();
        assertThat(read(get("/api/retention/runs", "demo")).get(0).path("id").asText())
                .isEqualTo(run.path("id").asText());

        var message = awaitMail(email, "Do you still want our emails?");
        List<String> keep = links(message).stream().filter(l -> l.contains("/optin/keep?token=")).toList();
        assertThat(keep).as("the email's keep link, never rewritten through /r/").hasSize(1);
        String token = keep.get(0).substring(keep.get(0).indexOf("token=") + "token=".length());
        // the link names leadflow.public-url: open its path on this test's port
        ResponseEntity<String> page = rest.getForEntity(java.net.URI.create(url("/optin/keep?token=" + token)),
                String.class);
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(page.getBody()).contains("Keep receiving our emails?").contains("id=\"keep\"");
        assertThat(jdbc.queryForObject("select status from retention_notices where lead_id = ?", String.class,
                leadId)).as("a GET changes nothing: link scanners follow links").isEqualTo("WARNED");

        ResponseEntity<String> kept = postForm("/optin/keep", Map.of("token", token), MediaType.TEXT_HTML);
        assertThat(kept.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(kept.getBody()).contains("you stay on our list");
        assertThat(postForm("/optin/keep", Map.of("token", token), MediaType.TEXT_HTML).getBody())
                .contains("You told us already");
        assertThat(postForm("/optin/keep", Map.of("token", "not-a-token"), MediaType.TEXT_HTML).getStatusCode())
                .isEqualTo(HttpStatus.GONE);
        assertThat(jdbc.queryForObject("select status from retention_notices where lead_id = ?", String.class,
                leadId)).isEqualTo("KEPT");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                read(get("/api/leads/" + leadId + "/consent", "demo")).findValuesAsText("event"))
                .contains("REPERMISSION_SENT", "REPERMITTED"));
        assertThat(read(get("/api/retention/preview", "demo")).path("rules").get(0).path("awaitingAnswer").asLong())
                .as("nobody else in this service was silent for three years").isZero();
    }

    @Test
    void onlyAnAdminStartsARunAndNotWhileAnotherNodeWorksOnOne() {
        assertThat(postJson("/api/retention/runs", "alice", Map.of()).getStatusCode())
                .isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(get("/api/retention/runs?limit=0", "demo").getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(get("/api/retention/runs/nope", "demo").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);

        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from retention_runs where active = 1", Long.class) == 0);
        String held = java.util.UUID.randomUUID().toString();
        jdbc.update("insert into retention_runs (id, active, started_at, node, lease_until, trigger_kind, counts)"
                + " values (?, 1, ?, 'other-node', ?, 'schedule', '{}')", held, Timestamp.from(Instant.now()),
                Timestamp.from(Instant.now().plus(Duration.ofMinutes(5))));
        try {
            ResponseEntity<String> refused = postJson("/api/retention/runs", "demo", Map.of());
            assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
            assertThat(read(refused).path("detail").asText()).contains("/api/retention/runs/" + held);
        } finally {
            jdbc.update("delete from retention_runs where id = ?", held);
        }
    }
}
