package io.leadflow.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.leadflow.LeadflowApplication;
import io.leadflow.lead.LeadImporter;
import io.leadflow.support.EmbeddedDatabase;
import io.leadflow.support.LeadflowNode;
import io.leadflow.support.NodeProcess;
import io.leadflow.support.OwnContext;

/**
 * Any node finishes any import. Nodes on one PostgreSQL, claims that run out after 8 s and are checked every second:
 * an import is cancelled from another node than the one running it; an upload to a node busy with another import is
 * run by a node that is free; a node stopped as a deployment stops it gives
 * its import back and another node finishes it; a node killed with {@code kill -9}, its own JVM, leaves a claim that
 * runs out, and another node finishes that import too; connections killed under an import's chunks pause it, and a
 * node takes it up again. Each time every row of the file is imported exactly once: one lead and one
 * {@code IMPORTED} proof per address, the counts adding up, the stored file gone.
 */
@Tag(OwnContext.TAG)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImportTakeoverTests {

    /**
     * Claims run out after 8 s, renewed every second: short enough for the killed node's import to be taken over
     * quickly, long enough that a node starved of CPU for a few seconds on a busy test machine keeps its claim (at 3 s
     * a second, legitimate takeover happened under load and "taken over once" failed).
     */
    private static final Map<String, String> SETTINGS = Map.of("spring.main.banner-mode", "off",
            "logging.level.io.leadflow", "WARN", "logging.level.io.leadflow.imports", "INFO",
            "leadflow.imports.claim-time", "PT8S", "leadflow.imports.check-every", "PT1S");
    private static final int ROWS = 120 * ImportService.CHUNK;

    private static JdbcTemplate db;
    private static LeadflowNode a;
    private static LeadflowNode b;

    @BeforeAll
    static void startNodes() {
        db = new JdbcTemplate(new DriverManagerDataSource(EmbeddedDatabase.jdbcUrl("import-takeover-tests"),
                "postgres", ""));
        a = LeadflowNode.start("import-node-a", SETTINGS);
        b = LeadflowNode.start("import-node-b", SETTINGS);
    }

    @AfterAll
    static void stopNodes() {
        for (LeadflowNode node : new LeadflowNode[] {a, b}) {
            if (node != null && node.running()) {
                node.close();
            }
        }
    }

    @Test
    @Order(1)
    void cancelsAnImportFromANodeOtherThanTheOneRunningIt() {
        String tag = tag();
        String id = startedOnNodeA(tag);

        b.bean(ImportService.class).cancel(id);

        Map<String, Object> after = awaitEnded(id);
        assertThat(after.get("status")).isEqualTo("CANCELLED");
        int read = (Integer) after.get("rows_read");
        assertThat(read).isLessThan(ROWS);
        assertThat(read % ImportService.CHUNK).as("whole chunks only").isZero();
        assertThat(leads(tag)).isEqualTo(read).isEqualTo(after.get("created"));
        assertThat(storedParts(id)).isZero();
    }

    @Test
    @Order(2)
    void leavesAnUploadItCannotStartNowToANodeThatIsFree() {
        String busy = startedOnNodeA(tag());
        String tag = tag();
        String small = a.bean(ImportService.class).start(new ByteArrayInputStream(("email\n"
                + "first." + tag + "@acme-corp.io\nsecond." + tag + "@acme-corp.io\n").getBytes(StandardCharsets.UTF_8)),
                options(), "demo").id();

        Map<String, Object> after = awaitEnded(small);
        assertThat(after.get("status")).isEqualTo("DONE");
        assertThat(after.get("created")).isEqualTo(2);
        assertThat(after.get("resumed")).as("waited, was not taken over").isEqualTo(0);
        assertThat(db.queryForObject("select status from imports where id = ?", String.class, busy))
                .as("node A, one import at a time, is still on the first: node B ran the upload").isEqualTo("RUNNING");
        b.bean(ImportService.class).cancel(busy);
        assertThat(awaitEnded(busy).get("status")).isEqualTo("CANCELLED");
    }

    @Test
    @Order(3)
    void finishesOnAnotherNodeTheImportOfANodeKilledWithKill9() throws Exception {
        String tag = tag();
        try (NodeProcess doomed = NodeProcess.start("import-node-killed", LeadflowApplication.class,
                NodeProcess.freePort(), Path.of("target", "nodes", "import-node-killed.log"),
                LeadflowNode.arguments("import-node-killed", SETTINGS))) {
            HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(doomed.uri("/api/imports") + "?legalBasis=CONSENT_PROOF"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("demo:demo".getBytes()))
                    .header("Content-Type", "text/csv")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(csv(tag))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            String id = started.body().replaceFirst(".*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            awaitRowsRead(id, 2 * ImportService.CHUNK);
            assertThat(db.queryForObject("select claimed_by from imports where id = ?", String.class, id))
                    .as("the killed node's claim").isNotNull();

            doomed.kill();

            assertThat(finishedExactlyOnce(id, tag).get("resumed")).as("taken over once").isEqualTo(1);
        }
    }

    @Test
    @Order(4)
    void goesOnAfterTheDatabaseDroppedTheConnectionsUnderAChunk() {
        String tag = tag();
        String id = startedOnNodeA(tag);

        // node A's busy backends are killed until a chunk of the import lost its transaction
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
            db.queryForList("""
                    select pg_terminate_backend(pid) from pg_stat_activity
                     where application_name = 'import-node-a' and state in ('active', 'idle in transaction')""");
            return db.queryForObject("select resumed > 0 or status <> 'RUNNING' from imports where id = ?",
                    Boolean.class, id);
        });

        assertThat(finishedExactlyOnce(id, tag).get("resumed")).as("paused, then taken up again").isNotEqualTo(0);
    }

    @Test
    @Order(5)
    void finishesOnAnotherNodeTheImportAStoppingNodeGaveBack() {
        String tag = tag();
        // three times the others' file: node A's stop (the web server's graceful wait first) once outlasted a whole
        // import of the usual size, so nothing was left to give back
        int rows = 3 * ROWS;
        String id = startedOnNodeA(tag, rows);

        a.close();

        assertThat(db.queryForObject("select status from imports where id = ?", String.class, id))
                .as("given back, not ended").isEqualTo("RUNNING");
        assertThat(finishedExactlyOnce(id, tag, rows).get("resumed")).as("taken over once").isEqualTo(1);
    }

    /** Waits for the import to end, checks it imported every row exactly once, and returns its row. */
    private static Map<String, Object> finishedExactlyOnce(String id, String tag) {
        return finishedExactlyOnce(id, tag, ROWS);
    }

    private static Map<String, Object> finishedExactlyOnce(String id, String tag, int rows) {
        Map<String, Object> after = awaitEnded(id);
        assertThat(after.get("status")).as(String.valueOf(after.get("error"))).isEqualTo("DONE");
        assertThat(after.get("rows_read")).isEqualTo(rows);
        assertThat(after.get("created")).isEqualTo(rows);
        assertThat(after.get("merged")).isEqualTo(0);
        assertThat(after.get("unchanged")).as("no row read twice").isEqualTo(0);
        assertThat(leads(tag)).isEqualTo(rows);
        assertThat(db.queryForObject("""
                select count(*) from (select lead_id from consent_ledger where event = 'IMPORTED'
                                      union all
                                      select lead_id from consent_ledger_pending where event = 'IMPORTED') c
                  join leads l on l.id = c.lead_id
                 where l.email like ?""", Integer.class, "%." + tag + "@acme-corp.io"))
                .as("one proof per lead, sealed into the ledger or waiting to be").isEqualTo(rows);
        assertThat(storedParts(id)).isZero();
        return after;
    }

    /** An import of {@value #ROWS} rows started on node A, once its first two chunks are committed. */
    private static String startedOnNodeA(String tag) {
        return startedOnNodeA(tag, ROWS);
    }

    private static String startedOnNodeA(String tag, int rows) {
        String id = a.bean(ImportService.class).start(new ByteArrayInputStream(csv(tag, rows)), options(), "demo")
                .id();
        awaitRowsRead(id, 2 * ImportService.CHUNK);
        return id;
    }

    private static String tag() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static byte[] csv(String tag) {
        return csv(tag, ROWS);
    }

    private static byte[] csv(String tag, int rows) {
        StringBuilder csv = new StringBuilder("email,first name\n");
        for (int i = 0; i < rows; i++) {
            csv.append("take").append(i).append('.').append(tag).append("@acme-corp.io,Tess\n");
        }
        return csv.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static ImportService.Options options() {
        return new ImportService.Options(ImportService.LegalBasis.CONSENT_PROOF, false,
                LeadImporter.Conflict.KEEP_EXISTING, Map.of(), "big.csv");
    }

    private static void awaitRowsRead(String id, int rows) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> db.queryForObject(
                "select rows_read from imports where id = ?", Integer.class, id) >= rows);
    }

    private static Map<String, Object> awaitEnded(String id) {
        return await().atMost(Duration.ofSeconds(90)).until(() -> db.queryForMap("""
                select status, rows_read, created, merged, unchanged, rejected, resumed, error
                  from imports where id = ?""", id), row -> !"RUNNING".equals(row.get("status")));
    }

    private static int leads(String tag) {
        return db.queryForObject("select count(*) from leads where email like ?", Integer.class,
                "%." + tag + "@acme-corp.io");
    }

    private static int storedParts(String id) {
        return db.queryForObject("select count(*) from import_file_parts where import_id = ?", Integer.class, id);
    }
}
