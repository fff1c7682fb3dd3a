package io.leadflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.http.client.ClientHttpRequestFactorySettings.Redirects;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * "My leads" (docs/api.md §6): {@code GET /api/handoffs/mine} and the page {@code /my-leads} rendered from it. A rep
 * sees their own open handoffs with the lead's facts, why it is an MQL and the working time left on the team's
 * calendar; a manager or an administrator every team's, with a team filter; the buttons answer through the handoff
 * API. The handoffs come from real MQLs (form, double opt-in, events) through the shipped models; {@code enterprise}
 * takes them in turn between {@code alice} and {@code demo}.
 */
class MyLeadsTests extends ServiceTestBase {

    private static final String REP = "alice";
    private static final String OTHER_REP = "bob";
    private static final String MANAGER = "myleads-manager";
    private static final String MARKETER = "myleads-marketer";
    private static final String INTEGRATOR = "myleads-integrator";

    /** One handoff of alice's and one of another rep, made once for the tests that only read them. */
    private static JsonNode alices;
    private static JsonNode someoneElses;

    @Autowired
    IdentityService identity;

    @Autowired
    BusinessCalendar calendar;

    @TempDir
    Path profile;

    @BeforeEach
    void usersOfEachRole() {
        Map.of(MANAGER, "SALES_MANAGER", MARKETER, "MARKETER", INTEGRATOR, "INTEGRATOR").forEach((id, role) -> {
            if (identity.createUserQuery().userId(id).count() == 0) {
                User user = identity.newUser(id);
                user.setFirstName(id);
                user.setLastName("");
                user.setPassword("demo");
                identity.saveUser(user);
                identity.createMembership(id, role);
            }
        });
        if (alices == null) {
            List<JsonNode> made = new ArrayList<>();
            // enterprise gives leads to alice and demo in turn: a few MQLs give each one
            for (int i = 0; i < 6 && (alices == null || someoneElses == null); i++) {
                JsonNode h = handoffOfAnMql("myleads-" + i, Map.of());
                made.add(h);
                if (REP.equals(h.path("owner").asText()) && alices == null) {
                    alices = h;
                } else if (!REP.equals(h.path("owner").asText()) && someoneElses == null) {
                    someoneElses = h;
                }
            }
            assertThat(alices).as("a handoff of alice among " + made).isNotNull();
            assertThat(someoneElses).as("a handoff of another rep among " + made).isNotNull();
        }
    }

