package io.leadflow.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.consent.ConsentService;
import io.leadflow.lead.Leads;
import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * The deliverability report and its section of {@code /analytics}, on the shared service: three confirmed leads at a
 * domain of this test's own (so its provider row is theirs alone) get their welcome and one more marketing email
 * through the real outbox and SMTP server; one reports the second as spam, a hard bounce report comes for another's,
 * the third unsubscribes with the one-click header. Then the page in a real browser, with the API's figures; and the
 * pause, which the shared service never reaches (its lines are 100 %), drawn from a canned answer of
 * {@code GET /api/deliverability}.
 */
class DeliverabilityReportTests extends ServiceTestBase {

    private static final String USER = "demo";
    /** A sales manager and nothing else: reads the panel, may not resume marketing email. */
    private static final String MANAGER = "deliv-manager";
    private static final String API = "/api/analytics/deliverability";
    /** The mailbox provider of this test's leads. */
    private static final String DOMAIN = "deliv-" + UUID.randomUUID().toString().substring(0, 8) + ".example";

    /** The leads, their emails and outcomes, made once for every test of the class. */
    private static Dataset dataset;

    @TempDir
    Path profile;

    @Autowired
    EmailOutbox outbox;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    ConsentService consent;

    @Autowired
    Leads leads;

    @Autowired
    IdentityService identity;

    /** The unsubscribes of the period before this test's, to compare with: the shared database has others'. */
    private record Dataset(LocalDate from, LocalDate to, JsonNode before) {
    }

    private synchronized Dataset dataset() {
        if (dataset != null) {
            return dataset;
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // a day either side: the emails are sent at any hour, midnight included
        LocalDate from = today.minusDays(1);
        LocalDate to = today.plusDays(1);
        JsonNode before = report(from, to);

        List<String> ids = new ArrayList<>();
        for (String who : List.of("complainer", "bouncer", "leaver")) {
            ids.add(leadIdOf(confirmedLeadAt(who)));
        }
        tx.executeWithoutResult(s -> ids.forEach(id -> outbox.enqueue(id, "deliverability-test", "nurture-value")));
        for (String id : ids) {
            await().atMost(Duration.ofSeconds(40)).until(() -> List.of("welcome", "deliverability-test").stream()
                    .allMatch(purpose -> outbox.find(id, purpose).map(r -> r.status() == EmailOutbox.Status.SENT)
                            .orElse(false)));
        }
        EmailOutbox.Row complained = outbox.find(ids.get(0), "deliverability-test").orElseThrow();
        tx.executeWithoutResult(s -> outbox.recordOutcome(ids.get(0), complained.id(), EmailOutbox.Outcome.COMPLAINED,
                complained.sentAt().plusSeconds(60)));
        // as the bounce handler records a report: about her second email, the welcome came before it
        EmailOutbox.Row bounced = outbox.find(ids.get(1), "deliverability-test").orElseThrow();
        jdbc.sql("""
                insert into email_bounces (id, lead_id, kind, status_code, received_at, message_id)
                values (?, ?, 'HARD', '5.1.1', ?, ?)""")
                .params(UUID.randomUUID().toString(), ids.get(1), Timestamp.from(bounced.sentAt().plusSeconds(60)),
                        "<report-" + UUID.randomUUID() + "@mailer-daemon.example>")
                .update();
        String link = consent.linksFor(leads.get(ids.get(2)), "nurture-value", null).get("unsubscribeUrl");
        ResponseEntity<String> left = postForm(link + "&List-Unsubscribe=One-Click", Map.of(), MediaType.TEXT_PLAIN);
        assertThat(left.getStatusCode().value()).isEqualTo(200);
        dataset = new Dataset(from, to, before);
        return dataset;
    }

    /** Like {@link #confirmedDecisionMaker(String)}, at this test's own domain. */
    private String confirmedLeadAt(String who) {
        String email = who + "." + UUID.randomUUID().toString().substring(0, 8) + "@" + DOMAIN;
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Jane", "jobTitle", "VP Marketing",
                "company", "Acme", "companySize", "1200", "country", "FR", "industry", "software"),
                MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        return email;
    }

