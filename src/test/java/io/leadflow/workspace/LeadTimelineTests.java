package io.leadflow.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * {@code /leads/{id}} and {@code GET /api/leads/{id}/timeline}: a lead's story from the form to sales, each part as its
 * owner recorded it, the same on the page as in the API, with the actions the viewer's role allows.
 */
class LeadTimelineTests extends ServiceTestBase {

    private static Path chromium;

    @TempDir
    Path profile;

    @Autowired
    JdbcClient jdbc;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    /** A decision maker made an MQL by three events, once its handoff waits in the handoff journey. */
    private String mqlWithHandoff(String who) {
        String leadId = handoffOfAnMql(who, Map.of()).path("leadId").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/leads/" + leadId + "/timeline", "demo"))
                .path("journeys").toString().contains("Follow up lead"));
        // the welcome email queued before the lead qualified is still being decided (sent, or skipped since the
        // lead left nurture): wait until the timeline stops moving, so a page read later shows the same entries
        await().atMost(Duration.ofSeconds(30)).until(() -> !read(get("/api/leads/" + leadId + "/timeline", "demo"))
                .path("entries").toString().contains("waiting to be sent"));
        return leadId;
    }

    private static List<String> titles(JsonNode entries, String kind) {
        List<String> titles = new ArrayList<>();
        entries.forEach(e -> {
            if (e.path("kind").asText().equals(kind)) {
                titles.add(e.path("title").asText());
            }
        });
        return titles;
    }

    @Test
    void tellsTheLeadsStoryAsEachPartWasRecordedNewestFirst() {
        String leadId = mqlWithHandoff("tia");
        JsonNode t = read(get("/api/leads/" + leadId + "/timeline", "demo"));
        JsonNode entries = t.path("entries");

        assertThat(t.path("lead").path("id").asText()).isEqualTo(leadId);
        assertThat(t.path("lead").path("stage").asText()).isEqualTo("MQL");
        assertThat(titles(entries, "CAPTURED")).containsExactly("Captured (form newsletter)");
        assertThat(titles(entries, "CONSENT")).contains("Gave consent on a form", "Confirmed the address (double opt-in)");
        assertThat(titles(entries, "EMAIL")).anySatisfy(title -> assertThat(title).startsWith("Email doi-confirmation")
                .endsWith(" sent"));
        assertThat(titles(entries, "STAGE")).contains("Stage NEW", "Stage NURTURE", "Stage MQL");
        assertThat(titles(entries, "SCORE")).anySatisfy(title -> assertThat(title).contains("grade A, MQL"));
        assertThat(titles(entries, "HANDOFF")).anySatisfy(title -> assertThat(title).startsWith("Handed to sales: "));

        // events carry the points the score explanation gives them, and what is left after decay
        JsonNode score = read(get("/api/leads/" + leadId + "/score", "demo"));
        List<String> fromScore = new ArrayList<>();
        score.path("events").forEach(e -> fromScore.add(e.path("occurredAt").asText() + " " + e.path("points").asInt()
                + " " + e.path("decayedPoints").asDouble()));
        List<String> onTimeline = new ArrayList<>();
        entries.forEach(e -> {
            if (e.path("kind").asText().equals("EVENT")) {
                onTimeline.add(e.path("at").asText() + " " + e.path("points").asInt() + " "
                        + e.path("decayedPoints").asDouble());
            }
        });
        assertThat(onTimeline).hasSize(3).containsExactlyInAnyOrderElementsOf(fromScore);
        assertThat(titles(entries, "EVENT")).contains("Viewed the pricing page", "Webinar attended", "Demo requested");

        List<String> times = new ArrayList<>();
        entries.forEach(e -> times.add(e.path("at").asText()));
        assertThat(times).as("newest first").isSortedAccordingTo((a, b) -> java.time.Instant.parse(b)
                .compareTo(java.time.Instant.parse(a)));

        // where it waits now, and its handoff as the handoff API tells it
        assertThat(t.path("journeys").toString()).contains("\"journey\":\"mql-handoff\"").contains("Follow up lead")
                .contains("/camunda/app/cockpit/default/#/process-instance/");
        JsonNode handoff = read(get("/api/handoffs/" + t.path("handoff").path("id").asText(), "demo"));
        assertThat(t.path("handoff").path("dueAt").asText()).isEqualTo(handoff.path("dueAt").asText());
        assertThat(t.path("handoff").path("escalateAt").asText()).isEqualTo(handoff.path("ladder").path("escalateAt")
                .asText());
        assertThat(t.path("handoff").path("owner").asText()).isEqualTo(handoff.path("owner").asText());
        assertThat(t.path("scores").size()).as("the kept score changes, then now").isGreaterThanOrEqualTo(2);
        assertThat(t.path("actions").toString()).contains("rescore", "accept", "qualify", "reject", "export", "erase")
                .doesNotContain("resendConfirmation");
    }

    @Test
    void showsARepOnlyTheLeadsTheyOwnAndOnlyTheirActions() {
        String leadId = mqlWithHandoff("uma");
        JsonNode t = read(get("/api/leads/" + leadId + "/timeline", "demo"));
        String owner = t.path("handoff").path("owner").asText();
        assertThat(owner).isIn("alice", "demo");

        // bob is in another team: neither the timeline nor the page, and the same answer as for an unknown id
        assertThat(get("/api/leads/" + leadId + "/timeline", "bob").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(get("/leads/" + leadId, "bob").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(get("/api/leads/no-such-lead/timeline", "demo").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(get("/api/leads/" + leadId + "/timeline", null).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        if (owner.equals("alice")) {
            JsonNode own = read(get("/api/leads/" + leadId + "/timeline", "alice"));
            assertThat(own.path("actions").toString()).contains("accept", "reject").doesNotContain("rescore", "export",
                    "erase");
            assertThat(get("/leads/" + leadId, "alice").getStatusCode()).isEqualTo(HttpStatus.OK);
        }
    }

    @Test
    void resendsTheConfirmationToAPendingLeadNoMoreOftenThanTheDoubleOptInAllows() {
        String email = "vic." + java.util.UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", email, "company", "Acme"), MediaType.APPLICATION_JSON);
        awaitMail(email, "Please confirm your subscription");
        String leadId = leadIdOf(email);
        assertThat(read(get("/api/leads/" + leadId + "/timeline", "demo")).path("actions").toString())
                .contains("resendConfirmation").doesNotContain("rescore");

        var tooSoon = postJson("/api/leads/" + leadId + "/resend-confirmation", "demo", "{}");
        assertThat(tooSoon.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(read(tooSoon).path("detail").asText()).contains("leadflow.doi.resend-min-interval");

        jdbc.sql("update leads set confirmation_sent_at = confirmation_sent_at - interval '1' hour, "
                + "created_at = created_at - interval '1' hour where id = ?").param(leadId).update();
        var sent = postJson("/api/leads/" + leadId + "/resend-confirmation", "demo", "{}");
        assertThat(sent.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        await().atMost(Duration.ofSeconds(20)).until(() -> mailsTo(email, "Please confirm your subscription") == 2);
        assertThat(postJson("/api/leads/" + leadId + "/resend-confirmation", "bob", "{}").getStatusCode())
                .as("marketers and admins only").isEqualTo(HttpStatus.FORBIDDEN);

        String confirmed = leadIdOf(confirmedDecisionMaker("wes"));
        var nothingToConfirm = postJson("/api/leads/" + confirmed + "/resend-confirmation", "demo", "{}");
        assertThat(nothingToConfirm.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(read(nothingToConfirm).path("detail").asText()).contains("CONFIRMED, not PENDING");
    }

    @Test
    void showsOnThePageWhatTheApiSaysAndActsFromIt() throws Exception {
        String leadId = mqlWithHandoff("xia");
        JsonNode t = read(get("/api/leads/" + leadId + "/timeline", "demo"));

        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), "demo", "demo");
            browser.open(url("/leads/" + leadId));
            browser.await("document.querySelectorAll('#timeline li.entry').length", v -> v.asInt() > 0,
                    Duration.ofSeconds(20));

            JsonNode shown = json.readTree(browser.eval("JSON.stringify(Array.from(document.querySelectorAll("
                    + "'#timeline li.entry')).map(li => li.dataset.at + ' ' + li.dataset.kind + ' '"
                    + " + li.querySelector('.title').textContent))").asText());
            List<String> fromApi = new ArrayList<>();
            t.path("entries").forEach(e -> fromApi.add(e.path("at").asText() + " " + e.path("kind").asText() + " "
                    + e.path("title").asText()));
            List<String> onPage = new ArrayList<>();
            shown.forEach(s -> onPage.add(s.asText()));
            assertThat(onPage).isEqualTo(fromApi);
            assertThat(browser.eval("document.getElementById('lead-stage').textContent").asText()).isEqualTo("MQL");
            assertThat(browser.eval("document.getElementById('lead-grade').textContent").asText())
                    .isEqualTo(t.path("lead").path("grade").asText());
            JsonNode account = t.path("account");
            assertThat(account.path("name").asText()).as("the account of its company's domain").isNotBlank();
            assertThat(browser.eval("document.getElementById('lead-account').textContent").asText())
                    .startsWith(account.path("name").asText() + " (" + account.path("domain").asText() + ")");
            assertThat(browser.eval("document.getElementById('lead-account').title").asText())
                    .isEqualTo(account.path("reason").asText());
            assertThat(browser.eval("document.querySelectorAll('#journeys li.journey').length").asInt())
                    .isEqualTo(t.path("journeys").size());
            assertThat(browser.eval("document.querySelectorAll('#score-chart polyline').length").asInt())
                    .as("fit and engagement lines").isEqualTo(2);

            // accept, from the page, as the API would
            browser.eval("document.querySelector('#actions button[data-action=accept]').click()");
            await().atMost(Duration.ofSeconds(20)).until(() -> read(get("/api/handoffs/"
                    + t.path("handoff").path("id").asText(), "demo")).path("status").asText().equals("ACCEPTED"));
            assertThat(read(get("/api/leads/" + leadId, "demo")).path("stage").asText()).isEqualTo("SAL");

            // erase asks first; this browser first says no, then yes
            browser.open(url("/leads/" + leadId));
            browser.await("document.querySelectorAll('#timeline li.entry').length", v -> v.asInt() > 0,
                    Duration.ofSeconds(20));
            browser.eval("window.asked = []; window.confirm = m => { window.asked.push(m); return false; }");
            browser.eval("document.querySelector('#actions button[data-action=erase]').click()");
            assertThat(browser.eval("window.asked.length").asInt()).isEqualTo(1);
            assertThat(browser.eval("window.asked[0]").asText()).contains("cannot be brought back");
            assertThat(get("/api/leads/" + leadId, "demo").getStatusCode()).isEqualTo(HttpStatus.OK);
            browser.eval("window.confirm = m => true");
            browser.eval("document.querySelector('#actions button[data-action=erase]').click()");
            await().atMost(Duration.ofSeconds(20)).until(() -> get("/api/leads/" + leadId, "demo").getStatusCode()
                    == HttpStatus.GONE);
            browser.await("location.pathname", v -> v.asText().equals("/leads"), Duration.ofSeconds(20));
            assertThat(browser.scriptErrors()).isEmpty();
        }
    }
}