    @Test
    void showsARepTheirOwnOpenHandoffsWithTheLeadAndWhyItIsAnMql() {
        JsonNode mine = awaitRow(REP, alices.path("id").asText(), r -> r.hasNonNull("taskId"));
        JsonNode rows = read(get("/api/handoffs/mine", REP));

        assertThat(rows.findValuesAsText("owner")).as("alice's only").isNotEmpty().allMatch(REP::equals);
        assertThat(ids(rows)).contains(alices.path("id").asText()).doesNotContain(someoneElses.path("id").asText());
        List<Instant> due = new ArrayList<>();
        rows.forEach(r -> due.add(Instant.parse(r.path("handoff").path("dueAt").asText())));
        assertThat(due).as("soonest due first").isSorted();

        String leadId = alices.path("leadId").asText();
        JsonNode lead = read(get("/api/leads/" + leadId, REP));
        assertThat(mine.path("lead").path("id").asText()).isEqualTo(leadId);
        assertThat(mine.path("lead").path("name").asText()).isEqualTo("Jane");
        assertThat(mine.path("lead").path("email").asText()).isEqualTo(lead.path("email").asText());
        assertThat(mine.path("lead").path("company").asText()).isEqualTo("Acme");
        assertThat(mine.path("lead").path("jobTitle").asText()).isEqualTo("VP Marketing");
        assertThat(mine.path("lead").path("country").asText()).isEqualTo("FR");
        assertThat(mine.path("lead").path("grade").asText()).isEqualTo(lead.path("grade").asText()).isEqualTo("A");
        assertThat(mine.path("lead").path("score")).as("as GET /api/leads/{id} says").isEqualTo(lead.path("score"));

        // why an MQL: the reason and the matched rules' annotations that GET /api/leads/{id}/score explains
        JsonNode score = read(get("/api/leads/" + leadId + "/score", REP));
        Set<String> expected = new HashSet<>();
        expected.add(score.path("reason").asText().trim());
        List<String> gaveNothing = new ArrayList<>();
        score.path("decisions").forEach(d -> d.path("matchedRules").forEach(r -> {
            List<JsonNode> outputs = new ArrayList<>();
            r.path("outputs").forEach(outputs::add);
            String annotation = r.path("annotation").asText().trim();
            if (!outputs.isEmpty() && outputs.stream().allMatch(o -> o.isNumber() && o.asDouble() == 0)) {
                gaveNothing.add(annotation);
            } else if (!annotation.isBlank()) {
                expected.add(annotation);
            }
        }));
        assertThat(gaveNothing).as("the fit table's baseline of 0 points").isNotEmpty();
        assertThat(score.path("mql").asBoolean()).isTrue();
        assertThat(mine.path("whyMql").get(0).asText()).as("the MQL decision's reason first")
                .isEqualTo(score.path("reason").asText().trim());
        assertThat(texts(mine.path("whyMql"))).as("the rules that added something, not the baseline")
                .containsExactlyInAnyOrderElementsOf(expected).hasSizeGreaterThan(1).doesNotContainAnyElementsOf(
                        gaveNothing);

        // the handoff as GET /api/handoffs/{id} answers it, its clock read a moment apart, without the routing that
        // only the answer about one handoff carries
        ObjectNode handoff = mine.path("handoff").deepCopy();
        ObjectNode single = read(get("/api/handoffs/" + alices.path("id").asText(), REP)).deepCopy();
        assertThat(single.remove("routing")).as("why alice got it").hasSize(1);
        assertThat(handoff.remove("remainingSeconds").asLong())
                .isCloseTo(single.remove("remainingSeconds").asLong(), org.assertj.core.data.Offset.offset(5L));
        assertThat(handoff).isEqualTo(single);
        assertThat(mine.path("calendar").asText()).isEqualTo("paris");

        assertThat(ids(read(get("/api/handoffs/mine", OTHER_REP)))).as("bob, a rep of smb")
                .doesNotContain(alices.path("id").asText(), someoneElses.path("id").asText());
    }