    @Test
    void countsEachProvidersEmailsBouncesAndComplaintsAndTheUnsubscribesHonoured() {
        Dataset data = dataset();
        JsonNode d = report(data.from(), data.to());

        // six marketing emails: the welcomes and the test's own; the three confirmations are not marketing
        JsonNode ours = provider(d, DOMAIN);
        assertThat(ours.path("sent").asLong()).isEqualTo(6);
        assertThat(ours.path("hardBounces").asLong()).as("the second email of the bouncer, not her welcome")
                .isEqualTo(1);
        assertThat(ours.path("complaints").asLong()).isEqualTo(1);
        assertThat(ours.path("hardBounceRate").asDouble()).isEqualTo(0.166667);
        assertThat(ours.path("complaintRate").asDouble()).isEqualTo(0.166667);

        // the days hold the same emails as the providers, each day's rates its own figures'
        assertThat(d.path("days").findValuesAsText("day")).containsExactly(data.from().toString(),
                data.from().plusDays(1).toString(), data.to().toString());
        assertThat(sum(d.path("days"), "sent")).isEqualTo(sum(d.path("providers"), "sent")).isGreaterThanOrEqualTo(6);
        assertThat(sum(d.path("days"), "hardBounces")).isEqualTo(sum(d.path("providers"), "hardBounces"));
        assertThat(sum(d.path("days"), "complaints")).isEqualTo(sum(d.path("providers"), "complaints"));
        for (JsonNode day : d.path("days")) {
            long sent = day.path("sent").asLong();
            assertThat(day.has("hardBounceRate")).isEqualTo(sent > 0);
            if (sent > 0) {
                assertThat(day.path("hardBounceRate").asDouble()).isEqualTo(
                        Math.round(1e6 * day.path("hardBounces").asLong() / sent) / 1e6);
                assertThat(day.path("complaintRate").asDouble()).isEqualTo(
                        Math.round(1e6 * day.path("complaints").asLong() / sent) / 1e6);
            }
        }
        assertThat(d.path("providers").size()).as("the top 20 and the others").isLessThanOrEqualTo(21);
        assertThat(d.path("lines").path("hardBounceRate").asDouble()).as("the test profile's").isEqualTo(1.0);
        assertThat(d.path("lines").path("complaintRate").asDouble()).isEqualTo(1.0);
        assertThat(d.path("lines").path("gmailComplaintRate").asDouble()).isEqualTo(0.003);

        // the leaver's unsubscribe, honoured at once: nothing sent to her after it
        JsonNode before = data.before().path("unsubscribes");
        JsonNode after = d.path("unsubscribes");
        assertThat(after.path("count").asLong() - before.path("count").asLong()).isEqualTo(1);
        assertThat(after.path("marketingEmailsSentAfter").asLong())
                .isEqualTo(before.path("marketingEmailsSentAfter").asLong());
        assertThat(after.path("longestMinutesToHonour").asLong())
                .isEqualTo(before.path("longestMinutesToHonour").asLong());

        ResponseEntity<String> csv = get(API + ".csv?from=" + data.from() + "&to=" + data.to(), USER);
        assertThat(csv.getHeaders().getContentType().toString()).startsWith("text/csv");
        assertThat(csv.getHeaders().getFirst("Content-Disposition"))
                .contains("deliverability-" + data.from() + "-" + data.to() + ".csv");
        assertThat(csv.getBody()).startsWith("day,sent,hard_bounces,complaints,hard_bounce_rate,complaint_rate\r\n")
                .contains("\r\n\r\ndomain,sent,hard_bounces,complaints,hard_bounce_rate,complaint_rate\r\n")
                .contains("\r\n" + DOMAIN + ",6,1,1,0.166667,0.166667\r\n")
                .contains("\r\n\r\nunsubscribes,marketing_emails_sent_after,longest_minutes_to_honour\r\n");
        assertThat(read(get("/v3/api-docs", USER)).path("paths").has(API)).as("documented in OpenAPI").isTrue();
    }

