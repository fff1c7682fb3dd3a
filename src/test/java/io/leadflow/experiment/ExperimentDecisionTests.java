package io.leadflow.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.consent.ConsentService;
import io.leadflow.lead.Leads;
import io.leadflow.support.ServiceTestBase;

/**
 * Experiments on the real service and database. Decisions are tested on synthetic outcomes whose answer is known:
 * assignments of leads long ago (three years, outside every analytics period the other tests read) and the MQL
 * entries of those who qualified, as the lead module writes them. The guard counts real unsubscribes through the
 * one-click link. Each test has experiments of its own.
 */
class ExperimentDecisionTests extends ServiceTestBase {

    private static final Instant LONG_AGO = Instant.now().minus(Duration.ofDays(3 * 365));

    @Autowired
    Experiments experiments;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    ConsentService consent;

    @Autowired
    Leads leads;

    private ExperimentPlan plan(String key, String variants, String onDecision, int minLeads) {
        ExperimentPlan plan = ExperimentPlan.parse(Map.of("experiment", key, "variants", variants, "metric", "mql",
                "window", "P14D", "minLeads", String.valueOf(minLeads), "onDecision", onDecision));
        experiments.register(plan, "nurture", "Task_Split");
        return plan;
    }

    /** {@code n} leads drawn into the variant long ago, of whom {@code mqls} became MQLs within their window. */
    private List<String> sample(String key, String variant, int n, int mqls) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String leadId = UUID.randomUUID().toString();
            ids.add(leadId);
            jdbc.update("""
                    insert into experiment_assignments (experiment_key, lead_id, variant, in_sample, assigned_at,
                                                        window_ends_at) values (?, ?, ?, true, ?, ?)""",
                    key, leadId, variant, Timestamp.from(LONG_AGO), Timestamp.from(LONG_AGO.plus(Duration.ofDays(14))));
            if (i < mqls) {
                jdbc.update("insert into stage_history (lead_id, stage, entered_at) values (?, 'MQL', ?)", leadId,
                        Timestamp.from(LONG_AGO.plus(Duration.ofDays(3))));
            }
        }
        return ids;
    }

    private Set<String> variantsOfNewLeads(ExperimentPlan plan, int leads) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < leads; i++) {
            seen.add(experiments.assign(plan, UUID.randomUUID().toString(), "nurture", "Task_Split"));
        }
        return seen;
    }

    private JsonNode report(String key) {
        return read(get("/api/analytics/experiments/" + key, "demo"));
    }

    @Test
    void decidesAClearWinnerOnceKeepsItsFiguresAndRoutesEveryNewLeadToIt() {
        ExperimentPlan plan = plan("clear-winner", "A 50, B 50", "winner", 100);
        List<String> drawnA = sample("clear-winner", "A", 150, 15);
        sample("clear-winner", "B", 150, 45);

        assertThat(experiments.evaluateAll()).contains("clear-winner");

        JsonNode report = report("clear-winner");
        assertThat(report.path("state").asText()).isEqualTo("DECIDED");
        assertThat(report.path("winner").asText()).isEqualTo("B");
        assertThat(report.path("decidedBy").asText()).isEqualTo("statistical-test");
        assertThat(report.path("decision").asText()).startsWith("B won at 95.0 % confidence: 30.0 % of its leads"
                + " became MQLs within P14D, against A 10.0 % (p = ");
        assertThat(report.path("routing").asText()).isEqualTo("Every new lead takes B.");
        JsonNode a = report.path("variants").get(0);
        assertThat(a.path("variant").asText()).isEqualTo("A");
        assertThat(a.path("leads").asLong()).isEqualTo(150);
        assertThat(a.path("matured").asLong()).isEqualTo(150);
        assertThat(a.path("mqls").asLong()).isEqualTo(15);
        assertThat(a.path("rate").asDouble()).isEqualTo(0.1);
        assertThat(a.path("low").asDouble()).isBetween(0.05, 0.1);
        assertThat(a.path("high").asDouble()).isBetween(0.1, 0.17);
        assertThat(experiments.find("clear-winner").decisionFigures()).contains("\"variant\":\"B\"", "\"mqls\":45");

        // every new lead takes the winner, outside the sample; a lead drawn before keeps its variant
        assertThat(variantsOfNewLeads(plan, 20)).containsExactly("B");
        assertThat(experiments.assign(plan, drawnA.get(0), "nurture", "Task_Split")).isEqualTo("A");
        assertThat(report("clear-winner").path("variants").get(1).path("routed").asLong()).isEqualTo(20);
        assertThat(report("clear-winner").path("variants").get(1).path("leads").asLong()).isEqualTo(150);
        // decided once: the next look changes nothing
        assertThat(experiments.evaluateAll()).doesNotContain("clear-winner");
    }

    @Test
    void noDifferenceIsDecidedWithoutAWinnerAndLeadsAreStillSplit() {
        ExperimentPlan plan = plan("no-difference", "A 50, B 50", "winner", 100);
        sample("no-difference", "A", 150, 30);
        sample("no-difference", "B", 150, 33);

        assertThat(experiments.evaluateAll()).contains("no-difference");

        JsonNode report = report("no-difference");
        assertThat(report.path("state").asText()).isEqualTo("DECIDED");
        assertThat(report.has("winner")).isFalse();
        assertThat(report.path("decision").asText()).startsWith("No variant won at 95.0 % confidence");
        assertThat(report.path("routing").asText()).contains("still split at random", "no variant won");
        assertThat(variantsOfNewLeads(plan, 40)).containsExactlyInAnyOrder("A", "B");
    }

    @Test
    void decidesNothingBeforeEveryVariantHasItsSampleHoweverLargeTheGap() {
        plan("too-few", "A 50, B 50", "winner", 100);
        sample("too-few", "A", 99, 0);
        sample("too-few", "B", 150, 120);
        // leads drawn today: their window has not ended, they are not judged yet
        for (int i = 0; i < 20; i++) {
            experiments.assign(experiments.find("too-few").plan(), UUID.randomUUID().toString(), "nurture",
                    "Task_Split");
        }

        assertThat(experiments.evaluateAll()).doesNotContain("too-few");

        JsonNode report = report("too-few");
        assertThat(report.path("state").asText()).isEqualTo("RUNNING");
        assertThat(report.path("verdict").asText()).startsWith(
                "Waiting for 100 leads per variant whose P14D window has ended: A needs 1 more");
        assertThat(report.path("variants").get(0).path("leads").asLong()
                + report.path("variants").get(1).path("leads").asLong()).isEqualTo(99 + 150 + 20);
    }

    @Test
    void withKeepTheWinnerIsOnlyReported() {
        ExperimentPlan plan = plan("keep-splitting", "A 50, B 50", "keep", 100);
        sample("keep-splitting", "A", 150, 15);
        sample("keep-splitting", "B", 150, 45);

        experiments.evaluateAll();

        assertThat(report("keep-splitting").path("winner").asText()).isEqualTo("B");
        assertThat(report("keep-splitting").path("routing").asText()).contains("the winner is only reported");
        assertThat(variantsOfNewLeads(plan, 40)).containsExactlyInAnyOrder("A", "B");
    }

    @Test
    void theGuardStopsAVariantWhoseLeadsUnsubscribeAndNobodyNewTakesIt() {
        ExperimentPlan plan = plan("guarded", "A 40, B 30, C 30", "winner", 100);
        sample("guarded", "A", 10, 0);
        sample("guarded", "C", 10, 0);
        List<String> drawnB = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String leadId = leadIdOf(confirmedDecisionMaker("guard" + i));
            drawnB.add(leadId);
            jdbc.update("""
                    insert into experiment_assignments (experiment_key, lead_id, variant, in_sample, assigned_at,
                                                        window_ends_at) values ('guarded', ?, 'B', true, ?, ?)""",
                    leadId, Timestamp.from(Instant.now().minusSeconds(60)),
                    Timestamp.from(Instant.now().plus(Duration.ofDays(14))));
        }
        assertThat(experiments.evaluateAll()).doesNotContain("guarded");

        // one of the ten unsubscribes through the link of an email: 10 %, above the 3 % guard
        String link = consent.linksFor(leads.get(drawnB.get(3)), "nurture-value", null).get("unsubscribeUrl");
        postForm(link + "&List-Unsubscribe=One-Click", Map.of(), MediaType.TEXT_PLAIN);
        assertThat(experiments.evaluateAll()).contains("guarded");

        JsonNode b = report("guarded").path("variants").get(1);
        assertThat(b.path("active").asBoolean()).isFalse();
        assertThat(b.path("unsubscribes").asLong()).isOne();
        assertThat(b.path("stopReason").asText()).isEqualTo("Guard: 1 of its 10 leads unsubscribed or complained"
                + " (10.0 %), above the 3.0 % the experiment allows");
        assertThat(report("guarded").path("state").asText()).isEqualTo("RUNNING");
        assertThat(variantsOfNewLeads(plan, 60)).containsExactlyInAnyOrder("A", "C");
        assertThat(experiments.assign(plan, drawnB.get(0), "nurture", "Task_Split")).as("a lead keeps its variant")
                .isEqualTo("B");
        JsonNode timeline = read(get("/api/leads/" + drawnB.get(0) + "/timeline", "demo"));
        assertThat(timeline.path("entries").findParents("kind").stream()
                .filter(e -> e.path("kind").asText().equals("EXPERIMENT"))
                .map(e -> e.path("title").asText() + " / " + e.path("detail").asText()))
                .containsExactly("Experiment guarded: variant B / drawn at random");
    }

    @Test
    void aMarketerChoosesAWinnerOrStopsTheSplitByHand() {
        ExperimentPlan plan = plan("by-hand", "A 50, B 50", "keep", 100);

        var unknown = postJson("/api/analytics/experiments/by-hand/winner", "demo", Map.of("variant", "Z"));
        assertThat(unknown.getStatusCode().value()).isEqualTo(400);
        assertThat(unknown.getBody()).contains("\"variant\"", "must be one of [A, B]");
        assertThat(report("by-hand").path("verdict").asText()).startsWith("Waiting for 100 leads per variant");
        assertThat(get("/api/analytics/experiments/nobody", "demo").getStatusCode().value()).isEqualTo(404);

        JsonNode chosen = read(postJson("/api/analytics/experiments/by-hand/winner", "demo", Map.of("variant", "B")));
        assertThat(chosen.path("state").asText()).isEqualTo("DECIDED");
        assertThat(chosen.path("decidedBy").asText()).isEqualTo("demo");
        assertThat(chosen.path("decision").asText()).isEqualTo("Chosen by demo: every new lead takes B.");
        assertThat(chosen.path("route").asText()).isEqualTo("B");
        assertThat(chosen.path("verdict").asText()).startsWith("The sample closed when the experiment was decided,"
                + " before every variant had 100 leads whose window has ended (A needs 100 more, B needs 100 more)");
        assertThat(variantsOfNewLeads(plan, 20)).as("a choice by hand routes, whatever 'keep' says")
                .containsExactly("B");

        JsonNode stopped = read(postJson("/api/analytics/experiments/by-hand/stop", "demo", Map.of()));
        assertThat(stopped.path("state").asText()).isEqualTo("STOPPED");
        assertThat(stopped.path("routing").asText()).isEqualTo("Every new lead takes B.");
        var again = postJson("/api/analytics/experiments/by-hand/stop", "demo", Map.of());
        assertThat(again.getStatusCode().value()).isEqualTo(409);
        assertThat(again.getBody()).contains("was stopped already");
    }

    @Test
    void aStopWithoutAWinnerSendsEveryNewLeadToTheControl() {
        ExperimentPlan plan = plan("stop-to-control", "control 50, bold 50", "winner", 100);
        experiments.stop("stop-to-control", "demo");
        assertThat(variantsOfNewLeads(plan, 20)).containsExactly("control");
    }
}