    @Test
    void showsAManagerAndAnAdministratorEveryTeamAndFiltersByTeam() {
        String a = alices.path("id").asText();
        String b = someoneElses.path("id").asText();

        assertThat(ids(read(get("/api/handoffs/mine", MANAGER)))).contains(a, b);
        assertThat(ids(read(get("/api/handoffs/mine", "demo")))).contains(a, b);
        JsonNode enterprise = read(get("/api/handoffs/mine?team=enterprise", MANAGER));
        assertThat(ids(enterprise)).contains(a, b);
        assertThat(enterprise.findValuesAsText("team")).allMatch("enterprise"::equals);
        assertThat(ids(read(get("/api/handoffs/mine?team=smb", MANAGER)))).doesNotContain(a, b);
        ResponseEntity<String> unknown = get("/api/handoffs/mine?team=nowhere", MANAGER);
        assertThat(unknown.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(unknown.getBody()).contains("team", "nowhere");
        assertThat(ids(read(get("/api/handoffs/mine?team=enterprise", REP)))).as("a rep's own, of that team")
                .contains(a).doesNotContain(b);

        String page = get("/my-leads?team=enterprise", MANAGER).getBody();
        assertThat(page).contains("data-id=\"" + a + "\"", "data-id=\"" + b + "\"", "<select id=\"team\"");
        assertThat(get("/my-leads", REP).getBody()).as("a rep has nothing to filter")
                .doesNotContain("<select id=\"team\"");
    }

    @Test
    void countsTheWorkingTimeLeftOnTheTeamsCalendar() {
        String id = alices.path("id").asText();
        JsonNode single = read(get("/api/handoffs/" + id, "demo"));
        Instant createdAt = Instant.parse(single.path("createdAt").asText());
        Instant dueAt = Instant.parse(single.path("dueAt").asText());
        Date atTheHandoff = Date.from(createdAt);

        JsonNode then;
        try {
            // the moment of the handoff (in the past: no timer comes due): a grade A lead has the whole SLA of
            // sales-sla, 4 working hours, whatever the hour or the day it came
            ClockUtil.setCurrentTime(atTheHandoff);
            then = row(read(get("/api/handoffs/mine", REP)), id);
        } finally {
            ClockUtil.reset();
        }
        assertThat(then.path("businessSecondsLeft").asLong()).isEqualTo(4 * 3600);
        assertThat(then.path("businessTimeLeft").asText()).isEqualTo("4 h of working time");
        assertThat(then.path("handoff").path("remainingSeconds").asLong())
                .isEqualTo(Duration.between(atTheHandoff.toInstant(), dueAt).toSeconds());

        JsonNode now = row(read(get("/api/handoffs/mine", REP)), id);
        long expected = calendar.workingTime("paris", Instant.now(), dueAt).toSeconds();
        assertThat(now.path("businessSecondsLeft").asLong()).isBetween(expected - 5, expected + 5)
                .isLessThanOrEqualTo(now.path("handoff").path("remainingSeconds").asLong() + 1);
    }

    @Test
    void saysTheWorkingTimeLeftInWords() {
        assertThat(MyLeads.inWords(Duration.ofMinutes(200))).isEqualTo("3 h 20 min of working time");
        assertThat(MyLeads.inWords(Duration.ofHours(16))).isEqualTo("16 h of working time");
        assertThat(MyLeads.inWords(Duration.ofSeconds(45 * 60 + 59))).as("never more than there is")
                .isEqualTo("45 min of working time");
        assertThat(MyLeads.inWords(Duration.ofSeconds(20))).isEqualTo("less than 1 min of working time");
        assertThat(MyLeads.inWords(Duration.ZERO)).isEqualTo("due now");
        assertThat(MyLeads.inWords(Duration.ofMinutes(-105))).isEqualTo("overdue by 1 h 45 min of working time");
        assertThat(MyLeadsPageController.REASONS.stream().map(MyLeadsPageController.Reason::code).toList())
                .as("the page offers every reason the API takes").isEqualTo(HandoffService.REJECT_REASONS);
    }

    @Test
    void isForSalesOnlyAndARepCannotAnswerAnotherRepsHandoff() {
        var http = rest.withRedirects(Redirects.DONT_FOLLOW);
        for (String user : List.of(MARKETER, INTEGRATOR)) {
            assertThat(get("/api/handoffs/mine", user).getStatusCode()).as(user).isEqualTo(HttpStatus.FORBIDDEN);
            assertThat(get("/my-leads", user).getStatusCode()).as(user).isEqualTo(HttpStatus.FORBIDDEN);
        }
        for (String user : List.of(REP, MANAGER, "demo")) {
            assertThat(get("/my-leads", user).getStatusCode()).as(user).isEqualTo(HttpStatus.OK);
        }
        assertThat(get("/api/handoffs/mine", null).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        HttpHeaders browser = new HttpHeaders();
        browser.setAccept(List.of(MediaType.TEXT_HTML));
        ResponseEntity<String> anonymous = http.exchange(url("/my-leads"), HttpMethod.GET, new HttpEntity<>(browser),
                String.class);
        assertThat(anonymous.getStatusCode()).isEqualTo(HttpStatus.FOUND);
        assertThat(anonymous.getHeaders().getLocation().getPath()).isEqualTo("/login");

        String other = someoneElses.path("id").asText();
        ResponseEntity<String> accepted = postJson("/api/handoffs/" + other + "/accept", REP, "{}");
        assertThat(accepted.getStatusCode()).as(accepted.getBody()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(read(get("/api/handoffs/" + other, "demo")).path("status").asText()).isEqualTo("OPEN");
        assertThat(get("/my-leads", REP).getBody()).doesNotContain(other);
    }

    @Test
    void letsARepAcceptAndRejectFromThePageWithTheApisData() throws Exception {
        Path chromium = Chromium.required();
        JsonNode fresh = null;
        for (int i = 0; i < 4 && fresh == null; i++) {
            JsonNode h = handoffOfAnMql("myleads-page-" + i, Map.of());
            fresh = REP.equals(h.path("owner").asText()) ? h : null;
        }
        assertThat(fresh).as("a new handoff of alice").isNotNull();
        String id = fresh.path("id").asText();
        String card = "document.querySelector('section.lead[data-id=\"" + id + "\"]')";
        awaitRow(REP, id, r -> r.hasNonNull("taskId"));

        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), REP, "demo");
            JsonNode before = read(get("/api/handoffs/mine", REP));
            browser.open(url("/my-leads"));
            // the path and title too, so that a page that never showed its cards says which page it was
            browser.await("location.pathname + ' | ' + document.title + ' | '"
                    + " + document.querySelectorAll('section.lead').length",
                    v -> v.asText().startsWith("/my-leads | ") && !v.asText().endsWith(" | 0"),
                    Duration.ofSeconds(40));
            JsonNode after = read(get("/api/handoffs/mine", REP));

            // the rows are the API's, in its order, with its facts
            JsonNode shown = json.readTree(browser.eval("JSON.stringify(Array.from(document.querySelectorAll("
                    + "'section.lead')).map(function (s) { return { id: s.dataset.id, status: s.dataset.status,"
                    + " lead: s.dataset.lead, name: s.querySelector('.name').textContent.trim(),"
                    + " jobTitle: s.querySelector('.jobTitle').textContent.trim(),"
                    + " country: s.querySelector('.country').textContent.trim(),"
                    + " grade: s.querySelector('.grade').textContent.trim(),"
                    + " business: s.querySelector('.business').textContent.trim(),"
                    + " tasklist: !!s.querySelector('a.tasklist'),"
                    + " why: Array.from(s.querySelectorAll('.why li')).map(function (l) {"
                    + " return l.textContent.trim(); }) }; }))").asText());
            assertThat(ids(after)).isEqualTo(ids(before));
            assertThat(shown).hasSize(after.size());
            for (int i = 0; i < after.size(); i++) {
                JsonNode api = after.get(i);
                JsonNode row = shown.get(i);
                assertThat(row.path("id").asText()).isEqualTo(api.path("handoff").path("id").asText());
                assertThat(row.path("status").asText()).isEqualTo(api.path("handoff").path("status").asText());
                assertThat(row.path("lead").asText()).isEqualTo(api.path("lead").path("id").asText());
                assertThat(row.path("name").asText()).isEqualTo(api.path("lead").path("name").asText(
                        api.path("lead").path("email").asText("Erased lead")));
                assertThat(row.path("jobTitle").asText()).isEqualTo(api.path("lead").path("jobTitle").asText("–"));
                assertThat(row.path("country").asText()).isEqualTo(api.path("lead").path("country").asText("–"));
                assertThat(row.path("grade").asText()).isEqualTo(api.path("lead").path("grade").asText("–"));
                assertThat(row.path("tasklist").asBoolean()).isEqualTo(api.hasNonNull("taskId"));
                assertThat(texts(row.path("why"))).isEqualTo(api.path("whyMql").isEmpty()
                        ? List.of("No explanation available.") : texts(api.path("whyMql")));
                assertThat(row.path("business").asText()).isIn(before.get(i).path("businessTimeLeft").asText(),
                        api.path("businessTimeLeft").asText());
            }
            assertThat(browser.eval("Array.from(document.querySelectorAll('section.lead input, section.lead select'))"
                    + ".every(function (e) { return !!e.closest('label'); })").asBoolean())
                    .as("every field has its label").isTrue();

            // accept: no question, the handoff is accepted
            browser.eval(card + ".querySelector('button.accept').click()");
            browser.await(card + ".dataset.status", v -> v.asText().equals("ACCEPTED"), Duration.ofSeconds(20));
            assertThat(read(get("/api/handoffs/" + id, REP)).path("status").asText()).isEqualTo("ACCEPTED");
            assertThat(browser.eval(card + ".querySelector('.result').textContent").asText()).startsWith("Accepted");
            assertThat(browser.eval(card + ".querySelector('button.accept').hidden").asBoolean()).isTrue();
            awaitRow(REP, id, r -> r.hasNonNull("taskId"));

            // reject: a reason first, then a confirmation
            browser.eval(card + ".querySelector('button.reject').click()");
            assertThat(browser.eval(card + ".querySelector('.result').textContent").asText())
                    .isEqualTo("Choose a reason first.");
            browser.eval("window.__asked = []; window.confirm = function (q) { window.__asked.push(q); return false; }");
            browser.eval(card + ".querySelector('select.reason').value = 'TIMING'");
            browser.eval(card + ".querySelector('button.reject').click()");
            assertThat(browser.eval("window.__asked.length").asInt()).isEqualTo(1);
            assertThat(browser.eval("window.__asked[0]").asText()).contains("Timing", "cannot be undone");
            assertThat(read(get("/api/handoffs/" + id, REP)).path("status").asText()).as("answered no")
                    .isEqualTo("ACCEPTED");

            browser.eval("window.confirm = function (q) { window.__asked.push(q); return true; }");
            browser.eval(card + ".querySelector('button.reject').click()");
            browser.await(card + ".dataset.status", v -> v.asText().equals("REJECTED"), Duration.ofSeconds(20));
            JsonNode rejected = read(get("/api/handoffs/" + id, REP));
            assertThat(rejected.path("status").asText()).isEqualTo("REJECTED");
            assertThat(rejected.path("rejectReason").asText()).isEqualTo("TIMING");
            assertThat(browser.eval(card + ".querySelector('.answer').hidden").asBoolean()).isTrue();

            // the API's refusals, in words: a closed handoff (409), another rep's (403)
            browser.eval(card + ".querySelector('.answer').hidden = false; "
                    + card + ".querySelector('button.accept').hidden = false; "
                    + card + ".querySelector('button.accept').click()");
            assertThat(browser.await(card + ".querySelector('.result').className",
                    v -> v.asText().contains("error"), Duration.ofSeconds(20))).isNotNull();
            assertThat(browser.eval(card + ".querySelector('.result').textContent").asText())
                    .contains("REJECTED", "cannot be");
            browser.eval(card + ".dataset.id = '" + someoneElses.path("id").asText() + "'; "
                    + card.replace(id, someoneElses.path("id").asText()) + ".querySelector('button.accept').click()");
            browser.await(card.replace(id, someoneElses.path("id").asText()) + ".querySelector('.result').textContent",
                    v -> v.asText().contains("another sales rep"), Duration.ofSeconds(20));
            assertThat(read(get("/api/handoffs/" + someoneElses.path("id").asText(), "demo")).path("status").asText())
                    .isEqualTo("OPEN");

            assertThat(browser.scriptErrors()).isEmpty();
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------------


    /** The user's row of that handoff once it satisfies the condition (e.g. its task exists). */
    private JsonNode awaitRow(String user, String handoffId, java.util.function.Predicate<JsonNode> condition) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> row(read(get("/api/handoffs/mine", user)),
                handoffId), r -> r != null && condition.test(r));
    }

    private static JsonNode row(JsonNode rows, String handoffId) {
        for (JsonNode r : rows) {
            if (r.path("handoff").path("id").asText().equals(handoffId)) {
                return r;
            }
        }
        return null;
    }

    private static List<String> ids(JsonNode rows) {
        List<String> ids = new ArrayList<>();
        rows.forEach(r -> ids.add(r.path("handoff").path("id").asText()));
        return ids;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(t -> texts.add(t.asText()));
        return texts;
    }
}
