package io.leadflow;

import org.junit.jupiter.api.Tag;
import io.leadflow.support.OwnContext;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.consent.ConsentLedger;
import io.leadflow.consent.ConsentService.ConfirmOutcome;
import io.leadflow.consent.ConsentService;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadService.CaptureResult;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.support.ServiceTestBase;

/**
 * What H2 cannot show: row locks, unique-index races and concurrent job execution, on a real PostgreSQL (embedded,
 * started once for the run). The whole service runs with its job executor on, as in production. A third context:
 * its engine gets a name of its own so that {@code /engine-rest} of {@link ServiceTestBase}'s context keeps
 * resolving that context's "default" engine when both live in one test JVM.
 */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = {"camunda.bpm.generate-unique-process-engine-name=true",
        // twenty simultaneous submissions of one address are the point here, not list bombing
        "leadflow.ratelimit.per-address-per-hour=1000"})
class PostgresTests extends ServiceTestBase {

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        io.leadflow.support.EmbeddedDatabase.register(registry);
    }

    private static final Logger log = LoggerFactory.getLogger(PostgresTests.class);
    private static final CaptureContext FORM = new CaptureContext("newsletter", "198.51.100.23", "JUnit/PostgreSQL");

    @Autowired
    LeadService leadService;
    @Autowired
    Leads leads;
    @Autowired
    ConsentService consent;
    @Autowired
    ConsentLedger ledger;
    @Autowired
    RuntimeService runtime;
    @Autowired
    HistoryService history;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    io.leadflow.platform.TableStatistics statistics;
    @Autowired
    io.leadflow.channel.email.EmailOutbox outbox;
    @Autowired
    org.springframework.context.ApplicationContext context;

    @Nested
    class Schema {

        @Test
        void comesUpWithFlywayTablesAndTheEngineSchemaOnPostgres() {
            assertThat(jdbc.sql("select version()").query(String.class).single()).startsWith("PostgreSQL 14");
            assertThat(jdbc.sql("select success from flyway_schema_history where version = '1'").query(Boolean.class)
                    .single()).isTrue();
            assertThat(jdbc.sql("select version_ from act_ge_schema_log").query(String.class).list())
                    .anySatisfy(v -> assertThat(v).startsWith("7.24"));
            assertThat(jdbc.sql("select distinct key_ from act_re_procdef").query(String.class).list())
                    .contains("double-opt-in", "lead-qualification", "nurture", "mql-handoff");
        }

        /**
         * Bench M10 found the job executor reading all of ACT_RU_JOB on each acquisition once a timer waits per lead.
         * Beside 20,000 timers due next month (rolled back afterwards), the acquisition's condition goes through the
         * index Leadflow adds, not through the table.
         */
        @Test
        void findsDueJobsThroughTheIndexBesideManyWaitingTimers() {
            assertThat(jdbc.sql("select count(*) from pg_indexes where tablename = 'act_ru_job'"
                    + " and indexname = 'lf_idx_job_duedate'").query(Long.class).single()).isEqualTo(1);
            String plan = planBeside("""
                    insert into act_ru_job (id_, rev_, type_, exclusive_, retries_, duedate_, handler_type_,
                                            suspension_state_, priority_, sequence_counter_)
                    select 'm10-' || g, 1, 'timer', true, 3, now() + interval '30 days' + g * interval '1 minute',
                           'timer-intermediate-transition', 1, 0, 1
                      from generate_series(1, 20000) g""", "act_ru_job", """
                    select id_ from act_ru_job res
                     where res.retries_ > 0 and (res.duedate_ is null or res.duedate_ <= now())
                       and (res.lock_owner_ is null or res.lock_exp_time_ < now()) and res.suspension_state_ = 1
                     limit 3""");
            assertThat(plan).contains("lf_idx_job_duedate").doesNotContain("Seq Scan");
        }

        /**
         * Beside 20,000 leads (rolled back afterwards), the desk's possible-duplicate hint finds a person through the
         * index on her lower-case names and company, not by reading every lead.
         */
        @Test
        void findsPossibleDuplicatesThroughTheIndexBesideManyLeads() {
            String plan = planBeside("""
                    insert into leads (id, email, first_name, last_name, company, consent, stage, created_at,
                                       updated_at)
                    select 'dup-' || g, 'dup' || g || '@bench-corp.io', 'First' || g, 'Last' || g,
                           'Company ' || (g % 500), 'CONFIRMED', 'NURTURE', now(), now()
                      from generate_series(1, 20000) g""", "leads", """
                    select * from leads
                     where id <> 'dup-1' and erased_at is null and stage <> 'DISQUALIFIED'
                       and lower(last_name) = 'last7' and lower(first_name) = 'first7'
                       and lower(company) = 'company 7'
                     order by created_at fetch first 3 rows only""");
            assertThat(plan).contains("ix_leads_person").doesNotContain("Seq Scan");
        }

        /** Beside 20,000 leads, the poll for erased leads' engine history reads only those through its index. */
        @Test
        void findsErasedLeadsAwaitingTheEnginePurgeThroughTheIndexBesideManyLeads() {
            String plan = planBeside("""
                    insert into leads (id, email, consent, stage, created_at, updated_at, erased_at, engine_purged_at)
                    select 'purge-' || g, 'purge' || g || '@bench-corp.io', 'CONFIRMED', 'NURTURE', now(), now(),
                           case when g % 1000 = 0 then now() end, null
                      from generate_series(1, 20000) g""", "leads", """
                    select id from leads where erased_at is not null and engine_purged_at is null
                     order by erased_at fetch first 100 rows only""");
            assertThat(plan).contains("ix_leads_erased_unpurged").doesNotContain("Seq Scan");
        }

        /** PostgreSQL's plan of {@code query} once {@code fill} wrote rows and {@code table} was analysed (rolled back). */
        private String planBeside(String fill, String table, String query) {
            return tx.execute(status -> {
                status.setRollbackOnly();
                jdbc.sql(fill).update();
                jdbc.sql("analyze " + table).update();
                return String.join("\n", jdbc.sql("explain " + query).query(String.class).list());
            });
        }

        @Test
        void refreshesThePlannerStatisticsOfATableABulkImportGrew() {
            assertThat(statistics.refresh("leads")).isTrue();
            assertThat(jdbc.sql("select last_analyze from pg_stat_user_tables where relname = 'leads'")
                    .query(java.sql.Timestamp.class).single()).isNotNull();
        }

        @Test
        void carriesALeadFromTheFormToAnOpenHandoff() throws Exception {
            String email = "pg." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
            ResponseEntity<String> page = postForm("/forms/newsletter", Map.of("email", email, "firstName", "Jane",
                    "jobTitle", "VP Marketing", "company", "Acme", "companySize", "1200", "country", "FR",
                    "industry", "software"), MediaType.TEXT_HTML);
            assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
            ResponseEntity<String> confirmed = postForm("/optin/confirm", Map.of("token", confirmationToken(email)),
                    MediaType.TEXT_HTML);
            assertThat(confirmed.getBody()).contains("you are confirmed");
            awaitMail(email, "Welcome aboard");
            String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();

            for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
                assertThat(read(postJson("/api/events", "demo", Map.of("leadId", leadId, "type", type)))
                        .path("scored").asBoolean()).isTrue();
            }

            JsonNode handoff = await().atMost(Duration.ofSeconds(30)).until(() -> openHandoff(leadId), h -> h != null);
            assertThat(handoff.path("status").asText()).isEqualTo("OPEN");
            assertThat(handoff.path("team").asText()).isEqualTo("enterprise");
            assertThat(handoff.path("remainingSeconds").asLong()).isPositive();
            JsonNode lead = read(get("/api/leads/" + leadId, "demo"));
            assertThat(lead.path("stage").asText()).isEqualTo("MQL");
            assertThat(lead.path("grade").asText()).isEqualTo("A");
            // the funnel reads the first entry into each stage from the lead row, written with the stage history
            Map<String, Object> first = jdbc.sql("""
                    select l.first_mql_at, l.first_sal_at, (select min(s.entered_at) from stage_history s
                                                               where s.lead_id = l.id and s.stage = 'MQL') as history
                      from leads l where l.id = ?""").param(leadId).query().singleRow();
            assertThat(first.get("first_mql_at")).isNotNull().isEqualTo(first.get("history"));
            assertThat(first.get("first_sal_at")).isNull();
        }
    }

    @Nested
    class Concurrency {

        @Test
        void createsOneLeadAndOneOptInProcessForTwentySimultaneousSubmissionsOfANewAddress() throws Exception {
            String email = "crowd." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";

            List<CaptureResult> results = all(20, i -> leadService.capture(request(email), FORM));

            assertThat(results).extracting(CaptureResult::id).containsOnly(results.get(0).id());
            assertThat(results).filteredOn(CaptureResult::created).hasSize(1);
            assertThat(jdbc.sql("select count(*) from leads where email = ?").param(email).query(Long.class).single())
                    .isOne();
            String leadId = results.get(0).id();
            assertThat(history.createHistoricProcessInstanceQuery().processDefinitionKey("double-opt-in")
                    .processInstanceBusinessKey(leadId).count()).isOne();
            assertThat(ledger.entries(leadId)).filteredOn(e -> e.event().equals("SUBMITTED")).hasSize(20);
        }

        @RepeatedTest(2)
        void neverLosesAConfirmationThatRacesTheProcessToItsWaitState() throws Exception {
            List<String> leadIds = all(10, i -> {
                String email = "race" + i + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
                String leadId = leadService.capture(request(email), FORM).id();
                assertThat(consent.confirm(renderedConfirmationToken(leadId), "198.51.100.23", "JUnit"))
                        .isEqualTo(ConfirmOutcome.CONFIRMED);
                return leadId;
            });

            for (String leadId : leadIds) {
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                    assertThat(leads.get(leadId).stage()).isEqualTo(Lead.Stage.NURTURE);
                    assertThat(history.createHistoricProcessInstanceQuery().processDefinitionKey("lead-qualification")
                            .processInstanceBusinessKey(leadId).count()).isOne();
                });
                HistoricProcessInstance doi = history.createHistoricProcessInstanceQuery()
                        .processDefinitionKey("double-opt-in").processInstanceBusinessKey(leadId).singleResult();
                await().atMost(Duration.ofSeconds(10)).until(
                        () -> history.createHistoricProcessInstanceQuery().processInstanceId(doi.getId()).singleResult()
                                .getEndTime() != null);
                assertThat(history.createHistoricActivityInstanceQuery().processInstanceId(doi.getId())
                        .activityId("EndEvent_Confirmed").count()).as("lead %s confirmed", leadId).isOne();
                // The capture commits the journey's wait with the lead, so the confirmation always finds it: the
                // message path, never the "Confirmed already?" gateway (JourneyMessageRaceTests drives both paths
                // of the reminder's wait in both orders).
                assertThat(history.createHistoricActivityInstanceQuery().processInstanceId(doi.getId())
                        .activityId("Event_ConfirmedBeforeReminder").count()).as("lead %s confirmed by the message",
                        leadId).isOne();
                assertThat(runtime.createIncidentQuery().processInstanceId(doi.getId()).count()).isZero();
                assertThat(leads.get(leadId).consent()).isEqualTo(Lead.Consent.CONFIRMED);
            }
        }

        @RepeatedTest(2)
        void neitherLosesAConfirmationNorConfirmsAnExpiredLeadWhenBothArriveAtOnce() throws Exception {
            Map<String, Integer> winners = new java.util.TreeMap<>();
            for (int n = 0; n < 10; n++) {
                String email = "photo-finish" + n + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
                String leadId = leadService.capture(request(email), FORM).id();
                String token = renderedConfirmationToken(leadId);

                List<Object> outcomes = all(2, side -> side == 0
                        ? consent.confirm(token, "198.51.100.23", "JUnit")
                        : (Object) consent.expire(leadId));

                boolean confirmed = outcomes.get(0) == ConfirmOutcome.CONFIRMED;
                boolean expired = Boolean.TRUE.equals(outcomes.get(1));
                assertThat(confirmed ^ expired).as("exactly one wins for %s: %s", leadId, outcomes).isTrue();
                assertThat(confirmed || outcomes.get(0) == ConfirmOutcome.GONE).as(outcomes.toString()).isTrue();
                assertThat(leads.get(leadId).consent())
                        .isEqualTo(confirmed ? Lead.Consent.CONFIRMED : Lead.Consent.EXPIRED);
                assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event)
                        .filteredOn(e -> e.equals("CONFIRMED") || e.equals("EXPIRED"))
                        .containsExactly(confirmed ? "CONFIRMED" : "EXPIRED");
                winners.merge(confirmed ? "confirmation" : "expiry", 1, Integer::sum);
            }
            log.info("Confirmation against expiry, won by: {}", winners);
        }

        /**
         * Retention started on eight threads at once (nodes whose nightly runs fire together): no two runs overlap,
         * each silent lead is asked once, and once their time is up each is anonymised once, its ledger saying so.
         */
        @Test
        void asksAndAnonymisesEachSilentLeadOnceWhenRetentionRunsStartTogether() throws Exception {
            Instant fourYearsAgo = Instant.now().minus(Duration.ofDays(4 * 365));
            List<String> silent = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String email = "retention-crowd." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
                String leadId = leadService.capture(request(email), FORM).id();
                assertThat(consent.confirm(renderedConfirmationToken(leadId), "198.51.100.23", "JUnit"))
                        .isEqualTo(ConfirmOutcome.CONFIRMED);
                jdbc.sql("update leads set created_at = ?, confirmed_at = ? where id = ?")
                        .params(Timestamp.from(fourYearsAgo), Timestamp.from(fourYearsAgo), leadId).update();
                silent.add(leadId);
            }
            var runs = context.getBean(io.leadflow.retention.RetentionRuns.class);

            List<Optional<io.leadflow.retention.RetentionRuns.Run>> first = all(8, i -> runs.run("schedule"));
            assertThat(first).filteredOn(Optional::isPresent).isNotEmpty();
            for (String leadId : silent) {
                jdbc.sql("delete from engagement_events where lead_id = ?").param(leadId).update();
                assertThat(jdbc.sql("select count(*) from retention_notices where lead_id = ?").param(leadId)
                        .query(Long.class).single()).as("notices of lead %s", leadId).isOne();
            }
            assertThat(jdbc.sql("""
                    select count(*) from retention_runs a join retention_runs b on a.id < b.id
                     where a.started_at < b.finished_at and b.started_at < a.finished_at""").query(Long.class)
                    .single()).as("runs that overlapped").isZero();

            // their month is up without an answer (as if a month had passed)
            jdbc.sql("update retention_notices set answer_by = :due where lead_id in (:ids)")
                    .param("due", Timestamp.from(Instant.now().minusSeconds(60))).param("ids", silent).update();
            all(8, i -> runs.run("schedule"));
            for (String leadId : silent) {
                assertThat(leads.get(leadId).erased()).isTrue();
                assertThat(jdbc.sql("select status from retention_notices where lead_id = ?").param(leadId)
                        .query(String.class).single()).isEqualTo("ANONYMISED");
                ledger.seal();
                assertThat(ledger.entries(leadId)).filteredOn(e -> e.event().equals("RETAINED_EXPIRED")).hasSize(1);
            }
            assertThat(ledger.verify().valid()).isTrue();
            assertThat(jdbc.sql("select count(*) from retention_runs where active = 1").query(Long.class).single())
                    .isZero();
        }

        @Test
        void runsOneBulkRescoreAtATimeWhateverTheNumberOfSimultaneousStarts() throws Exception {
            String email = "rescore-crowd." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
            String leadId = leadService.capture(request(email), FORM).id();
            assertThat(consent.confirm(renderedConfirmationToken(leadId), "198.51.100.23", "JUnit"))
                    .isEqualTo(ConfirmOutcome.CONFIRMED);
            // the first lead a run rescores is held by another transaction: the run that wins stays under way
            ExecutorService side = Executors.newSingleThreadExecutor();
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Future<?> holder = side.submit(() -> tx.executeWithoutResult(s -> {
                jdbc.sql("""
                        select id from leads where consent = 'CONFIRMED' and erased_at is null
                         order by id fetch first 1 rows only for update""").query(String.class).single();
                held.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            List<ResponseEntity<String>> starts;
            try {
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
                starts = all(5, i -> postJson("/api/scoring/rescore", "demo", Map.of()));
            } finally {
                release.countDown();
                holder.get(30, TimeUnit.SECONDS);
                side.shutdownNow();
            }

            List<ResponseEntity<String>> started = starts.stream().filter(r -> r.getStatusCode().value() == 202)
                    .toList();
            assertThat(started).hasSize(1);
            String id = read(started.get(0)).path("id").asText();
            assertThat(starts).filteredOn(r -> r.getStatusCode().value() == 409).hasSize(4)
                    .allSatisfy(r -> assertThat(read(r).path("detail").asText()).contains(id));
            JsonNode run = await().atMost(Duration.ofSeconds(60)).until(
                    () -> read(get("/api/scoring/rescore/" + id, "demo")),
                    r -> !r.path("status").asText().equals("RUNNING"));
            assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("DONE");
            assertThat(run.path("processed").asLong()).isEqualTo(run.path("total").asLong()).isPositive();
            assertThat(read(get("/api/scoring/rescore", "demo")).get(0).path("id").asText()).isEqualTo(id);
        }

        @Test
        void letsTwoClaimsOfTheEmailOutboxShareItsDueRowsWithoutWaitingForEachOther() throws Exception {
            String email = "outbox-claims." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
            String leadId = leadService.capture(request(email), FORM).id();
            var poller = context.getBean("emailOutboxPoller", org.springframework.context.Lifecycle.class);
            poller.stop();
            // stop() ends the poller's loop, not the claim it may be making at that moment: wait until no thread has
            // been inside a claim for a while, or that last claim could take the rows below before the test does.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).during(Duration.ofMillis(500))
                    .until(() -> Thread.getAllStackTraces().values().stream().flatMap(java.util.Arrays::stream)
                            .noneMatch(frame -> frame.getClassName().endsWith("OutboxClaims")
                                    && frame.getMethodName().equals("nextClaimed")));
            List<String> ours = new ArrayList<>();
            ExecutorService side = Executors.newFixedThreadPool(2);
            CountDownLatch claimedFirst = new CountDownLatch(1);
            CountDownLatch commitFirst = new CountDownLatch(1);
            try {
                for (int i = 0; i < 5; i++) {
                    String id = UUID.randomUUID().toString();
                    ours.add(id);
                    // Due long ago: older than anything else in the outbox, so the first claims take these.
                    jdbc.sql("""
                            insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at,
                                                      created_at)
                            values (?, ?, ?, 'welcome', 'PENDING', 0, timestamp '2001-01-01 00:00:00' + ? * interval '1 second',
                                    current_timestamp)""").params(id, leadId, "claim-test-" + i, i).update();
                }
                Future<List<io.leadflow.channel.email.EmailOutbox.Row>> first = side.submit(() -> tx.execute(s -> {
                    var rows = outbox.claimDue(2);
                    claimedFirst.countDown();
                    try {
                        commitFirst.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return rows;
                }));
                assertThat(claimedFirst.await(10, TimeUnit.SECONDS)).isTrue();

                // The first claim has not committed: the second skips its rows instead of waiting on their locks.
                List<String> second = side.submit(() -> outbox.claimDue(10).stream()
                        .map(io.leadflow.channel.email.EmailOutbox.Row::id).toList()).get(5, TimeUnit.SECONDS);
                commitFirst.countDown();
                List<String> firstIds = first.get(10, TimeUnit.SECONDS).stream()
                        .map(io.leadflow.channel.email.EmailOutbox.Row::id).toList();

                assertThat(firstIds).containsExactlyElementsOf(ours.subList(0, 2));
                assertThat(second).containsAll(ours.subList(2, 5)).doesNotContainAnyElementsOf(firstIds);
                assertThat(jdbc.sql("select count(*) from email_outbox where id in (:ids) and status = 'SENDING'"
                        + " and claimed_until > current_timestamp").param("ids", ours).query(Long.class).single())
                        .isEqualTo(5);
                // Rows of other tests the second claim took go back as they were.
                second.stream().filter(id -> !ours.contains(id)).forEach(outbox::release);
            } finally {
                commitFirst.countDown();
                side.shutdownNow();
                jdbc.sql("update email_outbox set status = 'SKIPPED', last_error = 'test row' where id in (:ids)")
                        .param("ids", ours).update();
                poller.start();
            }
        }

        @Test
        void keepsTheConsentLedgerChainValidUnderConcurrentAppends() throws Exception {
            long before = read(get("/api/consent/verify", "demo")).path("entries").asLong();

            all(16, i -> {
                String leadId = UUID.randomUUID().toString();
                for (int n = 0; n < 25; n++) {
                    tx.executeWithoutResult(s -> ledger.append(leadId, ConsentLedger.Event.SUBMITTED,
                            "writer." + leadId + "@acme-corp.io", "198.51.100.7", "JUnit", "Yes, send me news",
                            "concurrency"));
                }
                return leadId;
            });

            ResponseEntity<String> verify = get("/api/consent/verify", "demo");
            assertThat(verify.getStatusCode()).isEqualTo(HttpStatus.OK);
            JsonNode result = read(verify);
            assertThat(result.path("valid").asBoolean()).as(result.toString()).isTrue();
            assertThat(result.path("entries").asLong()).isGreaterThanOrEqualTo(before + 400);
            assertThat(jdbc.sql("select count(distinct seq) = count(*) from consent_ledger").query(Boolean.class)
                    .single()).isTrue();
        }
    }

    @Nested
    class ConsentLedgerVerification {

        @Test
        void answersValidWhileOtherRequestsAppendToTheLedger() throws Exception {
            ExecutorService writers = Executors.newFixedThreadPool(8);
            List<Future<?>> appending = new ArrayList<>();
            try {
                for (int w = 0; w < 8; w++) {
                    appending.add(writers.submit(() -> {
                        String leadId = UUID.randomUUID().toString();
                        for (int n = 0; n < 40; n++) {
                            tx.executeWithoutResult(s -> ledger.append(leadId, ConsentLedger.Event.SUBMITTED,
                                    "reader." + leadId + "@acme-corp.io", "198.51.100.8", "JUnit", null, "verify"));
                        }
                    }));
                }
                List<JsonNode> answers = new ArrayList<>();
                while (appending.stream().anyMatch(f -> !f.isDone())) {
                    answers.add(read(get("/api/consent/verify", "demo")));
                }
                for (Future<?> f : appending) {
                    f.get(30, TimeUnit.SECONDS);
                }

                assertThat(answers).isNotEmpty()
                        .allSatisfy(a -> assertThat(a.path("valid").asBoolean()).as(a.toString()).isTrue());
            } finally {
                writers.shutdownNow();
            }
        }
        /**
         * An erasure that commits while a sealer moves the person's proofs into the chain: the sealer must not write
         * the raw IP it read before the erasure into the chain after the erasure cleared the chain's copy.
         */
        @Test
        void erasesTheRawValuesOfProofsBeingSealedAtTheSameMoment() throws Exception {
            ExecutorService sides = Executors.newFixedThreadPool(2);
            CountDownLatch headHeld = new CountDownLatch(1);
            CountDownLatch releaseHead = new CountDownLatch(1);
            CountDownLatch erasing = new CountDownLatch(1);
            CountDownLatch releaseErasure = new CountDownLatch(1);
            try {
                // Hold every sealer back while the proof is recorded and the erasure begins.
                Future<?> head = sides.submit(() -> tx.executeWithoutResult(s -> {
                    jdbc.sql("select last_seq from consent_ledger_head where id = 1 for update").query(Long.class)
                            .single();
                    headHeld.countDown();
                    hold(releaseHead);
                }));
                assertThat(headHeld.await(10, TimeUnit.SECONDS)).isTrue();
                String email = "erased-while-sealed." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
                String leadId = leadService.capture(request(email), FORM).id();
                Future<?> erasure = sides.submit(() -> tx.executeWithoutResult(s -> {
                    leadService.erase(leadId, "REQUESTED");
                    erasing.countDown();
                    hold(releaseErasure);
                }));
                assertThat(erasing.await(10, TimeUnit.SECONDS)).isTrue();

                releaseHead.countDown();
                head.get(10, TimeUnit.SECONDS);
                // A sealer now has the head and stands on a row the open erasure holds.
                await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.sql("""
                        select count(*) from pg_stat_activity
                         where wait_event_type = 'Lock' and query like '%consent_ledger_pending%'""")
                        .query(Long.class).single() > 0);
                releaseErasure.countDown();
                erasure.get(10, TimeUnit.SECONDS);

                assertThat(ledger.entries(leadId)).extracting(ConsentLedger.Entry::event)
                        .containsSubsequence("SUBMITTED", "ERASED");
                assertThat(ledger.entries(leadId)).allSatisfy(e -> {
                    assertThat(e.ip()).isNull();
                    assertThat(e.userAgent()).isNull();
                });
                assertThat(ledger.verify().valid()).isTrue();
            } finally {
                releaseHead.countDown();
                releaseErasure.countDown();
                sides.shutdownNow();
            }
        }

        private static void hold(CountDownLatch latch) {
            try {
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private interface Task<T> {
        T run(int index) throws Exception;
    }

    /** Runs the task on that many threads released at the same instant, and returns every result. */
    private static <T> List<T> all(int threads, Task<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch ready = new CountDownLatch(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                Callable<T> call = () -> {
                    ready.countDown();
                    go.await();
                    return task.run(index);
                };
                futures.add(pool.submit(call));
            }
            ready.await(10, TimeUnit.SECONDS);
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private static CaptureRequest request(String email) {
        return new CaptureRequest(email, "Jane", "Doe", "Acme", "VP Marketing", "software", "1200", "FR", null,
                "test", null, null, null, "Yes, send me the newsletter", "en", null);
    }

    /** Tokens are issued when an email is rendered; this renders the links of a confirmation email now. */
    private String renderedConfirmationToken(String leadId) {
        String url = consent.linksFor(leads.get(leadId), "doi-confirmation").get("confirmUrl");
        return url.substring(url.indexOf("token=") + "token=".length());
    }

    private JsonNode openHandoff(String leadId) {
        for (JsonNode h : read(get("/api/handoffs?status=open", "demo"))) {
            if (h.path("leadId").asText().equals(leadId)) {
                return h;
            }
        }
        return null;
    }
}
