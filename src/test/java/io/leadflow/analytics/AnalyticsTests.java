package io.leadflow.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.support.Chromium;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.OwnContext;

/**
 * The reports on a known data set in a database of their own. June 2026: A (webinar/june) goes NEW → NURTURE +1 h →
 * MQL +25 h → SAL +27 h → SQL +49 h and confirmed in 30 min; B (webinar/june) NEW → NURTURE +2 h → MQL +10 h,
 * confirmed in 90 min; C (no source) NEW → NURTURE +1 h, never confirmed, bounced. D was created in May and became
 * an MQL on 3 June: in the weekly MQL count, not in the June cohort. Nurture tracks: A and B executive (B sunset on
 * 20 June), C general (sunset), D technical.
 */
@Tag(OwnContext.TAG)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "camunda.bpm.job-execution.enabled=false", "camunda.bpm.generate-unique-process-engine-name=true",
        "leadflow.funnel.mql-weekly-target=4" })
@ActiveProfiles("test")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsTests {

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        ExternalServers.register(registry);
    }

    @Autowired
    JdbcClient jdbc;
    @Autowired
    TestRestTemplate rest;
    @Autowired
    ObjectMapper json;
    @Autowired
    io.leadflow.channel.email.EmailOutbox emails;
    @Autowired
    org.springframework.transaction.support.TransactionTemplate tx;
    @org.springframework.boot.test.web.server.LocalServerPort
    int port;

    @BeforeAll
    void knownDataSet() {
        Instant a = Instant.parse("2026-06-01T10:00:00Z");
        lead("A", a, "webinar", "june", a.plus(Duration.ofMinutes(30)), null);
        stages("A", a, 0, "NEW", 1, "NURTURE", 25, "MQL", 27, "SAL", 49, "SQL");
        Instant b = Instant.parse("2026-06-02T08:00:00Z");
        lead("B", b, "webinar", "june", b.plus(Duration.ofMinutes(90)), null);
        stages("B", b, 0, "NEW", 2, "NURTURE", 10, "MQL");
        Instant c = Instant.parse("2026-06-09T09:00:00Z");
        lead("C", c, null, null, null, Instant.parse("2026-06-10T09:00:00Z"));
        stages("C", c, 0, "NEW", 1, "NURTURE");
        Instant d = Instant.parse("2026-05-20T09:00:00Z");
        lead("D", d, "ads", "may", null, null);
        stages("D", d, 0, "NEW", 24 * 14 + 10, "MQL");
        track("A", "executive", a, null);
        track("B", "executive", b, Instant.parse("2026-06-20T09:00:00Z"));
        track("C", "general", c, Instant.parse("2026-06-25T09:00:00Z"));
        track("D", "technical", d, null);
        outbox("A", "welcome", "SENT", a.plus(Duration.ofHours(1)), 2, null, null, null);
        outbox("A", "nurture-value", "FAILED", a.plus(Duration.ofDays(3)), 0, null, a.plus(Duration.ofDays(3)), null);
        outbox("B", "welcome", "SKIPPED", b.plus(Duration.ofHours(2)), 0, null, null, null);
        outbox("C", "welcome", "SENT", c.plus(Duration.ofHours(1)), 1, c.plus(Duration.ofDays(30)), null, null);
        outbox("C", "nurture-value", "SENT", c.plus(Duration.ofDays(2)), 0, null, c.plus(Duration.ofDays(2)),
                c.plus(Duration.ofDays(3)));
        jdbc.sql("insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored) "
                + "values (?, ?, 'EMAIL_CLICKED', 'https://acme.example', ?, ?, 5, true)")
                .params(UUID.randomUUID().toString(), id("A"), ts(a.plus(Duration.ofDays(4))), ts(a.plus(Duration.ofDays(4))))
                .update();
        // attribution: A came back from LinkedIn, then its opportunity was won, then a tweet (too late to count)
        event("A", "PAGE_VIEW", "https://acme.example/pricing?utm_source=linkedin&utm_campaign=retarget",
                a.plus(Duration.ofDays(5)));
        opportunity("O-A", "A", "WON", "3000", "EUR", a.plus(Duration.ofDays(6)));
        event("A", "PAGE_VIEW", "https://acme.example/?utm_source=twitter", a.plus(Duration.ofDays(7)));
        opportunity("O-D", "D", "OPEN", "1000", "EUR", Instant.parse("2026-06-08T09:00:00Z"));
        opportunity("O-B", "B", "LOST", "500", "USD", Instant.parse("2026-06-10T09:00:00Z"));
        // outside the period: not counted
        opportunity("O-D2", "D", "WON", "7000", "EUR", Instant.parse("2026-05-25T09:00:00Z"));
    }

    private void event(String name, String type, String url, Instant at) {
        jdbc.sql("insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored) "
                + "values (?, ?, ?, ?, ?, ?, 5, true)")
                .params(UUID.randomUUID().toString(), id(name), type, url, ts(at), ts(at)).update();
    }

    private void opportunity(String id, String name, String status, String amount, String currency, Instant at) {
        jdbc.sql("""
                insert into opportunities (id, lead_id, status, amount, currency, created_at, closed_at, updated_at,
                                           last_event_id)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, id(name), status, new java.math.BigDecimal(amount), currency, ts(at),
                        status.equals("OPEN") ? null : ts(at), ts(at), "evt-" + id)
                .update();
    }

    @Test
    void creditsPipelineAndRevenueToSourcesCampaignsTracksAndExperimentsByEachModel() throws Exception {
        String period = "from=2026-06-01&to=2026-06-14";
        JsonNode linear = get("/api/analytics/attribution?" + period + "&by=source&model=linear");
        assertThat(linear.path("by").asText()).isEqualTo("source");
        assertThat(linear.path("model").asText()).isEqualTo("linear");
        // O-A (3,000 EUR won) a third each to its capture (webinar), email click and LinkedIn visit
        assertThat(rows(linear)).containsExactly("email EUR 0.333 1000.00 1000.00", "linkedin EUR 0.333 1000.00 1000.00",
                "webinar EUR 0.333 1000.00 1000.00", "ads EUR 1.0 1000.00 0.00", "webinar USD 1.0 500.00 0.00");
        List<String> totals = new java.util.ArrayList<>();
        linear.path("total").forEach(t -> totals.add(t.path("currency").asText() + " " + t.path("opportunities").asInt()
                + " " + t.path("pipeline").decimalValue().setScale(2) + " " + t.path("won").decimalValue().setScale(2)
                + " " + t.path("wonOpportunities").asInt()));
        assertThat(totals).as("every opportunity once").containsExactly("EUR 2 4000.00 3000.00 1", "USD 1 500.00 0.00 0");
        assertThat(rows(get("/api/analytics/attribution?" + period + "&by=source&model=first")))
                .containsExactly("webinar EUR 1.0 3000.00 3000.00", "ads EUR 1.0 1000.00 0.00",
                        "webinar USD 1.0 500.00 0.00");
        assertThat(rows(get("/api/analytics/attribution?" + period + "&by=source&model=last")))
                .as("the tweet came after the opportunity").containsExactly("linkedin EUR 1.0 3000.00 3000.00",
                        "ads EUR 1.0 1000.00 0.00", "webinar USD 1.0 500.00 0.00");
        assertThat(rows(get("/api/analytics/attribution?" + period + "&by=campaign&model=linear")))
                .containsExactly("(none) EUR 0.333 1000.00 1000.00", "june EUR 0.333 1000.00 1000.00",
                        "retarget EUR 0.333 1000.00 1000.00", "may EUR 1.0 1000.00 0.00", "june USD 1.0 500.00 0.00");
        assertThat(rows(get("/api/analytics/attribution?" + period + "&by=track")))
                .containsExactly("executive EUR 1.0 3000.00 3000.00", "technical EUR 1.0 1000.00 0.00",
                        "executive USD 1.0 500.00 0.00");
        assertThat(rows(get("/api/analytics/attribution?" + period + "&by=experiment")))
                .containsExactly("(none) EUR 2.0 4000.00 3000.00", "(none) USD 1.0 500.00 0.00");

        ResponseEntity<String> csv = rest.withBasicAuth("demo", "demo").getForEntity(
                "/api/analytics/attribution.csv?" + period + "&by=source&model=first", String.class);
        assertThat(csv.getHeaders().getContentType().toString()).startsWith("text/csv");
        assertThat(csv.getBody()).startsWith("source,currency,opportunities,pipeline,won_opportunities,won,model\r\n"
                + "webinar,EUR,1.0,3000.00,1.0,3000.00,first\r\n")
                .contains("\r\ncurrency,opportunities,pipeline,won_opportunities,won\r\nEUR,2,4000.00,1,3000.00\r\n");
        ResponseEntity<String> bad = rest.withBasicAuth("demo", "demo").getForEntity(
                "/api/analytics/attribution?by=country", String.class);
        assertThat(bad.getStatusCode().value()).isEqualTo(400);
        assertThat(bad.getBody()).contains("\"field\":\"by\"");
    }

    private static List<String> rows(JsonNode report) {
        List<String> rows = new java.util.ArrayList<>();
        report.path("rows").forEach(r -> rows.add(r.path("key").asText() + " " + r.path("currency").asText() + " "
                + r.path("opportunities").asDouble() + " " + r.path("pipeline").decimalValue().setScale(2) + " "
                + r.path("won").decimalValue().setScale(2)));
        return rows;
    }

    @Test
    void computesConversionAndVelocityOfTheCohort() throws Exception {
        JsonNode f = get("/api/analytics/funnel?from=2026-06-01&to=2026-06-14");

        assertThat(f.path("stages").findValuesAsText("stage")).containsExactly("NEW", "NURTURE", "MQL", "SAL", "SQL");
        assertThat(f.path("stages").findValues("reached")).extracting(JsonNode::asLong).containsExactly(3L, 3L, 2L, 1L, 1L);
        assertThat(f.path("stages").get(0).has("conversionPercent")).isFalse();
        assertThat(f.path("stages").get(1).path("conversionPercent").asDouble()).isEqualTo(100.0);
        assertThat(f.path("stages").get(2).path("conversionPercent").asDouble()).isEqualTo(66.7);
        assertThat(f.path("stages").get(3).path("conversionPercent").asDouble()).isEqualTo(50.0);
        assertThat(f.path("stages").get(1).path("medianHoursFromPrevious").asDouble()).as("1, 2, 1 h").isEqualTo(1.0);
        assertThat(f.path("stages").get(2).path("medianHoursFromPrevious").asDouble()).as("24 and 8 h").isEqualTo(16.0);
        assertThat(f.path("stages").get(4).path("medianHoursFromPrevious").asDouble()).isEqualTo(22.0);
        assertThat(f.path("mqlPerWeek").findValuesAsText("week")).containsExactly("2026-06-01", "2026-06-08");
        assertThat(f.path("mqlPerWeek").findValues("mql")).extracting(JsonNode::asLong).as("A, B and D's MQL on 3 June")
                .containsExactly(3L, 0L);
        assertThat(f.path("mqlWeeklyTarget").asInt()).isEqualTo(4);
    }

    @Test
    void breaksDownBySourceAndCampaign() throws Exception {
        JsonNode sources = get("/api/analytics/sources?from=2026-06-01&to=2026-06-14");

        assertThat(sources).hasSize(2);
        assertThat(sources.get(0).path("source").asText()).isEqualTo("webinar");
        assertThat(sources.get(0).path("campaign").asText()).isEqualTo("june");
        assertThat(sources.get(0).path("leads").asLong()).isEqualTo(2);
        assertThat(sources.get(0).path("mql").asLong()).isEqualTo(2);
        assertThat(sources.get(0).path("sql").asLong()).isEqualTo(1);
        assertThat(sources.get(1).path("source").asText()).isEqualTo("(none)");
        assertThat(sources.get(1).path("mqlPercent").asDouble()).isZero();
    }

    @Test
    void breaksDownByNurtureTrack() throws Exception {
        JsonNode tracks = get("/api/analytics/tracks?from=2026-06-01&to=2026-06-14");

        assertThat(tracks.findValuesAsText("track")).as("D, created in May, is not in the June cohort")
                .containsExactly("executive", "general");
        JsonNode executive = tracks.get(0);
        assertThat(executive.path("leads").asLong()).isEqualTo(2);
        assertThat(executive.path("mql").asLong()).as("A and B").isEqualTo(2);
        assertThat(executive.path("sql").asLong()).as("A").isEqualTo(1);
        assertThat(executive.path("sunset").asLong()).as("B").isEqualTo(1);
        assertThat(executive.path("mqlPercent").asDouble()).isEqualTo(100.0);
        assertThat(executive.path("sqlPercent").asDouble()).isEqualTo(50.0);
        JsonNode general = tracks.get(1);
        assertThat(general.path("leads").asLong()).isEqualTo(1);
        assertThat(general.path("mql").asLong()).isZero();
        assertThat(general.path("sunset").asLong()).isEqualTo(1);
        assertThat(general.path("mqlPercent").asDouble()).isZero();

        JsonNode may = get("/api/analytics/tracks?from=2026-05-20&to=2026-05-20");
        assertThat(may).as("one lead").hasSize(1);
        assertThat(may.get(0).path("track").asText()).isEqualTo("technical");
        assertThat(may.get(0).path("mql").asLong()).isEqualTo(1);
        assertThat(may.get(0).path("mqlPercent").asDouble()).isEqualTo(100.0);
        assertThat(may.get(0).path("sqlPercent").asDouble()).isZero();
        assertThat(get("/api/analytics/tracks?from=2020-01-01&to=2020-01-07")).as("no lead").isEmpty();

        String csv = rest.withBasicAuth("demo", "demo")
                .getForEntity("/api/analytics/tracks.csv?from=2026-06-01&to=2026-06-14", String.class).getBody();
        assertThat(csv).isEqualTo("track,leads,mql,sql,sunset,mql_percent,sql_percent\r\n"
                + "executive,2,2,1,1,100.0,50.0\r\ngeneral,1,0,0,1,0.0,0.0\r\n");
        ResponseEntity<String> bad = rest.withBasicAuth("demo", "demo")
                .getForEntity("/api/analytics/tracks?from=2026-06-01&to=2026-13-01", String.class);
        assertThat(bad.getStatusCode().value()).isEqualTo(400);
        assertThat(bad.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(json.readTree(bad.getBody()).path("errors").findValuesAsText("field")).containsExactly("to");
        assertThat(get("/v3/api-docs").path("paths").has("/api/analytics/tracks")).as("documented in OpenAPI").isTrue();
    }

    @Test
    void measuresTheDoubleOptInAndTheEmails() throws Exception {
        JsonNode doi = get("/api/analytics/doi?from=2026-06-01&to=2026-06-14");
        assertThat(doi.path("submitted").asLong()).isEqualTo(3);
        assertThat(doi.path("confirmed").asLong()).isEqualTo(2);
        assertThat(doi.path("confirmationPercent").asDouble()).isEqualTo(66.7);
        assertThat(doi.path("medianMinutesToConfirm").asDouble()).isEqualTo(60.0);

        JsonNode emails = get("/api/analytics/emails?from=2026-06-01&to=2026-06-14");
        assertThat(emails.path("templates").findValuesAsText("template")).containsExactly("nurture-value", "welcome");
        JsonNode value = emails.path("templates").get(0);
        JsonNode welcome = emails.path("templates").get(1);
        assertThat(welcome.path("sent").asLong()).isEqualTo(2);
        assertThat(welcome.path("skipped").asLong()).isEqualTo(1);
        assertThat(welcome.path("clicks").asLong()).as("A's 2 and C's 1").isEqualTo(3);
        assertThat(welcome.path("unsubscribes").asLong()).as("C, on 9 July: after the period, from its email")
                .isEqualTo(1);
        assertThat(welcome.path("bounces").asLong()).isZero();
        assertThat(value.path("sent").asLong()).isEqualTo(1);
        assertThat(value.path("failed").asLong()).isEqualTo(1);
        assertThat(value.path("bounces").asLong()).as("A's refused by the SMTP server, C's reported").isEqualTo(2);
        assertThat(value.path("complaints").asLong()).isEqualTo(1);
        assertThat(value.path("clicks").asLong()).isZero();
        assertThat(emails.path("clicks").asLong()).isEqualTo(1);
        assertThat(emails.path("bouncedAddresses").asLong()).isEqualTo(1);
    }

    @Test
    void answersEmptyAndOneLeadPeriodsWithoutInventingNumbers() throws Exception {
        JsonNode empty = get("/api/analytics/funnel?from=2020-01-01&to=2020-01-07");
        assertThat(get("/api/analytics/emails?from=2020-01-01&to=2020-01-07").path("templates")).isEmpty();
        assertThat(empty.path("stages").findValues("reached")).allSatisfy(n -> assertThat(n.asLong()).isZero());
        assertThat(empty.path("stages").findValues("conversionPercent")).isEmpty();
        assertThat(get("/api/analytics/doi?from=2020-01-01&to=2020-01-07").has("confirmationPercent")).isFalse();

        JsonNode one = get("/api/analytics/funnel?from=2026-06-09&to=2026-06-09");
        assertThat(one.path("stages").findValues("reached")).extracting(JsonNode::asLong).containsExactly(1L, 1L, 0L, 0L, 0L);
        assertThat(one.path("stages").get(2).path("conversionPercent").asDouble()).isZero();
        assertThat(one.path("stages").get(3).has("conversionPercent")).as("nothing to convert from").isFalse();
    }

    @Test
    void exportsEachReportAsCsvAndRendersThePage() {
        ResponseEntity<String> csv = rest.withBasicAuth("demo", "demo")
                .getForEntity("/api/analytics/funnel.csv?from=2026-06-01&to=2026-06-14", String.class);
        assertThat(csv.getHeaders().getContentType().toString()).startsWith("text/csv");
        assertThat(csv.getBody()).contains("stage,reached,conversion_percent,median_hours_from_previous")
                .contains("MQL,2,66.7,16.0").contains("2026-06-01,3,4");
        assertThat(rest.withBasicAuth("demo", "demo").getForEntity("/api/analytics/sources.csv?from=2026-06-01&to=2026-06-14",
                String.class).getBody()).contains("webinar,june,2,2,1,100.0");
        assertThat(rest.withBasicAuth("demo", "demo").getForEntity("/api/analytics/emails.csv?from=2026-06-01&to=2026-06-14",
                String.class).getBody()).contains("template,sent,failed,skipped,clicks,unsubscribes,bounces,complaints\r\n"
                        + "nurture-value,1,1,0,0,0,2,1\r\nwelcome,2,0,1,3,1,0,0\r\n");
        ResponseEntity<String> bad = rest.withBasicAuth("demo", "demo").getForEntity("/api/analytics/funnel?from=June",
                String.class);
        assertThat(bad.getStatusCode().value()).isEqualTo(400);
        assertThat(bad.getBody()).contains("from");
        String page = rest.withBasicAuth("demo", "demo").getForEntity("/analytics?from=2026-06-01&to=2026-06-14",
                String.class).getBody();
        assertThat(page).as("the period reaches the charts' script").contains("const from = \"2026-06-01\";")
                .contains("const to = \"2026-06-14\";");
        assertThat(page).contains("Funnel").contains("/webjars/chart.js/4.5.1/dist/chart.umd.min.js")
                .contains("/api/analytics/funnel.csv?from=2026-06-01&amp;to=2026-06-14");
        assertThat(rest.getForEntity("/webjars/chart.js/4.5.1/dist/chart.umd.min.js", String.class).getStatusCode().value())
                .isEqualTo(200);
    }

    @Test
    void keepsTheEmailReportExactAsEmailsChangeAfterItWasRead() throws Exception {
        // a lead of its own in July, so the June figures of the other tests stay as they are
        Instant e = Instant.parse("2026-07-20T10:00:00Z");
        lead("E", e, "ads", "july", e, null);
        outbox("E", "welcome", "SENT", e.plus(Duration.ofHours(1)), 0, null, null, null);
        JsonNode before = get("/api/analytics/emails?from=2026-07-20&to=2026-07-20").path("templates").get(0);
        assertThat(before.path("clicks").asLong()).isZero();
        assertThat(before.path("unsubscribes").asLong()).isZero();

        emails.recordClick(id("E"), "welcome");
        emails.recordClick(id("E"), "welcome");
        String emailId = jdbc.sql("select id from email_outbox where lead_id = ?").param(id("E")).query(String.class)
                .single();
        tx.executeWithoutResult(s -> emails.recordOutcome(id("E"), emailId,
                io.leadflow.channel.email.EmailOutbox.Outcome.UNSUBSCRIBED, e.plus(Duration.ofDays(2))));

        JsonNode after = get("/api/analytics/emails?from=2026-07-20&to=2026-07-20").path("templates").get(0);
        assertThat(after.path("template").asText()).isEqualTo("welcome");
        assertThat(after.path("sent").asLong()).isEqualTo(1);
        assertThat(after.path("clicks").asLong()).as("read from the rollup, recomputed for that day").isEqualTo(2);
        assertThat(after.path("unsubscribes").asLong()).isEqualTo(1);
        assertThat(jdbc.sql("select count(*) from email_report_days where created_on = ?")
                .param(java.time.LocalDate.parse("2026-07-20")).query(Long.class).single()).isEqualTo(1);
    }

    /**
     * August 2026, leads of its own. 3 August: F's and G's welcomes, H's two emails (sent before V30 kept the
     * domain), the second half an hour after H unsubscribed; 4 August: F's second email, reported as spam and
     * followed by a hard bounce report (which is not about her welcome: an email came between), G's refused for good
     * by the SMTP server. Around them, what the report leaves out: a confirmation, a notification to staff, an email
     * the rules held back, emails of 2 and 6 August. J unsubscribed on 4 August and got nothing after.
     */
    @Test
    void reportsDeliverabilityPerDayAndProvider() throws Exception {
        Instant day = Instant.parse("2026-08-03T00:00:00Z");
        for (String name : java.util.List.of("F", "G", "H", "J", "K")) {
            lead(name, day.minus(Duration.ofDays(1)), "ads", "august", day.minus(Duration.ofDays(1)), null);
        }
        sent("F", "welcome", "SENT", day.plus(Duration.ofHours(10)), "gmail.com", null, null, null);
        String second = sent("F", "nurture-value", "SENT", day.plus(Duration.ofHours(34)), "gmail.com", null,
                day.plus(Duration.ofHours(35)), null);
        jdbc.sql("insert into email_bounces (id, lead_id, kind, received_at, message_id) values (?, ?, 'HARD', ?, ?)")
                .params(UUID.randomUUID().toString(), id("F"), ts(day.plus(Duration.ofHours(36))), "report-" + second)
                .update();
        sent("G", "welcome", "SENT", day.plus(Duration.ofHours(11)), "outlook.com", null, null, null);
        sent("G", "nurture-value", "FAILED", day.plus(Duration.ofHours(33)), "outlook.com",
                "permanent SMTP refusal 550: mailbox unavailable", null, null);
        sent("H", "welcome", "SENT", day.plus(Duration.ofHours(12)), null, null, null, null);
        sent("H", "nurture-value", "SENT", day.plus(Duration.ofMinutes(13 * 60 + 30)), null, null, null, null);
        jdbc.sql("insert into consent_ledger_pending (id, lead_id, event, occurred_at) values (?, ?, 'UNSUBSCRIBED', ?)")
                .params(UUID.randomUUID().toString(), id("H"), ts(day.plus(Duration.ofHours(13)))).update();
        jdbc.sql("insert into consent_ledger_pending (id, lead_id, event, occurred_at) values (?, ?, 'UNSUBSCRIBED', ?)")
                .params(UUID.randomUUID().toString(), id("J"), ts(day.plus(Duration.ofHours(32)))).update();
        // left out
        sent("J", "doi-confirmation", "SENT", day.plus(Duration.ofHours(9)), "gmail.com", null, null, null);
        sent("J", "sla-remind", "SENT", day.plus(Duration.ofHours(9)), "acme.example", null, null, "rep@acme.example");
        sent("J", "welcome", "SKIPPED", day.plus(Duration.ofHours(9)), null, null, null, null);
        sent("K", "welcome", "SENT", day.minusSeconds(1), "gmail.com", null, null, null);
        sent("K", "nurture-value", "SENT", day.plus(Duration.ofDays(3)), "gmail.com", null, null, null);

        JsonNode d = get("/api/analytics/deliverability?from=2026-08-03&to=2026-08-05");

        assertThat(d.path("days").findValuesAsText("day")).containsExactly("2026-08-03", "2026-08-04", "2026-08-05");
        assertThat(d.path("days").findValues("sent")).extracting(JsonNode::asLong).containsExactly(4L, 2L, 0L);
        assertThat(d.path("days").findValues("hardBounces")).extracting(JsonNode::asLong).containsExactly(0L, 2L, 0L);
        assertThat(d.path("days").findValues("complaints")).extracting(JsonNode::asLong).containsExactly(0L, 1L, 0L);
        assertThat(d.path("days").get(0).path("hardBounceRate").asDouble()).isZero();
        assertThat(d.path("days").get(1).path("hardBounceRate").asDouble()).isEqualTo(1.0);
        assertThat(d.path("days").get(1).path("complaintRate").asDouble()).isEqualTo(0.5);
        assertThat(d.path("days").get(2).has("hardBounceRate")).as("nothing sent: no rate").isFalse();
        assertThat(d.path("providers").findValuesAsText("domain")).containsExactly("gmail.com", "outlook.com",
                "unknown");
        assertThat(d.path("providers").findValues("sent")).extracting(JsonNode::asLong).containsExactly(2L, 2L, 2L);
        assertThat(d.path("providers").findValues("hardBounces")).extracting(JsonNode::asLong)
                .containsExactly(1L, 1L, 0L);
        assertThat(d.path("providers").findValues("complaints")).extracting(JsonNode::asLong)
                .containsExactly(1L, 0L, 0L);
        assertThat(d.path("lines").path("hardBounceRate").asDouble()).as("the test profile's").isEqualTo(1.0);
        assertThat(d.path("lines").path("complaintRate").asDouble()).isEqualTo(1.0);
        assertThat(d.path("lines").path("gmailComplaintRate").asDouble()).isEqualTo(0.003);
        assertThat(d.path("unsubscribes").path("count").asLong()).isEqualTo(2);
        assertThat(d.path("unsubscribes").path("marketingEmailsSentAfter").asLong()).as("H's second email")
                .isEqualTo(1);
        assertThat(d.path("unsubscribes").path("longestMinutesToHonour").asLong()).isEqualTo(30);

        String csv = rest.withBasicAuth("demo", "demo")
                .getForEntity("/api/analytics/deliverability.csv?from=2026-08-03&to=2026-08-05", String.class).getBody();
        assertThat(csv).isEqualTo("day,sent,hard_bounces,complaints,hard_bounce_rate,complaint_rate\r\n"
                + "2026-08-03,4,0,0,0,0\r\n2026-08-04,2,2,1,1,0.5\r\n2026-08-05,0,0,0,,\r\n"
                + "\r\ndomain,sent,hard_bounces,complaints,hard_bounce_rate,complaint_rate\r\n"
                + "gmail.com,2,1,1,0.5,0.5\r\noutlook.com,2,1,0,0.5,0\r\nunknown,2,0,0,0,0\r\n"
                + "\r\nunsubscribes,marketing_emails_sent_after,longest_minutes_to_honour\r\n2,1,30\r\n");

        JsonNode last = get("/api/analytics/deliverability?from=2026-08-04&to=2026-08-04");
        assertThat(last.path("unsubscribes").path("count").asLong()).as("J alone").isEqualTo(1);
        assertThat(last.path("unsubscribes").path("marketingEmailsSentAfter").asLong()).isZero();
        assertThat(last.path("unsubscribes").path("longestMinutesToHonour").asLong()).isZero();
        assertThat(get("/api/analytics/deliverability?from=2020-01-01&to=2020-01-01").path("providers")).isEmpty();
    }

    @Test
    void drawsEveryChartAndTableInABrowserAndFollowsTheDateFilter(@TempDir Path profile) throws Exception {
        Path binary = Chromium.required();
        try (Chromium browser = new Chromium(binary, profile, "Mozilla/5.0 (X11; Linux x86_64) Leadflow test")) {
            // a script error anywhere on the page is kept, to be asserted at the end
            browser.beforeEveryPage("window.__errors = []; window.addEventListener('error', e => __errors.push("
                    + "String(e.message))); window.addEventListener('unhandledrejection', e => __errors.push("
                    + "String(e.reason)));");
            browser.open(base() + "/analytics?from=2026-06-01&to=2026-06-14");
            browser.await("location.pathname", v -> v.asText().equals("/login"), Duration.ofSeconds(20));
            browser.eval("document.getElementById('username').value = 'demo';"
                    + " document.getElementById('password').value = 'demo'; document.forms[0].submit(); true");
            // back where the marketer was going (Spring Security adds "&continue" to the saved request)
            browser.await("location.pathname + location.search",
                    v -> v.asText().startsWith("/analytics?from=2026-06-01&to=2026-06-14"), Duration.ofSeconds(20));

            browser.await("typeof Chart === 'undefined' ? 0 : Object.keys(Chart.instances).length",
                    v -> v.asInt() == 6, Duration.ofSeconds(30));
            assertThat(browser.eval("Chart.getChart('funnel').data.datasets[0].data").toString())
                    .isEqualTo("[3,3,2,1,1]");
            assertThat(browser.eval("Chart.getChart('weekly').data.labels").toString())
                    .isEqualTo("[\"2026-06-01\",\"2026-06-08\"]");
            assertThat(browser.eval("Chart.getChart('sources').data.labels").toString())
                    .isEqualTo("[\"webinar / june\",\"(none) / (none)\"]");
            assertThat(browser.eval("Chart.getChart('email-results').data.datasets.map(d => d.label)").toString())
                    .isEqualTo("[\"clicks\",\"unsubscribes\",\"bounces\",\"complaints\"]");
            // every chart has drawn something: its canvas holds pixels that are not transparent
            assertThat(browser.eval("""
                    [...document.querySelectorAll('canvas')].map(c => {
                      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                      for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) return c.id; }
                      return 'blank:' + c.id; })""").toString())
                    .isEqualTo("[\"funnel\",\"weekly\",\"sources\",\"tracks\",\"emails\",\"email-results\"]");
            assertThat(browser.eval("[...document.querySelectorAll('#funnel-table tr')].map(r => r.innerText)"
                    + ".join('|')").asText())
                    .contains("MQL\t2\t66.7 %\t16 h").contains("SQL\t1\t100 %\t22 h");
            assertThat(browser.eval("document.getElementById('doi').textContent").asText())
                    .isEqualTo("3 submitted, 2 confirmed (66.7 %), median time to confirm 60 min.");
            assertThat(browser.eval("document.querySelectorAll('#tracks-table tr').length").asInt()).isEqualTo(3);
            browser.await("document.querySelectorAll('#attribution tr.attribution-row').length", v -> v.asInt() == 5,
                    Duration.ofSeconds(20));
            assertThat(browser.eval("document.querySelector('#attribution tr.attribution-row').innerText").asText())
                    .isEqualTo("email\tEUR\t0.333\t1,000.00\t0.333\t1,000.00");
            // the marketer switches to first touch by campaign: the table and its CSV link follow
            browser.eval("document.getElementById('attribution-by').value = 'campaign';"
                    + " document.getElementById('attribution-model').value = 'first';"
                    + " document.getElementById('attribution-model').dispatchEvent(new Event('change')); true");
            browser.await("document.querySelector('#attribution tr.attribution-row').innerText",
                    v -> v.asText().equals("june\tEUR\t1\t3,000.00\t1\t3,000.00"), Duration.ofSeconds(20));
            assertThat(browser.eval("document.getElementById('attribution-csv').getAttribute('href')").asText())
                    .isEqualTo("/api/analytics/attribution.csv?from=2026-06-01&to=2026-06-14&by=campaign&model=first");
            assertThat(browser.eval("document.getElementById('attribution-total').textContent").asText())
                    .isEqualTo("All: 2 opportunities, 4,000.00 EUR pipeline, 3,000.00 EUR won; 1 opportunity, "
                            + "500.00 USD pipeline, 0.00 USD won.");

            // the date filter, as a marketer uses it: one day, 9 June, holds lead C alone
            browser.eval("document.querySelector('input[name=from]').value = '2026-06-09';"
                    + " document.querySelector('input[name=to]').value = '2026-06-09';"
                    + " document.querySelector('main form').submit(); true");
            browser.await("location.search", v -> v.asText().equals("?from=2026-06-09&to=2026-06-09"),
                    Duration.ofSeconds(20));
            browser.await("typeof Chart === 'undefined' || !Chart.getChart('funnel') ? ''"
                    + " : String(Chart.getChart('funnel').data.datasets[0].data)", v -> v.asText().equals("1,1,0,0,0"),
                    Duration.ofSeconds(30));
            browser.await("document.getElementById('doi').textContent",
                    v -> v.asText().equals("1 submitted, 0 confirmed (0 %), median time to confirm –."),
                    Duration.ofSeconds(20));
            assertThat(browser.eval("window.__errors").toString()).isEqualTo("[]");
        }
    }

    private String base() {
        return "http://localhost:" + port;
    }

    /**
     * The page reads the sending limits' status at every view: more views than the pool has connections (20), each
     * answered, on H2 and on PostgreSQL (a status that kept its connection once stopped the service after 20 views).
     */
    @Test
    void answersTheSendingStatusAtEveryViewWithoutHoldingAConnection() throws Exception {
        for (int i = 0; i < 30; i++) {
            JsonNode status = get("/api/deliverability");
            assertThat(status.path("paused").isBoolean()).isTrue();
            assertThat(status.path("recent").path("emails").asInt()).isGreaterThanOrEqualTo(0);
        }
    }

    private JsonNode get(String path) throws Exception {
        ResponseEntity<String> response = rest.withBasicAuth("demo", "demo").getForEntity(path, String.class);
        assertThat(response.getStatusCode().value()).as(response.getBody()).isEqualTo(200);
        return json.readTree(response.getBody());
    }

    private void lead(String name, Instant createdAt, String source, String campaign, Instant confirmedAt,
            Instant bouncedAt) {
        jdbc.sql("""
                insert into leads (id, email, consent, stage, source, utm_campaign, created_at, updated_at, confirmed_at,
                                   suppressed_reason, suppressed_at)
                values (?, ?, ?, 'NEW', ?, ?, ?, ?, ?, ?, ?)""")
                .params(id(name), name.toLowerCase() + "@analytics.example", confirmedAt == null ? "PENDING" : "CONFIRMED",
                        source, campaign, ts(createdAt), ts(createdAt), ts(confirmedAt),
                        bouncedAt == null ? null : "HARD_BOUNCE", ts(bouncedAt))
                .update();
    }

    /** Pairs of (hours after creation, stage entered). */
    private void stages(String name, Instant createdAt, Object... hoursAndStages) {
        for (int i = 0; i < hoursAndStages.length; i += 2) {
            Instant entered = createdAt.plus(Duration.ofHours((Integer) hoursAndStages[i]));
            Instant left = i + 2 < hoursAndStages.length
                    ? createdAt.plus(Duration.ofHours((Integer) hoursAndStages[i + 2])) : null;
            jdbc.sql("insert into stage_history (lead_id, stage, entered_at, left_at) values (?, ?, ?, ?)")
                    .params(id(name), hoursAndStages[i + 1], ts(entered), ts(left)).update();
            // as Leads does with each stage change
            String first = Leads.FIRST_ENTRY.get(Lead.Stage.valueOf((String) hoursAndStages[i + 1]));
            if (first != null) {
                jdbc.sql("update leads set " + first + " = coalesce(" + first + ", ?) where id = ?")
                        .params(ts(entered), id(name)).update();
            }
        }
    }

    private void track(String name, String track, Instant chosenAt, Instant sunsetAt) {
        jdbc.sql("insert into nurture_status (lead_id, track, track_chosen_at, sunset_at) values (?, ?, ?, ?)")
                .params(id(name), track, ts(chosenAt), ts(sunsetAt)).update();
    }

    private void outbox(String name, String template, String status, Instant at, int clicks, Instant unsubscribedAt,
            Instant bouncedAt, Instant complainedAt) {
        jdbc.sql("""
                insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, created_at,
                                          clicks, unsubscribed_at, bounced_at, complained_at)
                values (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)""")
                .params(UUID.randomUUID().toString(), id(name), template, template, status, ts(at), ts(at), clicks,
                        ts(unsubscribedAt), ts(bouncedAt), ts(complainedAt))
                .update();
    }

    /** An email as the outbox keeps it once handed to SMTP (a refused one has no sent_at); answers its id. */
    private String sent(String name, String template, String status, Instant at, String domain, String error,
            Instant complainedAt, String toAddress) {
        String id = UUID.randomUUID().toString();
        boolean handed = !status.equals("SKIPPED");
        jdbc.sql("""
                insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, created_at,
                                          sent_at, smtp_started_at, recipient_domain, last_error, complained_at,
                                          bounced_at, to_address)
                values (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(id, id(name), template + "-" + id, template, status, ts(at), ts(at.minusSeconds(60)),
                        status.equals("SENT") ? ts(at) : null, handed ? ts(at.minusSeconds(1)) : null, domain, error,
                        ts(complainedAt), status.equals("FAILED") ? ts(at) : null, toAddress)
                .update();
        return id;
    }

    private static String id(String name) {
        return "00000000-0000-0000-0000-00000000000" + name;
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