    /** The providers fold into the top 20 and one "other" row, most emails first, ties by name. */
    @Test
    void keepsTheTwentyProvidersWithTheMostEmailsAndSumsUpTheOthers() {
        Map<String, long[]> domains = new LinkedHashMap<>();
        for (int i = 1; i <= 23; i++) {
            domains.put(String.format(Locale.ROOT, "d%02d.example", i), new long[] {100 - i, i % 2, 0});
        }
        domains.put("unknown", new long[] {1000, 10, 1});
        domains.put("a-tie.example", new long[] {99 - 1, 0, 0});

        List<DeliverabilityReport.Provider> providers = DeliverabilityReport.providers(domains);

        assertThat(providers).hasSize(21);
        assertThat(providers.get(0).domain()).isEqualTo("unknown");
        assertThat(providers.get(0).hardBounceRate()).isEqualTo(0.01);
        assertThat(providers.get(1).domain()).isEqualTo("d01.example");
        assertThat(providers.get(2).domain()).as("98 emails each: by name").isEqualTo("a-tie.example");
        assertThat(providers.get(3).domain()).isEqualTo("d02.example");
        assertThat(providers.get(19).domain()).isEqualTo("d18.example");
        DeliverabilityReport.Provider other = providers.get(20);
        assertThat(other.domain()).isEqualTo("other");
        assertThat(other.sent()).as("d19 to d23").isEqualTo(81 + 80 + 79 + 78 + 77);
        assertThat(other.hardBounces()).as("d19, d21, d23").isEqualTo(3);
        assertThat(other.hardBounceRate()).isEqualTo(Math.round(1e6 * 3 / 395) / 1e6);
        assertThat(DeliverabilityReport.providers(Map.of("one.example", new long[] {0, 0, 0})))
                .singleElement().satisfies(p -> assertThat(p.hardBounceRate()).isNull());
    }

    @Test
    void refusesABadPeriodNamingTheField() {
        ResponseEntity<String> reversed = get(API + "?from=2026-06-14&to=2026-06-01", USER);
        assertThat(reversed.getStatusCode().value()).isEqualTo(400);
        assertThat(reversed.getHeaders().getContentType()).hasToString("application/problem+json");
        assertThat(read(reversed).path("errors").findValuesAsText("field")).containsExactly("from");
        ResponseEntity<String> notADate = get(API + "?from=2026-06-01&to=June", USER);
        assertThat(notADate.getStatusCode().value()).isEqualTo(400);
        assertThat(read(notADate).path("errors").findValuesAsText("field")).containsExactly("to");
        assertThat(get(API + "?from=2020-01-01&to=2026-01-01", USER).getStatusCode().value())
                .as("more than two years").isEqualTo(400);
        assertThat(get(API + ".csv?from=2026-06-14&to=2026-06-01", USER).getStatusCode().value()).isEqualTo(400);
        ResponseEntity<String> unknown = get("/api/analytics/reputation.csv", USER);
        assertThat(unknown.getStatusCode().value()).isEqualTo(404);
        assertThat(read(unknown).path("detail").asText()).contains("deliverability");
        assertThat(get(API, null).getStatusCode().value()).as("signed in only").isEqualTo(401);
    }

