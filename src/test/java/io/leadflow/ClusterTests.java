package io.leadflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.leadflow.channel.email.MailParts;
import io.leadflow.experiment.ExperimentPlan;
import io.leadflow.experiment.Experiments;
import io.leadflow.support.EmbeddedDatabase;
import io.leadflow.support.FaultyCrm;
import io.leadflow.support.LeadflowNode;
import io.leadflow.support.NodeProcess;
import io.leadflow.support.OwnContext;
import io.leadflow.support.ScriptedSmtpServer;

/**
 * Two Leadflow nodes on one PostgreSQL, as in production behind a load balancer: leads captured and confirmed on
 * either node, their jobs and emails done by whichever node takes them, an SMTP server that refuses some emails
 * once ({@code 451}) and a CRM that throttles, fails and times out on some first pushes ({@link FaultyCrm}). Every
 * lead must reach its stage, every email and every CRM push must happen exactly once, also when a node is stopped
 * mid-run or a database connection is killed under a job.
 */
@Tag(OwnContext.TAG)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTests {

    private static final Logger log = LoggerFactory.getLogger(ClusterTests.class);
    private static final Duration PHASE_LIMIT = Duration.ofSeconds(90);
    private static final Pattern CONFIRM_TOKEN = Pattern.compile("/optin/confirm\\?token=([A-Za-z0-9_\\-]+)");
    private static final List<String> MQL_EVENTS = List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED");

    static ScriptedSmtpServer smtp;
    static WireMockServer crm;
    static JdbcTemplate db;
    static LeadflowNode nodeA;
    static LeadflowNode nodeB;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final Mailbox mailbox = new Mailbox();

    @BeforeAll
    static void startCluster() throws Exception {
        smtp = new ScriptedSmtpServer();
        crm = FaultyCrm.startServer();
        db = new JdbcTemplate(new DriverManagerDataSource(EmbeddedDatabase.jdbcUrl("cluster-tests"), "postgres", ""));
        // One after the other, as a rolling start does; both then run their job executors on the same tables.
        nodeA = LeadflowNode.start("node-a", settings());
        nodeB = LeadflowNode.start("node-b", settings());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        for (LeadflowNode node : new LeadflowNode[] {nodeA, nodeB}) {
            if (node != null && node.running()) {
                node.close();
            }
        }
        if (crm != null) {
            crm.stop();
        }
        if (smtp != null) {
            smtp.close();
        }
        ClockUtil.reset();
    }

    /** A test that failed half-way may have left a node stopped. */
    @BeforeEach
    void bothNodesRunning() {
        if (!nodeA.running()) {
            nodeA = LeadflowNode.start("node-a", settings());
        }
        if (!nodeB.running()) {
            nodeB = LeadflowNode.start("node-b", settings());
        }
    }

    @AfterEach
    void noIncidentsAndNothingLeftOver() {
        assertThat(db.queryForList("select incident_msg_ from act_ru_incident", String.class)).isEmpty();
    }

    static Map<String, String> settings() {
        Map<String, String> s = new TreeMap<>();
        s.put("spring.mail.host", "127.0.0.1");
        s.put("spring.mail.port", String.valueOf(smtp.port()));
        s.put("leadflow.crm.base-url", "http://127.0.0.1:" + crm.port() + "/crm");
        s.put("leadflow.crm.auth.token", "test-crm-token");
        // A slow answer of the CRM must hit the read timeout; waits between tries short enough for a test.
        s.put("leadflow.crm.connect-timeout", "PT1S");
        s.put("leadflow.crm.read-timeout", "PT1S");
        s.put("leadflow.crm.retry.initial-backoff", "PT1S");
        s.put("leadflow.mail.retry.initial-backoff", "PT1S");
        // claims of a node killed mid-run are looked at every few seconds, not every minute; and a claim a live node
        // could neither use nor give back (its connections killed twice in a row) runs out within a test's phase
        s.put("leadflow.mail.claim-check-every", "PT5S");
        s.put("leadflow.mail.claim-time", "PT20S");
        // A job whose connection is killed, and then the connection that records its failure too, stays locked
        // until its lock expires (Camunda's default: 5 minutes, as a crashed node's jobs): short here, so that the
        // test sees that recovery within its phase limit. Every job of this workload ends within seconds.
        s.put("camunda.bpm.job-execution.lock-time-in-millis", "15000");
        s.put("spring.main.banner-mode", "off");
        s.put("logging.level.io.leadflow", "WARN");
        s.put("logging.level.io.leadflow.ClusterTests", "INFO");
        // the faults are the point here: one stack trace per failed try of a job would bury what fails
        s.put("logging.level.org.camunda.bpm.engine.context", "OFF");
        s.put("logging.level.org.camunda.bpm.engine.jobexecutor", "ERROR");
        return s;
    }

    @Test
    @Order(1)
    void carriesTwoHundredLeadsThroughTwoNodesWithEveryEmailAndCrmPushExactlyOnce() throws Exception {
        Run run = new Run(200);

        run.capture(i -> i % 2 == 0 ? nodeA : nodeB);
        run.awaitEmails("doi-confirmation");
        run.confirm(i -> i % 2 == 0 ? nodeB : nodeA);
        run.awaitEmails("welcome");
        run.engage(i -> i % 2 == 0 ? nodeA : nodeB);
        run.awaitHandedOffAndPushed();

        run.assertEveryLeadHandedOffOnce();
        run.assertEveryEmailAndPushExactlyOnce();
        assertThat(run.faultsMet()).as("SMTP 451s and CRM faults answered during the run").satisfies(f -> {
            assertThat(f.get("smtp 451")).isPositive();
            assertThat(f.get("crm 503 retry-after")).isPositive();
            assertThat(f.get("crm 500")).isPositive();
            assertThat(f.get("crm slow")).isPositive();
        });
        assertThat(run.jobsDoneBy()).as("jobs done per node").containsKeys("node-a", "node-b")
                .allSatisfy((node, jobs) -> assertThat(jobs).isGreaterThan(100));
        assertThat(run.emailsSentBy()).as("emails sent per node").containsKeys("node-a", "node-b")
                .allSatisfy((node, emails) -> assertThat(emails).isGreaterThan(20));
        log.info("Cluster run of {} leads: jobs per node {}, emails per node {}, faults {}, late CRM answers"
                + " pushed again {}", run.size, run.jobsDoneBy(), run.emailsSentBy(), run.faultsMet(),
                run.lateAnswersRepeated());
    }

    @Test
    @Order(2)
    void finishesTheWorkOfANodeStoppedMidRunOnTheOtherNodeAndTheRestartedOne() throws Exception {
        Run run = new Run(50);

        run.capture(i -> i % 2 == 0 ? nodeA : nodeB);
        // Its job executor and email senders hold part of the confirmations now: node B must send all of them.
        nodeA.close();
        run.awaitEmails("doi-confirmation");
        run.confirm(i -> nodeB);
        nodeA = LeadflowNode.start("node-a", settings());
        run.awaitEmails("welcome");
        run.engage(i -> i % 2 == 0 ? nodeA : nodeB);
        awaitUntil("a quarter of the leads pushed to the CRM", () -> run.pushed() >= run.size / 4);
        // Handoffs and CRM pushes (some waiting for a retry) are in flight on both nodes.
        nodeB.close();
        run.awaitHandedOffAndPushed();
        nodeB = LeadflowNode.start("node-b", settings());

        run.assertEveryLeadHandedOffOnce();
        run.assertEveryEmailAndPushExactlyOnce();
        log.info("Node stopped mid-run ({} leads): jobs per node {}, emails per node {}", run.size, run.jobsDoneBy(),
                run.emailsSentBy());
    }

    /**
     * People who confirm and, the same second, do what makes them MQL: their lead-qualification journey is then
     * still before its wait for LeadQualified (its scoring job queued or running) on one node while the events
     * arrive on the other. Every one must reach sales exactly once, and nurture must not write to them after.
     */
    @Test
    @Order(4)
    void handsEveryLeadThatEngagesTheMomentItConfirmsToSalesExactlyOnce() throws Exception {
        Run run = new Run(200);

        run.capture(i -> i % 2 == 0 ? nodeA : nodeB);
        run.awaitEmails("doi-confirmation");
        run.confirmAndEngageAtOnce(i -> i % 2 == 0 ? nodeA : nodeB, i -> i % 2 == 0 ? nodeB : nodeA);
        run.awaitHandedOffAndPushed();
        // Welcome emails queued before a lead turned MQL may still wait for their SMTP retry (then skipped).
        awaitUntil("every queued email sent or skipped", () -> count("""
                select count(*) from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.status in ('PENDING', 'SENDING')""", run.like()) == 0);

        run.assertEveryLeadHandedOffOnce();
        assertThat(db.queryForList("""
                select l.id || ' ' || o.template from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.created_at > l.first_mql_at and o.template not like 'sla-%'""",
                String.class, run.like())).as("marketing emails queued after the lead became an MQL").isEmpty();
        // One handed to SMTP before the lead qualified goes out; none is handed over after (a few seconds of SMTP).
        assertThat(db.queryForList("""
                select l.id || ' ' || o.template || ' ' || o.sent_at from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.status = 'SENT' and o.to_address is null and o.template not like 'doi-%'
                   and o.sent_at > l.first_mql_at + interval '5 seconds'""", String.class, run.like()))
                .as("marketing emails sent after the lead became an MQL").isEmpty();
        assertThat(db.queryForList("""
                select p.business_key_ from act_ru_execution p join leads l on l.id = p.business_key_
                  join act_re_procdef d on d.id_ = p.proc_def_id_
                 where l.email like ? and p.parent_id_ is null and d.key_ = 'nurture'""", String.class, run.like()))
                .as("nurture journeys still running for MQLs").isEmpty();
    }

    @Test
    @Order(3)
    void losesNothingWhenTheDatabaseKillsTheConnectionsOfANodeMidJobAndOfTheNodeSendingEmails() throws Exception {
        Run run = new Run(50);
        var emailPollerB = nodeB.bean("emailOutboxPoller", org.springframework.context.Lifecycle.class);
        ConnectionKiller emailKiller;
        // Node A takes the requests and sends emails, node B does every job: node A's job executor pauses, or it
        // would take the jobs it creates itself (a node is told of its own new jobs at once) and B would idle.
        var jobExecutorA = jobExecutor(nodeA);
        jobExecutorA.shutdown();
        // A budget of kills: node B's work is cut mid-transaction again and again at first, then it must carry on.
        ConnectionKiller killer = new ConnectionKiller("node-b", 25);

        try (killer) {
            run.capture(i -> nodeA);
            run.awaitEmailsMovingTime("doi-confirmation");
            run.confirm(i -> nodeA);
            // Node A alone sends the welcome emails, and its connections are killed as it claims, sends and
            // records them: an email the SMTP server took is recorded on a fresh connection, never sent again.
            emailPollerB.stop();
            emailKiller = new ConnectionKiller("node-a", 15, 20);
            try (emailKiller) {
                run.awaitEmailsMovingTime("welcome");
            } finally {
                emailPollerB.start();
            }
            run.engage(i -> nodeA);
            run.awaitHandedOffAndPushedMovingTime();
        } finally {
            jobExecutorA.start();
        }

        assertThat(killer.killed()).as("transactions of node B killed").isPositive();
        assertThat(emailKiller.killed()).as("transactions of node A, the email sender, killed").isPositive();
        run.assertEveryLeadHandedOffOnce();
        run.assertEveryEmailAndPushExactlyOnce();
        assertThat(run.jobsDoneBy()).as("jobs done per node").containsOnlyKeys("node-b");
        log.info("Connections killed mid-job ({} leads): {} killed, of the email sender {}, jobs per node {}, emails"
                + " per node {}", run.size, killer.killed(), emailKiller.killed(), run.jobsDoneBy(), run.emailsSentBy());
    }

    /**
     * A node killed with {@code kill -9} (a JVM of its own) while it runs every job, sends every email and makes every
     * CRM push of 40 leads that confirm and qualify: nothing is given back, so the other nodes take its work once its
     * job locks and email claims run out. Every lead reaches sales with one CRM record, no email reaches anyone
     * twice; an email the dead node may have been handing to SMTP is marked "delivery uncertain", not resent.
     */
    @Test
    @Order(5)
    void finishesOnTheOtherNodesTheJobsEmailsAndCrmPushesOfANodeKilledWithKill9() throws Exception {
        // The killed node runs on real time: so do the others here (a clock moved ahead would take its live claims).
        ClockUtil.reset();
        clockOffset = 0;
        // a slow SMTP server (a second per email): the killed node dies with emails in flight
        Run run = new Run(40, "slow");
        List<String> nurtured = new ArrayList<>();
        for (int i = 1; i < run.size; i += 2) {
            nurtured.add(run.emails.get(i));
        }
        var executorA = jobExecutor(nodeA);
        var executorB = jobExecutor(nodeB);
        var senderA = nodeA.bean("emailOutboxPoller", org.springframework.context.Lifecycle.class);
        var senderB = nodeB.bean("emailOutboxPoller", org.springframework.context.Lifecycle.class);
        Map<String, String> doomedSettings = new TreeMap<>(settings());
        doomedSettings.put("leadflow.mail.claim-time", "PT10S");
        long pushedWhenKilled;
        int welcomedWhenKilled;
        try (NodeProcess doomed = NodeProcess.start("node-c", LeadflowApplication.class, NodeProcess.freePort(),
                java.nio.file.Path.of("target", "nodes", "node-c.log"),
                LeadflowNode.arguments("node-c", doomedSettings))) {
            // nodes A and B take the requests; node C alone runs the jobs and sends the emails
            executorA.shutdown();
            executorB.shutdown();
            senderA.stop();
            senderB.stop();
            try {
                run.capture(i -> i % 2 == 0 ? nodeA : nodeB);
                run.awaitEmails("doi-confirmation");
                run.confirm(i -> i % 2 == 0 ? nodeA : nodeB);
                // the even leads qualify at once (jobs and CRM pushes), the odd ones stay in nurture (welcome emails)
                run.engageOnly(i -> i % 2 == 0, i -> nodeB);
                awaitUntil("node C sending welcome emails and pushing leads to the CRM",
                        () -> mailbox.of(nurtured, "welcome").size() >= 3 && run.pushed() >= 1);
                doomed.kill();
                pushedWhenKilled = run.pushed();
                welcomedWhenKilled = mailbox.of(nurtured, "welcome").size();
            } finally {
                executorA.start();
                executorB.start();
                senderA.start();
                senderB.start();
            }
        }

        awaitUntilMovingTime("every engaged lead an MQL handed off and pushed to the CRM", () -> count("""
                select count(*) from leads l where l.email like ? and l.stage = 'MQL' and l.crm_id = 'CRM-' || l.id
                   and exists (select 1 from handoffs h where h.lead_id = l.id and h.status = 'OPEN')""", run.like())
                == run.size / 2);
        awaitUntil("every email of the run sent, skipped or uncertain", () -> count("""
                select count(*) from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.status in ('PENDING', 'SENDING')""", run.like()) == 0);

        assertThat(pushedWhenKilled).as("leads pushed when node C died").isLessThan(run.size / 2);
        assertThat(welcomedWhenKilled).as("nurtured leads welcomed when node C died").isLessThan(nurtured.size());
        assertThat(db.queryForList("""
                select l.id from leads l join handoffs h on h.lead_id = l.id where l.email like ?
                 group by l.id having count(*) > 1""", String.class, run.like())).as("leads with two handoffs").isEmpty();
        assertThat(mailbox.of(run.emails, null).stream()
                .collect(Collectors.groupingBy(m -> m.recipient() + " " + m.purpose(), Collectors.counting())))
                .as("emails received per recipient and purpose").allSatisfy((key, n) -> assertThat(n).as(key).isOne());
        assertThat(mailbox.of(run.emails, "doi-confirmation")).hasSize(run.size);
        List<String> uncertain = db.queryForList("""
                select o.id from email_outbox o join leads l on l.id = o.lead_id
                 where l.email like ? and o.status = 'FAILED' and o.last_error like 'delivery uncertain%'""",
                String.class, run.like());
        // at most one per sender (4) and the poller's own thread, which sends too when every sender is busy
        assertThat(uncertain).as("emails node C may have been handing to SMTP when it died").hasSizeLessThanOrEqualTo(5);
        assertThat(db.queryForList("""
                select o.purpose || ' ' || o.status || ' ' || coalesce(o.last_error, '') from email_outbox o
                  join leads l on l.id = o.lead_id where l.email like ? and o.status <> 'SENT'
                   and not (o.status = 'SKIPPED' and o.last_error like 'lead is %: sales has it')
                   and not (o.status = 'FAILED' and o.last_error like 'delivery uncertain%')""", String.class,
                run.like())).as("emails neither sent, skipped because sales has the lead, nor uncertain").isEmpty();
        Map<String, List<Integer>> answers = FaultyCrm.answersByKey(crm);
        for (int i = 0; i < run.size; i += 2) {
            String leadId = run.leadIds.get(run.emails.get(i));
            assertThat(answers.get(leadId + ":mql-handoff")).as("CRM answers to the pushes of lead %s", leadId)
                    .isNotNull().filteredOn(status -> status == 201).hasSize(1);
        }
        assertThat(mailbox.of(nurtured, "welcome").size() + uncertain.size()).as("nurtured leads welcomed")
                .isGreaterThanOrEqualTo(nurtured.size());
        assertThat(run.emailsSentBy()).as("emails sent per node").containsKey("node-c");
        log.info("Node killed with kill -9 after {} of {} CRM pushes and {} of {} welcome emails: emails per node {},"
                + " jobs per node {}, {} email(s) uncertain", pushedWhenKilled, run.size / 2, welcomedWhenKilled,
                nurtured.size(), run.emailsSentBy(), run.jobsDoneBy(), uncertain.size());
    }

    /**
     * A client meets one limit whichever node answers it: the submissions naming one address and the failed sign-ins
     * of one user are counted in the database both nodes share, not per node.
     */
    @Test
    @Order(6)
    void countsOneLimitForAClientWhicheverNodeAnswersIt() throws Exception {
        String email = "limited." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String form = "{\"email\": \"" + email + "\"}";
        for (int i = 0; i < 10; i++) {
            assertThat(send(i % 2 == 0 ? nodeA : nodeB, "/forms/newsletter", "application/json", form, null)
                    .statusCode()).as("submission %d", i + 1).isEqualTo(202);
        }
        for (LeadflowNode node : List.of(nodeA, nodeB)) {
            var refused = send(node, "/forms/newsletter", "application/json", form, null);
            assertThat(refused.statusCode()).as(node.name()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        }

        for (int i = 0; i < 10; i++) {
            assertThat(signIn(i % 2 == 0 ? nodeA : nodeB, "bob", "guess-" + i)).isEqualTo(401);
        }
        assertThat(signIn(nodeA, "bob", "demo")).isEqualTo(429);
        assertThat(signIn(nodeB, "bob", "demo")).isEqualTo(429);
        assertThat(signIn(nodeB, "alice", "demo")).as("another user").isEqualTo(200);
    }

    /**
     * An experiment is decided once whichever nodes look at it together, and a winner chosen on one node takes every new
     * lead on the other at once, while a lead keeps the variant it drew whichever node draws it again.
     */
    @Test
    @Order(7)
    void decidesAnExperimentOnceAndRoutesEveryNewLeadToItsWinnerOnBothNodes() throws Exception {
        Experiments onA = nodeA.bean(Experiments.class);
        Experiments onB = nodeB.bean(Experiments.class);
        ExperimentPlan plan = ExperimentPlan.parse(Map.of("experiment", "cluster-split", "variants", "A 50, B 50",
                "metric", "mql", "window", "P14D", "minLeads", "100"));
        onA.register(plan, "nurture", "Task_Split");
        for (int i = 0; i < 20; i++) {
            String leadId = UUID.randomUUID().toString();
            assertThat(onB.assign(plan, leadId, "nurture", "Task_Split")).as("the same lead on the other node")
                    .isEqualTo(onA.assign(plan, leadId, "nurture", "Task_Split"));
        }
        // a sample whose answer is known, drawn long ago: B makes three times as many MQLs
        JdbcTemplate jdbc = nodeA.bean(JdbcTemplate.class);
        Instant longAgo = Instant.now().minus(Duration.ofDays(3 * 365));
        for (int i = 0; i < 300; i++) {
            String leadId = UUID.randomUUID().toString();
            String variant = i < 150 ? "A" : "B";
            jdbc.update("""
                    insert into experiment_assignments (experiment_key, lead_id, variant, in_sample, assigned_at,
                                                        window_ends_at) values ('cluster-split', ?, ?, true, ?, ?)""",
                    leadId, variant, Timestamp.from(longAgo), Timestamp.from(longAgo.plus(Duration.ofDays(14))));
            if (i % 150 < (variant.equals("A") ? 15 : 45)) {
                jdbc.update("insert into stage_history (lead_id, stage, entered_at) values (?, 'MQL', ?)", leadId,
                        Timestamp.from(longAgo.plus(Duration.ofDays(2))));
            }
        }

        ExecutorService both = Executors.newFixedThreadPool(2);
        Future<List<String>> byA = both.submit(onA::evaluateAll);
        Future<List<String>> byB = both.submit(onB::evaluateAll);
        List<String> decided = new ArrayList<>(byA.get(60, TimeUnit.SECONDS));
        decided.addAll(byB.get(60, TimeUnit.SECONDS));
        both.shutdown();
        assertThat(decided.stream().filter("cluster-split"::equals)).as("decided by one node, once").hasSize(1);
        assertThat(onB.find("cluster-split").winner()).isEqualTo("B");
        for (int i = 0; i < 10; i++) {
            assertThat(onA.assign(plan, UUID.randomUUID().toString(), "nurture", "Task_Split")).isEqualTo("B");
        }

        // a marketer on node A picks A by hand: node B routes every new lead to it at once
        var chosen = send(nodeA, "/api/analytics/experiments/cluster-split/winner", "application/json",
                "{\"variant\": \"A\"}", "demo");
        assertThat(chosen.statusCode()).as(chosen.body()).isEqualTo(200);
        for (int i = 0; i < 10; i++) {
            assertThat(onB.assign(plan, UUID.randomUUID().toString(), "nurture", "Task_Split")).isEqualTo("A");
        }
    }

    private static int signIn(LeadflowNode node, String user, String password) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(node.url("/api/handoffs")))
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static org.camunda.bpm.engine.impl.jobexecutor.JobExecutor jobExecutor(LeadflowNode node) {
        return ((ProcessEngineConfigurationImpl) node.bean(ProcessEngine.class).getProcessEngineConfiguration())
                .getJobExecutor();
    }

    /**
     * Terminates, a few times a second, one database backend of the node that is inside a statement or a
     * transaction ({@code pg_terminate_backend}), as a failover, a network cut or an administrator would; at most
     * {@code budget} of them, so that the node's work afterwards shows it recovered rather than that it gave up.
     */
    static final class ConnectionKiller implements AutoCloseable {

        private final java.util.concurrent.ScheduledExecutorService ticks =
                Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger killed = new AtomicInteger();

        ConnectionKiller(String node, int budget) {
            this(node, budget, 250);
        }

        ConnectionKiller(String node, int budget, long everyMillis) {
            ticks.scheduleWithFixedDelay(() -> {
                if (killed.get() >= budget) {
                    return;
                }
                try {
                    List<Integer> busy = db.queryForList("""
                            select pid from pg_stat_activity where application_name = ?
                               and state in ('active', 'idle in transaction') order by random() limit 1""",
                            Integer.class, node);
                    for (Integer pid : busy) {
                        if (Boolean.TRUE.equals(db.queryForObject("select pg_terminate_backend(?)", Boolean.class,
                                pid))) {
                            killed.incrementAndGet();
                        }
                    }
                } catch (RuntimeException e) {
                    log.warn("Could not kill a connection: {}", e.toString());
                }
            }, 100, everyMillis, TimeUnit.MILLISECONDS);
        }

        int killed() {
            return killed.get();
        }

        /**
         * Stops killing, and has both nodes' pools replace every connection: a backend terminated just as its
         * statement ended goes back to the pool looking healthy, and the next test's first request would meet it
         * (a 503 in the capture of the test after this one, twice in a dozen runs).
         */
        @Override
        public void close() throws InterruptedException {
            ticks.shutdownNow();
            ticks.awaitTermination(10, TimeUnit.SECONDS);
            for (LeadflowNode node : List.of(nodeA, nodeB)) {
                try {
                    node.bean(javax.sql.DataSource.class).unwrap(com.zaxxer.hikari.HikariDataSource.class)
                            .getHikariPoolMXBean().softEvictConnections();
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Scenario state: one set of leads, named by a tag in their addresses. */
    final class Run {

        final int size;
        final String tag = UUID.randomUUID().toString().substring(0, 6);
        final Instant started = Instant.now();
        final List<String> emails = new ArrayList<>();
        final Map<String, String> leadIds = new java.util.concurrent.ConcurrentHashMap<>();

        Run(int size) {
            this(size, null);
        }

        /** @param prefix of every address, which the SMTP server reads ({@code slow}: a second per email) */
        Run(int size, String prefix) {
            this.size = size;
            for (int i = 0; i < size; i++) {
                // every fifth address is refused once by the SMTP server (451), then accepted
                String kind = prefix != null ? prefix + "-" : i % 5 == 0 ? "flaky-" : "lead-";
                emails.add(kind + tag + "-" + i + "@acme-corp.io");
            }
        }

        void capture(java.util.function.IntFunction<LeadflowNode> nodeOf) throws Exception {
            parallel(size, i -> {
                String body = """
                        {"email":"%s","firstName":"Jane","lastName":"Doe","company":"Acme","jobTitle":"VP Marketing",
                         "industry":"software","companySize":"1200","country":"FR","language":"en"}"""
                        .formatted(emails.get(i));
                HttpResponse<String> answer = send(nodeOf.apply(i), "/forms/newsletter", "application/json", body,
                        null);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
            });
            // a public form names no lead: the ids are looked up as staff would
            for (String email : emails) {
                leadIds.put(email, db.queryForObject("select id from leads where email = ?", String.class, email));
            }
        }

        void confirm(java.util.function.IntFunction<LeadflowNode> nodeOf) throws Exception {
            Map<String, String> tokens = confirmationTokens();
            parallel(size, i -> confirmOne(nodeOf.apply(i), i, tokens));
        }

        private Map<String, String> confirmationTokens() {
            Map<String, String> tokens = new java.util.HashMap<>();
            for (Mail mail : mailbox.of(emails, "doi-confirmation")) {
                Matcher m = CONFIRM_TOKEN.matcher(mail.text());
                assertThat(m.find()).as("confirmation link in the email to %s", mail.recipient()).isTrue();
                tokens.put(mail.recipient(), m.group(1));
            }
            return tokens;
        }

        private void confirmOne(LeadflowNode node, int i, Map<String, String> tokens) {
            HttpResponse<String> page = send(node, "/optin/confirm", "application/x-www-form-urlencoded",
                    "token=" + URLEncoder.encode(tokens.get(emails.get(i)), StandardCharsets.UTF_8), null);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("you are confirmed");
        }

        void engage(java.util.function.IntFunction<LeadflowNode> nodeOf) throws Exception {
            parallel(size, i -> engageOne(nodeOf.apply(i), i));
        }

        /** Only the leads {@code which} picks send their MQL-making events. */
        void engageOnly(java.util.function.IntPredicate which, java.util.function.IntFunction<LeadflowNode> nodeOf)
                throws Exception {
            parallel(size, i -> {
                if (which.test(i)) {
                    engageOne(nodeOf.apply(i), i);
                }
            });
        }

        private void engageOne(LeadflowNode node, int i) {
            for (String type : MQL_EVENTS) {
                HttpResponse<String> answer = send(node, "/api/events", "application/json",
                        "{\"leadId\":\"%s\",\"type\":\"%s\"}".formatted(leadIds.get(emails.get(i)), type), "demo");
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
                assertThat(answer.body()).contains("\"scored\":true");
            }
        }

        /** Each lead confirms on one node and sends its MQL-making events to the other right after. */
        void confirmAndEngageAtOnce(java.util.function.IntFunction<LeadflowNode> confirmOn,
                java.util.function.IntFunction<LeadflowNode> engageOn) throws Exception {
            Map<String, String> tokens = confirmationTokens();
            parallel(size, i -> {
                confirmOne(confirmOn.apply(i), i, tokens);
                engageOne(engageOn.apply(i), i);
            });
        }

        void awaitEmails(String purpose) {
            awaitUntil(purpose + " email delivered to each of the " + size + " leads", () -> emailsDelivered(purpose));
        }

        void awaitHandedOffAndPushed() {
            awaitUntil("every lead an MQL handed off and pushed to the CRM", this::handedOffAndPushed);
        }

        long pushed() {
            return count("select count(*) from leads where email like ? and crm_id is not null", like());
        }

        /** As {@link #awaitEmails}, letting time pass for jobs that wait for their next try after a failure. */
        void awaitEmailsMovingTime(String purpose) {
            awaitUntilMovingTime(purpose + " email delivered to each of the " + size + " leads",
                    () -> emailsDelivered(purpose));
        }

        void awaitHandedOffAndPushedMovingTime() {
            awaitUntilMovingTime("every lead an MQL handed off and pushed to the CRM", this::handedOffAndPushed);
        }


        private boolean emailsDelivered(String purpose) {
            return mailbox.of(emails, purpose).stream().map(Mail::recipient).distinct().count() == size;
        }

        private boolean handedOffAndPushed() {
            return count("""
                    select count(*) from leads l where l.email like ? and l.stage = 'MQL' and l.crm_id = 'CRM-' || l.id
                       and exists (select 1 from handoffs h where h.lead_id = l.id and h.status = 'OPEN')""",
                    like()) == size;
        }

        void assertEveryLeadHandedOffOnce() {
            assertThat(count("select count(*) from leads where email like ? and consent = 'CONFIRMED'", like()))
                    .isEqualTo(size);
            assertThat(db.queryForList("""
                    select l.id from leads l join handoffs h on h.lead_id = l.id where l.email like ?
                     group by l.id having count(*) > 1""", String.class, like())).as("leads with two handoffs")
                    .isEmpty();
            assertThat(db.queryForList("""
                    select o.purpose || ' ' || o.status || ' ' || coalesce(o.last_error, '') from email_outbox o
                      join leads l on l.id = o.lead_id where l.email like ? and o.status <> 'SENT'
                       and not (o.status = 'SKIPPED' and o.last_error like 'lead is %: sales has it')""",
                    String.class, like())).as("emails neither sent nor skipped because sales has the lead").isEmpty();
        }

        void assertEveryEmailAndPushExactlyOnce() {
            Map<String, Long> perRecipientAndPurpose = mailbox.of(emails, null).stream()
                    .collect(Collectors.groupingBy(m -> m.recipient() + " " + m.purpose(), Collectors.counting()));
            assertThat(perRecipientAndPurpose).as("emails received per recipient and purpose")
                    .hasSize(2 * size).allSatisfy((key, n) -> assertThat(n).as(key).isOne());
            Map<String, List<Integer>> answers = FaultyCrm.answersByKey(crm);
            for (String leadId : leadIds.values()) {
                List<Integer> statuses = answers.get(leadId + ":mql-handoff");
                assertThat(statuses).as("CRM answers to the pushes of lead %s", leadId).isNotNull()
                        .filteredOn(s -> s == 201).as("records created in the CRM for lead %s", leadId).hasSize(1);
                if (statuses.contains(200)) {
                    // Pushed again after the CRM had taken it: only allowed when its answer never reached us (too
                    // late for the read timeout, or the connection cut), and then the same idempotency key gets the
                    // same record back. The failure kept is the last one: a retry may have met a stale connection.
                    assertThat(db.queryForObject("select failure_class from crm_failures where lead_id = ?",
                            String.class, leadId)).as("why lead %s was pushed again: %s", leadId, statuses)
                            .isIn("TIMEOUT", "CONNECTION");
                }
            }
        }

        /** Pushes the CRM had taken but answered after the read timeout, so the same key was pushed again. */
        long lateAnswersRepeated() {
            Map<String, List<Integer>> answers = FaultyCrm.answersByKey(crm);
            return leadIds.values().stream()
                    .filter(id -> answers.getOrDefault(id + ":mql-handoff", List.of()).contains(200)).count();
        }

        Map<String, Integer> faultsMet() {
            Map<String, Integer> faults = new TreeMap<>();
            faults.put("smtp 451", (int) emails.stream().filter(e -> e.startsWith("flaky-"))
                    .filter(e -> smtp.attemptsFor(e) > 1).count());
            Map<String, List<Integer>> answers = FaultyCrm.answersByKey(crm);
            leadIds.values().forEach(id -> {
                List<Integer> statuses = answers.getOrDefault(id + ":mql-handoff", List.of());
                if (statuses.isEmpty() || statuses.get(0) < 500) {
                    return;
                }
                String kind = switch (Math.floorMod((id + ":mql-handoff").hashCode(), 10)) {
                    case 0, 1 -> "crm 503 retry-after";
                    case 2 -> "crm 500";
                    default -> "crm slow";
                };
                faults.merge(kind, 1, Integer::sum);
            });
            return faults;
        }

        /** Successful job executions per node (the job log's host name is the node's name). */
        Map<String, Long> jobsDoneBy() {
            Map<String, Long> byNode = new TreeMap<>();
            db.query("""
                    select j.hostname_, count(*) from act_hi_job_log j
                      join act_hi_procinst p on p.id_ = j.process_instance_id_
                      join leads l on l.id = p.business_key_
                     where l.email like ? and j.job_state_ = 2 group by j.hostname_""",
                    rs -> {
                        byNode.put(rs.getString(1), rs.getLong(2));
                    }, like());
            return byNode;
        }

        /** Emails of this run per node (the name the node greeted the SMTP server with). */
        Map<String, Long> emailsSentBy() {
            return mailbox.of(emails, null).stream().collect(Collectors.groupingBy(Mail::client, TreeMap::new,
                    Collectors.counting()));
        }

        String like() {
            return "%-" + tag + "-%";
        }
    }

    private static long count(String sql, Object... args) {
        Long n = db.queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }

    private static void awaitUntil(String what, java.util.concurrent.Callable<Boolean> done) {
        org.awaitility.Awaitility.await().alias(what).atMost(PHASE_LIMIT).pollInterval(Duration.ofMillis(200)).until(done);
    }

    private static long clockOffset;

    /**
     * As {@link #awaitUntil}, but a job that failed waits for its retry cycle ({@code R5/PT1M}): when nothing is
     * running or due and only such retries are left, the engine's clock moves to the next one, as time would pass.
     */
    private static void awaitUntilMovingTime(String what, java.util.concurrent.Callable<Boolean> done) {
        awaitUntil(what, () -> {
            if (done.call()) {
                return true;
            }
            Timestamp now = ts(ClockUtil.now().toInstant());
            boolean busy = count("select count(*) from act_ru_job where lock_owner_ is not null"
                    + " or (retries_ > 0 and (duedate_ is null or duedate_ <= ?))", now) > 0
                    || count("select count(*) from email_outbox where status = 'SENDING'"
                            + " or (status = 'PENDING' and next_attempt_at <= ?)", now) > 0;
            Timestamp next = db.queryForObject("select min(duedate_) from act_ru_job where retries_ > 0"
                    + " and exception_msg_ is not null and duedate_ > ?", Timestamp.class, now);
            if (!busy && next != null) {
                clockOffset += next.getTime() - now.getTime() + 100;
                ClockUtil.offset(clockOffset);
                log.info("Nothing to do but retries: engine clock moved {} ms ahead", clockOffset);
            }
            return false;
        });
    }

    private static HttpResponse<String> send(LeadflowNode node, String path, String contentType, String body,
            String user) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node.url(path)))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", contentType)
                .header("Accept", contentType.equals("application/json") ? "application/json" : "text/html")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":demo").getBytes(StandardCharsets.UTF_8)));
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("POST " + path + " to " + node.name() + " failed: " + e, e);
        }
    }

    /** Runs op(0..n-1) on eight client threads, as many visitors at once; the first failure fails the test. */
    private static void parallel(int n, IntConsumer op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                clients.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        op.accept(i);
                    }
                }));
            }
            for (Future<?> client : clients) {
                client.get(PHASE_LIMIT.toSeconds(), TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    record Mail(String recipient, String purpose, String client, String text) {
    }

    /** What the SMTP server accepted, parsed once per email. */
    static final class Mailbox {

        private final List<Mail> parsed = new ArrayList<>();

        synchronized List<Mail> of(List<String> recipients, String purpose) {
            List<ScriptedSmtpServer.Delivery> all = smtp.deliveries();
            for (ScriptedSmtpServer.Delivery d : all.subList(parsed.size(), all.size())) {
                parsed.add(parse(d));
            }
            java.util.Set<String> wanted = new java.util.HashSet<>(recipients);
            return parsed.stream().filter(m -> wanted.contains(m.recipient()))
                    .filter(m -> purpose == null || purpose.equals(m.purpose())).toList();
        }

        private static Mail parse(ScriptedSmtpServer.Delivery delivery) {
            try {
                MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
                        new ByteArrayInputStream(delivery.data().getBytes(StandardCharsets.UTF_8)));
                return new Mail(delivery.recipient(), message.getHeader("X-Leadflow-Purpose", null),
                        delivery.client(), MailParts.firstOfType(message, "text/plain"));
            } catch (Exception e) {
                throw new AssertionError("Unreadable email to " + delivery.recipient(), e);
            }
        }
    }

    static Timestamp ts(Instant i) {
        return Timestamp.from(i);
    }
}
