package io.leadflow.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import org.camunda.bpm.engine.HistoryService;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import io.leadflow.analytics.Analytics;
import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.channel.email.MailTemplates;
import io.leadflow.consent.ConsentLedger;
import io.leadflow.consent.ConsentService;
import io.leadflow.lead.Lead;
import io.leadflow.scoring.ScoringService;
import io.leadflow.support.EngineTestBase;

/**
 * Retention on the real service with a moved clock: leads confirmed today are silent three years and a day later;
 * the run asks them by email (two per transaction here, so a run takes several chunks), then, a month on, keeps the
 * one that answered and the one that clicked, leaves the one sales has alone, and anonymises the silent one: its
 * personal data and journeys go, its row stays so the funnel counts the same, and the consent ledger (still a valid
 * chain) says which rule expired it.
 */
@TestPropertySource(properties = "leadflow.retention.chunk-size=2")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetentionTests extends EngineTestBase {

    @Autowired
    RetentionRuns runs;
    @Autowired
    RetentionController controller;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    ConsentLedger ledger;
    @Autowired
    Analytics analytics;
    @Autowired
    ScoringService scoring;
    @Autowired
    HistoryService history;

    private static final Duration THREE_YEARS_AND_A_DAY = Duration.ofDays(3 * 366 + 1);

    private String keepToken(String leadId) {
        String url = consent.linksFor(leads.get(leadId), MailTemplates.REPERMISSION).get("keepUrl");
        assertThat(url).as("the retention email's keep link").startsWith("/optin/keep?token=");
        return url.substring(url.indexOf("token=") + "token=".length());
    }

    private String noticeStatus(String leadId) {
        return jdbc.queryForObject("select status from retention_notices where lead_id = ? order by warned_at desc"
                + " fetch first 1 rows only", String.class, leadId);
    }

    private List<String> ledgerEvents(String leadId) {
        return ledger.entries(leadId).stream().map(ConsentLedger.Entry::event).toList();
    }

    @Test
    @Order(1)
    void asksTheSilentLeadsThenKeepsThoseWhoAnswerAndAnonymisesTheOthersWithoutChangingTheFunnel() {
        Instant start = Instant.now();
        String answers = nurtureAfterWelcome("answers", "Head of Marketing", "software").getBusinessKey();
        String silent = nurtureAfterWelcome("silent", "Head of Marketing", "software").getBusinessKey();
        String clicks = nurtureAfterWelcome("clicks", "Head of Marketing", "software").getBusinessKey();
        String withSales = nurtureAfterWelcome("sales", "Head of Marketing", "software").getBusinessKey();
        jdbc.update("insert into handoffs (id, lead_id, team, status, created_at, due_at) values (?, ?, 'emea', 'OPEN',"
                + " ?, ?)", UUID.randomUUID().toString(), withSales, Timestamp.from(start), Timestamp.from(start));
        var day = analytics.period(LocalDate.now(ZoneOffset.UTC).minusDays(1).toString(),
                LocalDate.now(ZoneOffset.UTC).plusDays(1).toString());
        var funnelBefore = analytics.funnel(day).stages();
        var sourcesBefore = analytics.sources(day);

        // a year on, nobody is silent for long enough
        at(start.plus(Duration.ofDays(365)));
        assertThat(controller.preview().rules().get(0).leads()).isZero();

        at(start.plus(THREE_YEARS_AND_A_DAY));
        var preview = controller.preview().rules().get(0);
        assertThat(preview.name()).isEqualTo("inactive-prospect");
        assertThat(preview.leads()).as("silent leads the run would ask").isEqualTo(3);
        assertThat(preview.leftToSales()).isOne();

        RetentionRuns.Run first = runs.run("test").orElseThrow();
        assertThat(first.status()).isEqualTo("DONE");
        assertThat(first.rules().get("inactive-prospect")).isEqualTo(new RetentionRuns.RuleCounts(3, 0, 0, 0, 1));
        assertThat(first.chunks()).as("three leads, two per transaction").isGreaterThanOrEqualTo(2);
        for (String asked : List.of(answers, silent, clicks)) {
            assertThat(noticeStatus(asked)).isEqualTo("WARNED");
            assertThat(outbox.forLead(asked)).extracting(EmailOutbox.Row::template)
                    .contains(MailTemplates.REPERMISSION);
        }
        assertThat(jdbc.queryForObject("select count(*) from retention_notices where lead_id = ?", Long.class,
                withSales)).as("sales' lead is never asked").isZero();
        assertThat(runs.run("test").orElseThrow().rules().get("inactive-prospect").asked())
                .as("a second run asks nobody twice").isZero();
        var waiting = controller.preview().rules().get(0);
        assertThat(waiting.awaitingAnswer()).isEqualTo(3);
        assertThat(waiting.leads()).isZero();

        // one presses the email's button (twice), another clicks something a few days later
        assertThat(consent.keep(keepToken(answers), "203.0.113.7", "JUnit"))
                .isEqualTo(ConsentService.ConfirmOutcome.CONFIRMED);
        String token = keepToken(answers);
        assertThat(consent.keep(token, "203.0.113.7", "JUnit")).isEqualTo(ConsentService.ConfirmOutcome.CONFIRMED);
        assertThat(consent.keep(token, "203.0.113.7", "JUnit"))
                .isEqualTo(ConsentService.ConfirmOutcome.ALREADY_CONFIRMED);
        assertThat(noticeStatus(answers)).isEqualTo("KEPT");
        at(start.plus(THREE_YEARS_AND_A_DAY).plus(Duration.ofDays(5)));
        scoring.record(new ScoringService.EventRequest(clicks, null, "PAGE_VIEW", "https://acme.example/blog", null));

        at(start.plus(THREE_YEARS_AND_A_DAY).plus(Duration.ofDays(31)));
        assertThat(controller.preview().rules().get(0).dueNow()).isEqualTo(2);
        RetentionRuns.Run second = runs.run("test").orElseThrow();
        assertThat(second.rules().get("inactive-prospect")).isEqualTo(new RetentionRuns.RuleCounts(0, 1, 1, 0, 1));
        assertThat(noticeStatus(clicks)).isEqualTo("KEPT");
        assertThat(noticeStatus(silent)).isEqualTo("ANONYMISED");

        Lead gone = leads.get(silent);
        assertThat(gone.erased()).isTrue();
        assertThat(gone.email()).isNull();
        assertThat(gone.firstName()).isNull();
        assertThat(gone.stage()).as("the row stays as an anonymous statistic").isEqualTo(Lead.Stage.NURTURE);
        assertThat(gone.source()).as("campaign attributes name no one").isEqualTo("test");
        for (String kept : List.of(answers, clicks, withSales)) {
            assertThat(leads.get(kept).erased()).isFalse();
        }
        assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(silent).count())
                .as("the anonymised lead's journeys ended").isZero();
        assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(answers).count()).isPositive();
        assertThat(outbox.forLead(silent)).allSatisfy(row -> assertThat(row.status())
                .isIn(EmailOutbox.Status.SENT, EmailOutbox.Status.SKIPPED, EmailOutbox.Status.FAILED));
        assertThat(analytics.funnel(day).stages()).as("funnel counts unchanged").isEqualTo(funnelBefore);
        assertThat(analytics.sources(day)).as("counts by source unchanged").isEqualTo(sourcesBefore);

        ledger.seal();
        assertThat(ledgerEvents(answers)).contains("REPERMITTED").doesNotContain("RETAINED_EXPIRED", "ERASED");
        assertThat(ledgerEvents(silent)).contains("RETAINED_EXPIRED").doesNotContain("ERASED", "REPERMITTED");
        assertThat(ledger.entries(silent)).filteredOn(e -> e.event().equals("RETAINED_EXPIRED"))
                .extracting(ConsentLedger.Entry::detail).containsExactly("rule inactive-prospect");
        assertThat(ledger.entries(silent)).allSatisfy(e -> {
            assertThat(e.ip()).isNull();
            assertThat(e.userAgent()).isNull();
        });
        assertThat(ledger.verify().valid()).as(ledger.verify().message()).isTrue();
        // the erasure sweep reaches the engine's history too (it runs every 30 s)
        await().atMost(Duration.ofSeconds(90)).until(() -> history.createHistoricProcessInstanceQuery()
                .processInstanceBusinessKey(silent).count() == 0);

        assertThat(runs.recent(5)).extracting(RetentionRuns.Run::id).startsWith(second.id());
        assertThat(controller.preview().rules().get(0).awaitingAnswer()).isZero();
    }

    @Test
    @Order(2)
    void aRunLeftUnfinishedByASilentNodeIsResumedByAnotherAndOneStillHeldIsLeftAlone() {
        Instant start = Instant.now();
        String lead = confirmedLead("resumed", "Head of Marketing", "software");
        at(start.plus(THREE_YEARS_AND_A_DAY));
        Instant now = start.plus(THREE_YEARS_AND_A_DAY);
        String held = UUID.randomUUID().toString();
        jdbc.update("""
                insert into retention_runs (id, active, started_at, node, lease_until, trigger_kind, counts)
                values (?, 1, ?, 'busy-node', ?, 'schedule', '{}')""", held, Timestamp.from(now),
                Timestamp.from(now.plus(Duration.ofMinutes(3))));
        assertThat(runs.run("schedule")).as("another node is at work").isEmpty();
        assertThat(runs.run("resume")).isEmpty();
        assertThat(noticeCount(lead)).isZero();

        // that node went silent: its lease runs out, and the next look takes the run over where it stood
        at(now.plus(Duration.ofMinutes(10)));
        jdbc.update("update retention_runs set counts = ? where id = ?",
                "{\"inactive-prospect\":{\"asked\":5,\"kept\":0,\"anonymised\":0,\"closed\":0,\"leftToSales\":0}}", held);
        RetentionRuns.Run resumed = runs.run("resume").orElseThrow();
        assertThat(resumed.id()).isEqualTo(held);
        assertThat(resumed.resumed()).isOne();
        assertThat(resumed.status()).isEqualTo("DONE");
        assertThat(resumed.rules().get("inactive-prospect").asked()).as("the counts go on").isGreaterThanOrEqualTo(6);
        assertThat(noticeCount(lead)).isOne();
        assertThat(runs.run("resume")).as("nothing left unfinished").isEmpty();
        assertThat(jdbc.queryForList("select id from retention_runs where active = 1")).isEmpty();
    }

    private long noticeCount(String leadId) {
        return jdbc.queryForObject("select count(*) from retention_notices where lead_id = ?", Long.class, leadId);
    }
}