    @Test
    void showsTheSectionWithTheApisFigures() throws Exception {
        Path binary = Chromium.required();
        Dataset data = dataset();
        try (Chromium browser = new Chromium(binary, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), USER, "demo");
            String page = url("/analytics?from=" + data.from() + "&to=" + data.to());

            // other tests' emails may go out meanwhile: the API read before and after the page must agree
            Map<String, Object> shown = null;
            Map<String, Object> expected = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                JsonNode report = report(data.from(), data.to());
                browser.eval("var s = document.getElementById('deliverability'); if (s) s.dataset.loaded = 'stale'; true");
                browser.open(page);
                browser.await("document.getElementById('deliverability').dataset.loaded === 'true'",
                        JsonNode::asBoolean, Duration.ofSeconds(40));
                shown = shown(browser);
                expected = expected(report);
                if (report.equals(report(data.from(), data.to())) && expected.equals(shown)) {
                    break;
                }
            }
            assertThat(shown).as("the page shows what the API says").isEqualTo(expected);
            assertThat((List<?>) shown.get("providers")).anySatisfy(row -> assertThat(row.toString())
                    .contains("domain=" + DOMAIN + ", sent=6, hardBounces=1, hardBounceRate=16.67 %, complaints=1,"
                            + " complaintRate=16.67 %"));
            assertThat(browser.eval("document.getElementById('deliverability-paused').hidden").asBoolean())
                    .as("not paused").isTrue();
            assertThat(browser.eval("document.getElementById('deliverability-status').hidden").asBoolean()).isTrue();
            assertThat(browser.eval("document.getElementById('deliverability-recent').textContent").asText())
                    .startsWith("Now: the last ").contains(" since the last resume had ")
                    .contains("against a pause line of 100 %").contains("Gmail's limit for bulk senders: 0.3 %");
            assertThat(browser.eval("document.querySelectorAll('#deliverability .over').length").asInt())
                    .as("no rate reaches a line of 100 %").isZero();
            assertThat(browser.eval("document.querySelectorAll('#deliverability-days-chart span').length").asInt())
                    .isEqualTo(3);
            assertThat(browser.eval("document.querySelector('#deliverability h2 a').getAttribute('href')").asText())
                    .isEqualTo("/api/analytics/deliverability.csv?from=" + data.from() + "&to=" + data.to());
            // after Emails, before Experiments
            assertThat(browser.eval("Array.from(document.querySelectorAll('main > section')).map(s => s.id"
                    + " || s.querySelector('h2').firstChild.textContent.trim()).join(',')").asText())
                    .endsWith("Emails,deliverability,experiments");
            assertThat(browser.scriptErrors()).isEmpty();
        }
    }

    @Test
    void drawsThePauseWithItsReasonAndLetsAMarketerResume() throws Exception {
        Path binary = Chromium.required();
        try (Chromium browser = new Chromium(binary, profile.resolve("marketer"),
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.beforeEveryPage(cannedAnswers());
            browser.signIn(url("/login"), USER, "demo");
            browser.open(url("/analytics?from=2026-12-01&to=2026-12-02"));
            browser.await("document.getElementById('deliverability').dataset.loaded === 'true'", JsonNode::asBoolean,
                    Duration.ofSeconds(40));

            assertThat(browser.eval("document.getElementById('deliverability-paused').hidden").asBoolean()).isFalse();
            assertThat(browser.eval("document.querySelector('#deliverability-paused .reason').textContent").asText())
                    .isEqualTo(REASON);
            assertThat(browser.eval("document.querySelector('#deliverability-paused .since').dataset.startedAt")
                    .asText()).isEqualTo("2026-12-02T09:30:00Z");
            assertThat(browser.eval("document.querySelector('#deliverability-paused .since').textContent").asText())
                    .startsWith("since ").contains("2026");
            assertThat(browser.eval("document.querySelector('#deliverability-paused button.resume').textContent")
                    .asText()).isEqualTo("Resume marketing email");
            // the recent rates against their lines, the hard bounces over theirs
            assertThat(browser.eval("document.getElementById('deliverability-recent').textContent").asText())
                    .isEqualTo("Now: the last 400 marketing emails since the last resume had 12 hard bounces (3.00 %)"
                            + " against a pause line of 2 %, and 0 complaints (0.00 %) against 0.1 % (Gmail's limit for"
                            + " bulk senders: 0.3 %). The pause judges the last 1000.");
            assertThat(browser.eval("document.querySelector('#deliverability-recent [data-field=hardBounceRate]')"
                    + ".className").asText()).isEqualTo("over");
            assertThat(browser.eval("document.querySelector('#deliverability-recent [data-field=complaintRate]')"
                    + ".className").asText()).isEmpty();
            assertThat(browser.eval("document.getElementById('deliverability-limits').textContent").asText())
                    .isEqualTo("Warm-up of leadflow.local (started 2026-11-20): 1139 emails allowed today, 250 sent."
                            + " Hourly limits per recipient domain, sent in the last hour: gmail.com 12 of 500,"
                            + " outlook.com 0 of 300.");
            // each rate above its line in red; Gmail's complaints against Gmail's own line as well
            assertThat(browser.eval("Array.from(document.querySelectorAll('#deliverability-providers td.over'))"
                    + ".map(td => td.closest('tr').dataset.domain + ':' + td.dataset.field + ' (' + td.title + ')')"
                    + ".join(', ')").asText())
                    .isEqualTo("gmail.com:complaintRate (above the line of 0.3 %),"
                            + " bad-list.example:hardBounceRate (above the line of 2 %)");
            assertThat(browser.eval("Array.from(document.querySelectorAll('#deliverability-days td.over'))"
                    + ".map(td => td.closest('tr').dataset.day + ':' + td.dataset.field).join(' ')").asText())
                    .isEqualTo("2026-12-02:hardBounceRate");
            assertThat(browser.eval("document.querySelectorAll('#deliverability-days tbody tr').length").asInt())
                    .as("the days with emails").isEqualTo(1);
            assertThat(browser.eval("document.querySelector('#deliverability-days-chart span.over').dataset.day")
                    .asText()).isEqualTo("2026-12-02");
            assertThat(browser.eval("document.getElementById('deliverability-unsubscribes').className").asText())
                    .isEqualTo("error");
            assertThat(browser.eval("document.getElementById('deliverability-unsubscribes').textContent").asText())
                    .startsWith("3 unsubscribes, but 2 marketing emails were sent after an unsubscribe, the last 4"
                            + " minutes after it.");

            // declined: nothing is posted
            browser.eval("window.__asked = []; window.confirm = function (m) { window.__asked.push(m); return false; }");
            browser.eval("document.querySelector('#deliverability-paused button.resume').click()");
            browser.await("document.getElementById('deliverability-result').textContent",
                    v -> v.asText().equals("Nothing was changed."), Duration.ofSeconds(10));
            assertThat(browser.eval("window.__asked[0]").asText()).startsWith("Resume marketing email?");

            // the service's own answer: nothing is paused there, and the page says so in its words
            browser.eval("window.confirm = function (m) { window.__asked.push(m); return true; }");
            browser.eval("document.querySelector('#deliverability-paused button.resume').click()");
            browser.await("document.getElementById('deliverability-result').className + ' '"
                    + " + document.getElementById('deliverability-result').textContent",
                    v -> v.asText().equals("error Marketing email is not paused: there is nothing to resume"),
                    Duration.ofSeconds(40));
            assertThat(browser.eval("document.getElementById('deliverability-paused').hidden").asBoolean()).isFalse();
            assertThat(browser.eval("document.querySelector('#deliverability-paused button.resume').disabled")
                    .asBoolean()).as("to try again").isFalse();

            // resumed (a canned answer again): the alert goes
            browser.eval("window.__resumed = true; true");
            browser.eval("document.querySelector('#deliverability-paused button.resume').click()");
            browser.await("document.getElementById('deliverability-paused').hidden", JsonNode::asBoolean,
                    Duration.ofSeconds(40));
            assertThat(browser.eval("document.getElementById('deliverability-result').className + ' '"
                    + " + document.getElementById('deliverability-result').textContent").asText())
                    .isEqualTo("ok Marketing email resumed: the held emails go out again.");
            assertThat(browser.eval("document.getElementById('deliverability-recent').textContent").asText())
                    .isEqualTo("Now: no marketing email since the last resume. The pause lines: 2 % hard bounces,"
                            + " 0.1 % complaints (Gmail's limit for bulk senders: 0.3 %). The pause judges them from"
                            + " 200 emails on.");
            assertThat(browser.eval("(function (c) { return JSON.parse(window.__posted)[c.dataset.header] === c.value"
                    + " && c.value.length > 0; })(document.getElementById('csrf'))").asBoolean())
                    .as("posted with the page's CSRF token").isTrue();
            assertThat(browser.scriptErrors()).isEmpty();
        }

        salesManagerExists();
        try (Chromium browser = new Chromium(binary, profile.resolve("manager"),
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.beforeEveryPage(cannedAnswers());
            browser.signIn(url("/login"), MANAGER, "demo");
            browser.open(url("/analytics?from=2026-12-01&to=2026-12-02"));
            browser.await("document.getElementById('deliverability').dataset.loaded === 'true'", JsonNode::asBoolean,
                    Duration.ofSeconds(40));
            assertThat(browser.eval("document.getElementById('deliverability-paused').hidden").asBoolean()).isFalse();
            assertThat(browser.eval("document.querySelector('#deliverability-paused .reason').textContent").asText())
                    .isEqualTo(REASON);
            assertThat(browser.eval("document.querySelectorAll('#deliverability button').length").asInt())
                    .as("a sales manager reads, and is offered nothing the API would refuse").isZero();
            assertThat(browser.scriptErrors()).isEmpty();
        }
    }

    private static final String REASON = "12 hard bounces in the last 400 emails (3.00 %, the line is 2.00 %). Find"
            + " the list or the campaign that caused it, then resume.";

    /**
     * Stands in for the service where it cannot be made to answer so: {@code GET /api/deliverability} says marketing
     * email is paused, the report has rates above the real lines, and once {@code window.__resumed} is set the resume
     * succeeds. Everything else, the resume until then included, goes to the service.
     */
    private static String cannedAnswers() {
        String paused = """
                {"paused": true, "pause": {"id": "p1", "startedAt": "2026-12-02T09:30:00Z", "reason": "REASON"},
                 "recent": {"emails": 400, "hardBounces": 12, "complaints": 0, "hardBounceRate": 0.03,
                            "complaintRate": 0, "hardBounceLine": 0.02, "complaintLine": 0.001, "lastEmails": 1000,
                            "minEmails": 200},
                 "warmUp": {"domain": "leadflow.local", "start": "2026-11-20", "allowedToday": 1139, "sentToday": 250},
                 "domainRates": [{"domain": "gmail.com", "perHour": 500, "lastHour": 12},
                                 {"domain": "outlook.com", "perHour": 300, "lastHour": 0}],
                 "pauses": []}""".replace("REASON", REASON);
        String resumed = """
                {"paused": false, "recent": {"emails": 0, "hardBounces": 0, "complaints": 0, "hardBounceRate": 0,
                  "complaintRate": 0, "hardBounceLine": 0.02, "complaintLine": 0.001, "lastEmails": 1000,
                  "minEmails": 200}, "domainRates": [], "pauses": []}""";
        String report = """
                {"period": {"from": "2026-12-01", "to": "2026-12-02"},
                 "days": [{"day": "2026-12-01", "sent": 0, "hardBounces": 0, "complaints": 0},
                          {"day": "2026-12-02", "sent": 400, "hardBounces": 12, "complaints": 2,
                           "hardBounceRate": 0.03, "complaintRate": 0.005}],
                 "providers": [{"domain": "gmail.com", "sent": 250, "hardBounces": 1, "complaints": 1,
                                "hardBounceRate": 0.004, "complaintRate": 0.004},
                               {"domain": "bad-list.example", "sent": 150, "hardBounces": 11, "complaints": 0,
                                "hardBounceRate": 0.073333, "complaintRate": 0}],
                 "lines": {"hardBounceRate": 0.02, "complaintRate": 0.01, "gmailComplaintRate": 0.003},
                 "unsubscribes": {"count": 3, "marketingEmailsSentAfter": 2, "longestMinutesToHonour": 4}}""";
        return """
                (function () {
                  var real = window.fetch.bind(window);
                  function answer(body) {
                    return Promise.resolve(new Response(body, { status: 200,
                      headers: { 'Content-Type': 'application/json' } }));
                  }
                  window.fetch = function (url, options) {
                    var path = String(url);
                    var method = (options && options.method) || 'GET';
                    if (path === '/api/deliverability' && method === 'GET') return answer(PAUSED);
                    if (path.indexOf('/api/analytics/deliverability?') === 0) return answer(REPORT);
                    if (path === '/api/deliverability/resume') {
                      window.__posted = JSON.stringify(options.headers);
                      if (window.__resumed) return answer(RESUMED);
                    }
                    return real(url, options);
                  };
                })();"""
                .replace("PAUSED", json(paused)).replace("RESUMED", json(resumed)).replace("REPORT", json(report));
    }

    /** A JavaScript string holding the text. */
    private static String json(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", " ") + "'";
    }

    private void salesManagerExists() {
        if (identity.createUserQuery().userId(MANAGER).count() == 0) {
            User user = identity.newUser(MANAGER);
            user.setFirstName(MANAGER);
            user.setLastName("");
            user.setPassword("demo");
            identity.saveUser(user);
        }
        if (identity.createUserQuery().userId(MANAGER).memberOfGroup("SALES_MANAGER").count() == 0) {
            identity.createMembership(MANAGER, "SALES_MANAGER");
        }
    }

    private JsonNode report(LocalDate from, LocalDate to) {
        ResponseEntity<String> response = get(API + "?from=" + from + "&to=" + to, USER);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return read(response);
    }

    private static JsonNode provider(JsonNode report, String domain) {
        for (JsonNode p : report.path("providers")) {
            if (p.path("domain").asText().equals(domain)) {
                return p;
            }
        }
        throw new AssertionError("No provider " + domain + " in " + report.path("providers"));
    }

    private static long sum(JsonNode rows, String field) {
        long sum = 0;
        for (JsonNode row : rows) {
            sum += row.path(field).asLong();
        }
        return sum;
    }

    /** What the section shows: each row of its tables, cell by cell, and the unsubscribe line. */
    private Map<String, Object> shown(Chromium browser) throws Exception {
        JsonNode page = json.readTree(browser.eval("JSON.stringify({"
                + " days: Array.from(document.querySelectorAll('#deliverability-days tbody tr[data-day]')).map(rows),"
                + " providers: Array.from(document.querySelectorAll('#deliverability-providers tbody tr[data-domain]'))"
                + ".map(rows),"
                + " unsubscribes: document.getElementById('deliverability-unsubscribes').textContent });"
                + " function rows(tr) { return Object.fromEntries(Array.from(tr.querySelectorAll('[data-field]'))"
                + ".map(function (c) { return [c.dataset.field, c.textContent]; })); }").asText());
        Map<String, Object> shown = new LinkedHashMap<>();
        for (String table : List.of("days", "providers")) {
            List<Map<String, String>> rows = new ArrayList<>();
            page.path(table).forEach(r -> {
                Map<String, String> row = new LinkedHashMap<>();
                r.fields().forEachRemaining(f -> row.put(f.getKey(), f.getValue().asText()));
                rows.add(row);
            });
            shown.put(table, rows);
        }
        shown.put("unsubscribes", page.path("unsubscribes").asText());
        return shown;
    }

    /** The same, as the page should draw the report: the days with emails, every provider, rates in percent. */
    private static Map<String, Object> expected(JsonNode report) {
        Map<String, Object> expected = new LinkedHashMap<>();
        List<Map<String, String>> days = new ArrayList<>();
        report.path("days").forEach(d -> {
            if (d.path("sent").asLong() > 0) {
                Map<String, String> row = new LinkedHashMap<>();
                row.put("day", d.path("day").asText());
                row.putAll(figures(d));
                days.add(row);
            }
        });
        expected.put("days", days);
        List<Map<String, String>> providers = new ArrayList<>();
        report.path("providers").forEach(p -> {
            Map<String, String> row = new LinkedHashMap<>();
            row.put("domain", p.path("domain").asText());
            row.putAll(figures(p));
            providers.add(row);
        });
        expected.put("providers", providers);
        JsonNode u = report.path("unsubscribes");
        long count = u.path("count").asLong();
        long after = u.path("marketingEmailsSentAfter").asLong();
        expected.put("unsubscribes", count == 0 ? "No unsubscribe in the period."
                : after == 0 ? count + (count == 1 ? " unsubscribe" : " unsubscribes")
                        + ", honoured at once: no marketing email went to them afterwards."
                : count + " unsubscribes, but " + after + (after == 1 ? " marketing email was" : " marketing emails were")
                        + " sent after an unsubscribe, the last " + u.path("longestMinutesToHonour").asLong()
                        + " minutes after it. An unsubscribe must stop every marketing email at once: tell your"
                        + " developers.");
        return expected;
    }

    private static Map<String, String> figures(JsonNode row) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("sent", row.path("sent").asText());
        f.put("hardBounces", row.path("hardBounces").asText());
        f.put("hardBounceRate", percent(row.path("hardBounceRate")));
        f.put("complaints", row.path("complaints").asText());
        f.put("complaintRate", percent(row.path("complaintRate")));
        return f;
    }

    private static String percent(JsonNode rate) {
        return rate.isMissingNode() || rate.isNull() ? "–"
                : String.format(Locale.ROOT, "%.2f %%", rate.asDouble() * 100);
    }
}
