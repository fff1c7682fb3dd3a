package io.leadflow.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.http.client.ClientHttpRequestFactorySettings.Redirects;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * The bulk rescore ({@code POST /api/scoring/rescore}): it rescores every confirmed lead not erased in the
 * background, counts what it changed, keeps its result in the database, runs one at a time, and is for marketers.
 * The deployed tables of {@code dmn/} score the leads; a lead "scored by an older table" is set up by writing what
 * that table would have left in the database.
 */
class BulkRescoreTests extends ServiceTestBase {

    private static final String MARKETER = "demo";

    @Autowired
    JdbcClient jdbc;

    @Autowired
    RepositoryService repository;

    @Autowired
    IdentityService identity;

    private String leadId(String email) {
        return read(get("/api/leads?email=" + email, MARKETER)).get(0).path("id").asText();
    }

    /** A confirmed lead whose journey has scored it once ({@code Evaluate score}), so nothing moves it later. */
    private String scoredConfirmedLead(String who) {
        String id = leadId(confirmedDecisionMaker(who));
        await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/leads/" + id + "/score/history",
                MARKETER)).size() > 0);
        return id;
    }

    private JsonNode start(Object body) {
        ResponseEntity<String> started = postJson("/api/scoring/rescore", MARKETER, body);
        assertThat(started.getStatusCode().value()).as(started.getBody()).isEqualTo(202);
        JsonNode run = read(started);
        assertThat(started.getHeaders().getLocation()).hasToString("/api/scoring/rescore/" + run.path("id").asText());
        return run;
    }

    private JsonNode finished(String id) {
        return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> read(get("/api/scoring/rescore/" + id, MARKETER)),
                        r -> !r.path("status").asText().equals("RUNNING"));
    }

    private long confirmedLeadsNotErased() {
        return jdbc.sql("select count(*) from leads where consent = 'CONFIRMED' and erased_at is null")
                .query(Long.class).single();
    }

    @Test
    void rescoresEveryConfirmedLeadInTheBackgroundAndCountsWhatItChanged() {
        String untouched = scoredConfirmedLead("rescore-untouched");
        String olderPoints = scoredConfirmedLead("rescore-older-points");
        String olderFit = scoredConfirmedLead("rescore-older-fit");
        String erased = scoredConfirmedLead("rescore-erased");
        rest.exchange(url("/api/leads/" + erased), HttpMethod.DELETE, new HttpEntity<>(basic(MARKETER)), String.class);
        String pending = read(postJson("/api/leads", MARKETER, Map.of("email",
                "rescore-pending." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io"))).path("id")
                .asText();
        // everyone up to date with the deployed tables first: what the second run changes is what is set up below
        assertThat(finished(start(Map.of()).path("id").asText()).path("status").asText()).isEqualTo("DONE");

        JsonNode fitBefore = read(get("/api/leads/" + olderFit, MARKETER));
        assertThat(fitBefore.path("grade").asText()).as("precondition: a decision maker's grade").isIn("A", "B");
        // a demo request recorded when engagement-points gave it nothing, and a fit from an older lead-fit-score
        jdbc.sql("""
                insert into engagement_events (id, lead_id, type, occurred_at, received_at, points, scored)
                values (?, ?, 'DEMO_REQUESTED', ?, ?, 0, true)""")
                .params(UUID.randomUUID().toString(), olderPoints, Timestamp.from(Instant.now()),
                        Timestamp.from(Instant.now()))
                .update();
        jdbc.sql("update leads set fit_score = 5, grade = 'D' where id = ?").param(olderFit).update();
        int untouchedHistory = read(get("/api/leads/" + untouched + "/score/history", MARKETER)).size();
        String untouchedStage = read(get("/api/leads/" + untouched, MARKETER)).path("stage").asText();
        long confirmed = confirmedLeadsNotErased();

        JsonNode started = start(Map.of("decisionKey", "engagement-points"));
        assertThat(started.path("status").asText()).isIn("RUNNING", "DONE");
        assertThat(started.path("total").asLong()).isEqualTo(confirmed);
        assertThat(started.path("startedAt").asText()).isNotEmpty();
        JsonNode run = finished(started.path("id").asText());

        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("DONE");
        assertThat(run.path("total").asLong()).isEqualTo(confirmed);
        assertThat(run.path("processed").asLong()).as("every confirmed lead, the erased and the pending left out")
                .isEqualTo(confirmed);
        assertThat(run.path("changed").asLong()).as("the two leads scored by older tables").isEqualTo(2);
        assertThat(run.path("becameMql").asLong()).isEqualTo(1);
        assertThat(run.path("gradeChanges").asLong()).isEqualTo(1);
        assertThat(run.path("finishedAt").asText()).isNotEmpty();
        assertThat(run.has("error")).isFalse();
        assertThat(run.path("decisionKey").asText()).isEqualTo("engagement-points");
        assertThat(run.path("startedBy").asText()).isEqualTo(MARKETER);
        for (String key : List.of("lead-fit-score", "engagement-points", "mql-decision")) {
            assertThat(run.path("versions").path(key).asInt()).as(key).isEqualTo(repository
                    .createDecisionDefinitionQuery().decisionDefinitionKey(key).latestVersion().singleResult()
                    .getVersion());
        }

        JsonNode points = read(get("/api/leads/" + olderPoints + "/score", MARKETER));
        assertThat(points.path("events").get(0).path("points").asInt()).as("a demo request's points now").isEqualTo(30);
        assertThat(read(get("/api/leads/" + olderPoints, MARKETER)).path("stage").asText()).isEqualTo("MQL");
        assertThat(read(get("/api/leads/" + olderPoints + "/score/history", MARKETER)).get(0).path("cause").asText())
                .isEqualTo("RESCORE");
        JsonNode fitAfter = read(get("/api/leads/" + olderFit, MARKETER));
        assertThat(fitAfter.path("grade").asText()).isEqualTo(fitBefore.path("grade").asText());
        assertThat(fitAfter.path("score").path("fit").asInt()).isEqualTo(fitBefore.path("score").path("fit").asInt());
        assertThat(read(get("/api/leads/" + untouched + "/score/history", MARKETER)).size())
                .as("a lead the run did not change gets no history row").isEqualTo(untouchedHistory);
        assertThat(read(get("/api/leads/" + untouched, MARKETER)).path("stage").asText()).isEqualTo(untouchedStage);
        assertThat(read(get("/api/leads/" + pending + "/score/history", MARKETER))).as("a pending lead is not scored")
                .isEmpty();

        JsonNode runs = read(get("/api/scoring/rescore", MARKETER));
        assertThat(runs.get(0)).as("the last runs, newest first").isEqualTo(run);
        assertThat(jdbc.sql("select count(*) from scoring_rescores where running = 1").query(Long.class).single())
                .as("no run holds the slot once it ended").isZero();
    }

    @Test
    void refusesASecondRunWhileOneRunsAndEndsARunItsNodeAbandoned() {
        // a run of another node, under way
        String other = UUID.randomUUID().toString();
        Timestamp now = Timestamp.from(Instant.now());
        jdbc.sql("""
                insert into scoring_rescores (id, status, running, fit_version, engagement_version, mql_version,
                                              started_by, total, processed, started_at, heartbeat_at)
                values (?, 'RUNNING', 1, 1, 1, 1, 'another-marketer', 500, 100, ?, ?)""")
                .params(other, now, now).update();
        try {
            ResponseEntity<String> second = postJson("/api/scoring/rescore", MARKETER, Map.of());

            assertThat(second.getStatusCode().value()).isEqualTo(409);
            assertThat(read(second).path("detail").asText()).contains(other, "another-marketer", "100 of 500");
            assertThat(read(get("/api/scoring/rescore/" + other, MARKETER)).path("status").asText())
                    .isEqualTo("RUNNING");

            // its node stopped committing chunks a while ago: the next start ends it and goes ahead
            jdbc.sql("update scoring_rescores set heartbeat_at = ? where id = ?")
                    .params(Timestamp.from(Instant.now().minus(Rescores.ABANDONED_AFTER).minusSeconds(60)), other)
                    .update();
            JsonNode started = start("");

            JsonNode abandoned = read(get("/api/scoring/rescore/" + other, MARKETER));
            assertThat(abandoned.path("status").asText()).isEqualTo("FAILED");
            assertThat(abandoned.path("error").asText()).startsWith("Abandoned");
            assertThat(abandoned.path("processed").asLong()).isEqualTo(100);
            assertThat(abandoned.path("finishedAt").asText()).isNotEmpty();
            assertThat(finished(started.path("id").asText()).path("status").asText()).isEqualTo("DONE");
        } finally {
            jdbc.sql("update scoring_rescores set status = 'FAILED', running = null where id = ? and running = 1")
                    .param(other).update();
        }
    }

    @Test
    void refusesAnUnknownTableAndAnswers404ForAnUnknownRun() {
        ResponseEntity<String> unknownTable = postJson("/api/scoring/rescore", MARKETER, Map.of("decisionKey", "nope"));

        assertThat(unknownTable.getStatusCode().value()).isEqualTo(400);
        assertThat(read(unknownTable).path("errors").get(0).path("field").asText()).isEqualTo("decisionKey");
        assertThat(get("/api/scoring/rescore/" + UUID.randomUUID(), MARKETER).getStatusCode().value()).isEqualTo(404);
    }

    @Test
    void listsEachScoringTableWithItsDeployedVersionsLatestFirst() {
        JsonNode tables = read(get("/api/scoring/tables", MARKETER));

        assertThat(tables.findValuesAsText("decisionKey"))
                .containsExactly("lead-fit-score", "engagement-points", "mql-decision");
        for (JsonNode table : tables) {
            String key = table.path("decisionKey").asText();
            List<Integer> versions = new ArrayList<>();
            table.path("versions").forEach(v -> versions.add(v.path("version").asInt()));
            assertThat(versions).as(key).isEqualTo(repository.createDecisionDefinitionQuery()
                    .decisionDefinitionKey(key).orderByDecisionDefinitionVersion().desc().list().stream()
                    .map(d -> d.getVersion()).toList());
            assertThat(table.path("versions").get(0).path("latest").asBoolean()).isTrue();
            assertThat(table.path("versions").get(0).path("deployedAt").asText()).isNotEmpty();
            for (int i = 1; i < table.path("versions").size(); i++) {
                assertThat(table.path("versions").get(i).path("latest").asBoolean()).isFalse();
            }
        }
    }

    @Test
    void isForMarketersAndAdministratorsOnly() {
        Map<String, String> others = Map.of("lab-sales", "SALES", "lab-manager", "SALES_MANAGER", "lab-integrator",
                "INTEGRATOR");
        others.forEach((id, group) -> {
            if (identity.createUserQuery().userId(id).count() == 0) {
                User user = identity.newUser(id);
                user.setPassword("demo");
                identity.saveUser(user);
                identity.createMembership(id, group);
            }
        });
        String someRun = "/api/scoring/rescore/" + UUID.randomUUID();
        for (String user : others.keySet()) {
            assertThat(get("/scoring", user).getStatusCode().value()).as(user + " /scoring").isEqualTo(403);
            assertThat(get("/api/scoring/tables", user).getStatusCode().value()).as(user).isEqualTo(403);
            assertThat(get("/api/scoring/rescore", user).getStatusCode().value()).as(user).isEqualTo(403);
            assertThat(get(someRun, user).getStatusCode().value()).as(user).isEqualTo(403);
            assertThat(postJson("/api/scoring/rescore", user, Map.of()).getStatusCode().value()).as(user)
                    .isEqualTo(403);
            assertThat(postJson("/api/scoring/backtest", user, Map.of()).getStatusCode().value()).as(user)
                    .isEqualTo(403);
        }
        assertThat(get("/scoring", MARKETER).getStatusCode().value()).isEqualTo(200);

        HttpHeaders browser = new HttpHeaders();
        browser.setAccept(List.of(MediaType.TEXT_HTML));
        ResponseEntity<String> anonymous = rest.withRedirects(Redirects.DONT_FOLLOW).exchange(url("/scoring"),
                HttpMethod.GET, new HttpEntity<>(browser), String.class);
        assertThat(anonymous.getStatusCode().value()).isEqualTo(302);
        assertThat(anonymous.getHeaders().getLocation().getPath()).isEqualTo("/login");
        assertThat(get("/api/scoring/rescore", null).getStatusCode().value()).isEqualTo(401);
        assertThat(postJson("/api/scoring/rescore", null, Map.of()).getStatusCode().value()).isEqualTo(401);
    }
}
