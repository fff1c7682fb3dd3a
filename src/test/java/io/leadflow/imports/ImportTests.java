package io.leadflow.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.consent.ConsentLedger;
import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/** Contact imports over HTTP, as a marketing-operations lead brings an old spreadsheet in. */
class ImportTests extends ServiceTestBase {

    private static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    @Autowired
    Leads leads;
    @Autowired
    LeadService leadService;
    @Autowired
    ConsentLedger ledger;
    @Autowired
    Repermissions repermissions;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    io.leadflow.platform.TableStatistics statistics;
    @Autowired
    io.leadflow.scoring.ScoringService scoring;
    @Autowired
    org.camunda.bpm.engine.RuntimeService runtime;

    @Test
    void importsAMessyFrenchSpreadsheetRowByRowWithAReasonForEveryRejectedRow() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String existing = "known." + tag + "@acme-corp.io";
        String existingId = leadService.capture(new CaptureRequest(existing, "Known", null, null, null, null, null,
                null, null, null, null, null, null, null, null, null), new CaptureContext("test", "127.0.0.1", "JUnit")).id();
        String gone = "gone." + tag + "@acme-corp.io";
        String goneId = leadService.capture(new CaptureRequest(gone, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null), new CaptureContext("test", "127.0.0.1", "JUnit")).id();
        leads.suppress(goneId, "UNSUBSCRIBED", Instant.now());
        String csv = String.join("\r\n",
                "Courriel;Prénom;Nom;Société;Pays;Téléphone;Poste;Couleur préférée",
                "helene." + tag + "@acme-corp.io;Hélène;Dupré;\"Acme; Fils & Cie\";France;06 12 34 56 78;Directrice marketing;bleu",
                "  HELENE." + tag + "@ACME-CORP.IO ;;;;;;;",
                existing + ";Ignored;Martin;Known Corp;Allemagne;;;",
                "not-an-address;Bob;;;;;;",
                "typo." + tag + "@gmial.com;Tim;;;;;;",
                gone + ";Gone;;;;;;",
                "",
                "\"multi." + tag + "@acme-corp.io\";\"Anne\nMarie\";;;BE;+32 2 555 12 12;;",
                "");

        JsonNode done = importAndWait(csv.getBytes(WINDOWS_1252), "legalBasis=NONE");

        assertThat(done.path("status").asText()).isEqualTo("DONE");
        assertThat(done.path("rowsRead").asInt()).isEqualTo(7);
        assertThat(done.path("created").asInt()).isEqualTo(1);
        assertThat(done.path("merged").asInt()).as("known lead got a last name, company, country").isEqualTo(1);
        assertThat(done.path("unchanged").asInt()).as("the same person twice in the file").isEqualTo(1);
        assertThat(done.path("rejected").asInt()).as("bad address, typo, suppressed, line break in a name")
                .isEqualTo(4);
        assertThat(done.path("percent").asInt()).isEqualTo(100);
        assertThat(done.path("mapping").asText()).contains("Courriel → email").contains("ignored: Couleur préférée");

        Lead helene = leads.findByEmail("helene." + tag + "@acme-corp.io").orElseThrow();
        assertThat(helene.firstName()).isEqualTo("Hélène");
        assertThat(helene.company()).isEqualTo("Acme; Fils & Cie");
        assertThat(helene.country()).isEqualTo("FR");
        assertThat(helene.phone()).isEqualTo("+33612345678");
        assertThat(helene.consent()).isEqualTo(Lead.Consent.PENDING);
        assertThat(ledger.entries(helene.id())).extracting(ConsentLedger.Entry::event).containsExactly("IMPORTED");
        assertThat(jdbc.sql("select count(*) from email_outbox where lead_id = ?").param(helene.id())
                .query(Integer.class).single()).as("no proof of opt-in: no email").isZero();
        assertThat(leads.findByEmail("multi." + tag + "@acme-corp.io")).as("nothing of a rejected row").isEmpty();
        Lead known = leads.get(existingId);
        assertThat(known.firstName()).as("what the person typed stays").isEqualTo("Known");
        assertThat(known.lastName()).isEqualTo("Martin");
        assertThat(known.country()).isEqualTo("DE");

        String id = done.path("id").asText();
        ResponseEntity<String> rejected = get("/api/imports/" + id + "/rejected", "demo");
        assertThat(rejected.getHeaders().getContentType().toString()).startsWith("text/csv");
        List<String> lines = rejected.getBody().lines().toList();
        assertThat(lines.get(0)).isEqualTo("line,reason,row");
        assertThat(lines).as("a quoted line break stays inside its row").hasSize(6);
        assertThat(lines.get(1)).startsWith("5,").contains("email");
        assertThat(lines.get(2)).startsWith("6,").contains("typo of gmail.com");
        assertThat(lines.get(3)).startsWith("7,").contains("suppressed");
        assertThat(lines.get(4)).startsWith("9,").contains("firstName");
        assertThat(read(get("/api/imports/" + id + "/merges", "demo")).findValuesAsText("changedFields"))
                .containsExactly("lastName,company,country");
    }

    @Test
    void anImportedLeadThatBecomesAnMqlIsScoredButEntersNoJourneyByItself() throws Exception {
        String email = "exec." + UUID.randomUUID() + "@acme-corp.io";
        JsonNode done = importAndWait(("email,first name,job title,industry,company size\n" + email
                + ",Vera,VP Marketing,software,1200\n").getBytes(StandardCharsets.UTF_8), "legalBasis=CONSENT_PROOF");
        assertThat(done.path("created").asInt()).isEqualTo(1);
        Lead imported = leads.findByEmail(email).orElseThrow();

        scoring.record(new io.leadflow.scoring.ScoringService.EventRequest(imported.id(), null, "DEMO_REQUESTED",
                null, null));

        assertThat(leads.get(imported.id()).stage()).isEqualTo(Lead.Stage.MQL);
        assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(imported.id()).count())
                .as("the qualification a journey's lead gets when it qualifies later is not started for it").isZero();
    }

    @Test
    void changesNothingWhenTheSameFileIsUploadedAgain() throws Exception {
        byte[] csv = ("email,first name\nonce." + UUID.randomUUID() + "@acme-corp.io,Olga\n").getBytes(StandardCharsets.UTF_8);
        JsonNode first = importAndWait(csv, "legalBasis=CONSENT_PROOF");
        assertThat(first.path("created").asInt()).isEqualTo(1);

        ResponseEntity<String> again = upload(csv, "legalBasis=CONSENT_PROOF");

        assertThat(again.getStatusCode().value()).isEqualTo(202);
        assertThat(read(again).path("id").asText()).isEqualTo(first.path("id").asText());
        assertThat(read(again).path("sameFileAsBefore").asBoolean()).isTrue();
        assertThat(jdbc.sql("select count(*) from imports where id <> ? and file_sha256 = (select file_sha256 from imports where id = ?)")
                .params(first.path("id").asText(), first.path("id").asText()).query(Integer.class).single()).isZero();
    }

    @Test
    void writesChunkByChunkWithTheSameOutcomeAsRowAfterRow() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        StringBuilder csv = new StringBuilder("email,first name,last name,company\n");
        int rows = ImportService.CHUNK * 2 + 100;
        for (int i = 0; i < rows; i++) {
            // line 7 repeats line 6 in the same chunk with a company; a row of the second chunk repeats line 4 with
            // a last name; line 9 writes line 3's address in capitals
            String person = i == 5 ? "p4" : i == ImportService.CHUNK + 20 ? "p2" : i == 7 ? "P1" : "p" + i;
            String lastName = i == ImportService.CHUNK + 20 ? "Lastly" : "";
            String company = i == 5 ? "Second Corp" : "";
            csv.append(person).append('.').append(tag).append("@acme-corp.io,First").append(i).append(',')
                    .append(lastName).append(',').append(company).append('\n');
        }

        JsonNode done = importAndWait(csv.toString().getBytes(StandardCharsets.UTF_8), "legalBasis=CONSENT_PROOF");

        assertThat(done.path("status").asText()).isEqualTo("DONE");
        assertThat(done.path("rowsRead").asInt()).isEqualTo(rows);
        assertThat(done.path("created").asInt()).isEqualTo(rows - 3);
        assertThat(done.path("merged").asInt()).isEqualTo(2);
        assertThat(done.path("unchanged").asInt()).as("the same person, the same values").isEqualTo(1);
        assertThat(read(get("/api/imports/" + done.path("id").asText() + "/merges", "demo")))
                .extracting(m -> m.path("line").asInt() + ":" + m.path("changedFields").asText())
                .containsExactly("7:company", (ImportService.CHUNK + 22) + ":lastName");
        Lead p4 = leads.findByEmail("p4." + tag + "@acme-corp.io").orElseThrow();
        assertThat(p4.firstName()).as("what the first row said stays").isEqualTo("First4");
        assertThat(p4.company()).isEqualTo("Second Corp");
        assertThat(p4.consent()).isEqualTo(Lead.Consent.CONFIRMED);
        assertThat(leads.findByEmail("p2." + tag + "@acme-corp.io").orElseThrow().lastName()).isEqualTo("Lastly");
        assertThat(ledger.entries(p4.id())).extracting(ConsentLedger.Entry::event).containsExactly("IMPORTED");
        assertThat(jdbc.sql("select count(*) from leads where email like ?").param("%." + tag + "@acme-corp.io")
                .query(Integer.class).single()).isEqualTo(rows - 3);
        assertThat(jdbc.sql("""
                select count(*) from stage_history h join leads l on l.id = h.lead_id
                 where l.email like ? and h.stage = 'NEW'""").param("%." + tag + "@acme-corp.io").query(Integer.class)
                .single()).isEqualTo(rows - 3);
    }

    @Test
    void refreshesThePlannerStatisticsOfTheLeadsTableOnH2AsOnPostgres() {
        assertThat(statistics.refresh("leads")).isTrue();
    }

    @Test
    void confirmsContactsImportedWithProofOfOptInAndRecordsTheImportAsTheSource() throws Exception {
        String email = "proof." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        JsonNode done = importAndWait(("email\n" + email + "\n").getBytes(StandardCharsets.UTF_8), "legalBasis=CONSENT_PROOF");

        Lead lead = leads.findByEmail(email).orElseThrow();
        assertThat(lead.consent()).isEqualTo(Lead.Consent.CONFIRMED);
        assertThat(ledger.entries(lead.id())).singleElement().satisfies(e -> {
            assertThat(e.event()).isEqualTo("IMPORTED");
            assertThat(e.detail()).contains(done.path("id").asText()).contains("CONSENT_PROOF");
        });
    }

    @Test
    void startsTheReconfirmationCampaignOnlyAsFastAsTheHourlyThrottleAllows() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        List<String> emails = List.of("a." + tag + "@acme-corp.io", "b." + tag + "@acme-corp.io", "c." + tag + "@acme-corp.io");
        // the hour's budget is almost spent by an earlier campaign: room for one more
        List<String> fillers = new java.util.ArrayList<>();
        int perHour = 500;
        int startedThisHour = jdbc.sql("select count(*) from import_repermissions where started_at > ?")
                .param(Timestamp.from(Instant.now().minus(Duration.ofHours(1)))).query(Integer.class).single();
        for (int i = startedThisHour; i < perHour - 1; i++) {
            String filler = UUID.randomUUID().toString();
            fillers.add(filler);
            jdbc.sql("insert into import_repermissions (lead_id, import_id, queued_at, started_at) values (?, 'earlier', ?, ?)")
                    .params(filler, Timestamp.from(Instant.now()), Timestamp.from(Instant.now())).update();
        }
        try {
            JsonNode done = importAndWait(("email\n" + String.join("\n", emails) + "\n").getBytes(StandardCharsets.UTF_8),
                    "legalBasis=NONE&repermission=true");
            assertThat(done.path("created").asInt()).isEqualTo(3);

            repermissions.startRepermissions();

            List<String> ids = emails.stream().map(e -> leads.findByEmail(e).orElseThrow().id()).toList();
            long started = ids.stream().filter(id -> jdbc.sql("select started_at from import_repermissions where lead_id = ?")
                    .param(id).query(Timestamp.class).optional().isPresent()).count();
            assertThat(started).as("one double opt-in this hour, two wait").isEqualTo(1);
            String first = ids.stream().filter(id -> jdbc.sql("select started_at from import_repermissions where lead_id = ?")
                    .param(id).query(Timestamp.class).optional().isPresent()).findFirst().orElseThrow();
            String address = leads.get(first).email();
            awaitMail(address, "Please confirm your subscription");
        } finally {
            fillers.forEach(f -> jdbc.sql("delete from import_repermissions where lead_id = ?").param(f).update());
        }
    }

    @Test
    void importsAFileChosenOnThePageAndShowsItsCountsAndReportsInABrowser(@TempDir Path profile) throws Exception {
        Path binary = Chromium.required();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String csv = "Courriel;Prénom;Société\n"
                + "chloe." + tag + "@acme-corp.io;Chloé;Acme\n"
                + "remi." + tag + "@acme-corp.io;Rémi;Acme\n"
                + "typo." + tag + "@gmial.com;Typo;Acme\n";
        try (Chromium browser = new Chromium(binary, profile, "Mozilla/5.0 (X11; Linux x86_64) Leadflow test")) {
            browser.beforeEveryPage("window.__errors = []; window.addEventListener('error', e => __errors.push("
                    + "String(e.message))); window.addEventListener('unhandledrejection', e => __errors.push("
                    + "String(e.reason)));");
            browser.open(url("/imports"));
            browser.await("location.pathname", v -> v.asText().equals("/login"), Duration.ofSeconds(20));
            browser.eval("document.getElementById('username').value = 'demo';"
                    + " document.getElementById('password').value = 'demo'; document.forms[0].submit(); true");
            // loaded whole: the page's script, at its end, is what sends the form's file to the API
            browser.await("location.pathname + ' ' + document.readyState",
                    v -> v.asText().equals("/imports complete"), Duration.ofSeconds(20));

            // meanwhile the same browser signs in again in another tab: the session gets a new CSRF token, and the
            // page's own token is stale (the page then fetches the fresh one and tries once more)
            browser.eval("window.__signedInAgain = false; fetch('/login').then(r => r.text()).then(html => {"
                    + " const token = new DOMParser().parseFromString(html, 'text/html').querySelector('[name=_csrf]').value;"
                    + " return fetch('/login', { method: 'POST', body: new URLSearchParams({ username: 'demo',"
                    + " password: 'demo', _csrf: token }) }); }).then(() => window.__signedInAgain = true); true");
            browser.await("window.__signedInAgain", JsonNode::asBoolean, Duration.ofSeconds(20));

            // the file as a person picks it in the file chooser, then the form's own submit
            browser.eval("(function () { const f = document.getElementById('upload'); const picked = new DataTransfer();"
                    + " picked.items.add(new File([" + json.writeValueAsString(csv) + "], 'contacts.csv',"
                    + " { type: 'text/csv' })); f.file.files = picked.files; f.legalBasis.value = 'CONSENT_PROOF';"
                    + " f.requestSubmit(); return true; })()");

            String title = browser.await("document.getElementById('title').textContent",
                    v -> v.asText().equals("Imported") || v.asText().equals("Not imported"), Duration.ofSeconds(30))
                    .asText();
            assertThat(title).as(browser.eval("document.getElementById('counts').textContent").asText())
                    .isEqualTo("Imported");
            assertThat(browser.eval("document.getElementById('counts').textContent").asText())
                    .isEqualTo("3 rows read: 2 created, 0 merged, 0 unchanged, 1 rejected");
            assertThat(browser.eval("document.getElementById('bar').value").asInt()).isEqualTo(100);
            assertThat(browser.eval("[...document.querySelectorAll('#links a')].map(a => a.textContent + ' '"
                    + " + a.getAttribute('href').replace(/[0-9a-f-]{36}/, 'ID'))").toString())
                    .isEqualTo("[\"Download the rejected rows (CSV, with reasons) /api/imports/ID/rejected\","
                            + "\"Merge report /api/imports/ID/merges\"]");
            assertThat(browser.eval("window.__errors").toString()).isEqualTo("[]");
        }
        assertThat(leads.findByEmail("chloe." + tag + "@acme-corp.io")).get()
                .satisfies(l -> assertThat(l.firstName()).isEqualTo("Chloé"))
                .satisfies(l -> assertThat(l.consent()).isEqualTo(Lead.Consent.CONFIRMED));
        assertThat(leads.findByEmail("typo." + tag + "@gmial.com")).isEmpty();
    }

    @Test
    void stopsAfterTheCurrentChunkWhenCancelledAndKeepsWhatItImported() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        StringBuilder csv = new StringBuilder("email,company\n");
        for (int i = 0; i < 50_000; i++) {
            csv.append("bulk").append(i).append('.').append(tag).append("@acme-corp.io,Bulk ").append(i).append('\n');
        }
        ResponseEntity<String> started = upload(csv.toString().getBytes(StandardCharsets.UTF_8), "legalBasis=NONE");
        String id = read(started).path("id").asText();

        assertThat(postJson("/api/imports/" + id + "/cancel", "demo", "{}").getStatusCode().value()).isEqualTo(200);

        JsonNode stopped = await().atMost(Duration.ofSeconds(60)).until(() -> read(get("/api/imports/" + id, "demo")),
                v -> !v.path("status").asText().equals("RUNNING"));
        assertThat(stopped.path("status").asText()).isEqualTo("CANCELLED");
        int imported = stopped.path("created").asInt();
        assertThat(imported).isLessThan(50_000).isEqualTo(stopped.path("rowsRead").asInt());
        assertThat(imported % ImportService.CHUNK).as("whole chunks only").isZero();
        assertThat(jdbc.sql("select count(*) from leads where email like ?").param("bulk%." + tag + "@acme-corp.io")
                .query(Integer.class).single()).isEqualTo(imported);
    }

    @Test
    void refusesAnUploadItCannotUseNamingTheField() throws Exception {
        byte[] csv = "Adresse,Nom\nx@acme-corp.io,X\n".getBytes(StandardCharsets.UTF_8);
        assertThat(upload(csv, "").getBody()).contains("legalBasis");
        ResponseEntity<String> noEmail = upload(csv, "legalBasis=NONE");
        assertThat(noEmail.getStatusCode().value()).isEqualTo(400);
        assertThat(noEmail.getBody()).contains("mapping").contains("email");
        ResponseEntity<String> mapped = upload(csv, "legalBasis=NONE&mapping={mapping}");
        assertThat(mapped.getStatusCode().value()).isEqualTo(202);
        assertThat(get("/imports", "demo").getBody()).contains("Import contacts");
    }

    @Autowired
    RejectedRows rejectedRows;

    /** The rows an import refused hold personal data: they leave with the person, and after the retention anyway. */
    @Test
    void forgetsRejectedRowsWithThePersonAndAfterTheRetention() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String gone = "erased." + tag + "@acme-corp.io";
        String goneId = leadService.capture(new CaptureRequest(gone, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null), new CaptureContext("test", "127.0.0.1", "JUnit")).id();
        leads.suppress(goneId, "UNSUBSCRIBED", Instant.now());
        String other = "typo." + tag + "@gmial.com";
        JsonNode done = importAndWait(("email;firstName\n" + gone.toUpperCase() + ";Gone\n" + other + ";Tim\n")
                .getBytes(StandardCharsets.UTF_8), "legalBasis=NONE");
        String id = done.path("id").asText();
        assertThat(done.path("rejected").asInt()).isEqualTo(2);

        rest.exchange(url("/api/leads/" + goneId), HttpMethod.DELETE, new HttpEntity<>(basic("demo")), String.class);

        String kept = get("/api/imports/" + id + "/rejected", "demo").getBody();
        assertThat(kept).doesNotContainIgnoringCase(gone).contains(other);

        ClockUtil.setCurrentTime(java.util.Date.from(Instant.now().plus(Duration.ofDays(31))));
        try {
            assertThat(rejectedRows.forgetOld()).isPositive();
        } finally {
            ClockUtil.reset();
        }
        assertThat(get("/api/imports/" + id + "/rejected", "demo").getBody()).doesNotContain(other);
    }

    /** A header of a million empty columns (2 MB of commas) would be a million strings in memory: refused. */
    @Test
    void refusesAHeaderOfAMillionColumnsNamingTheFile() {
        byte[] csv = ("email" + ",".repeat(1_000_000) + "\nx@acme-corp.io\n").getBytes(StandardCharsets.UTF_8);

        ResponseEntity<String> refused = upload(csv, "legalBasis=NONE");

        assertThat(refused.getStatusCode().value()).isEqualTo(400);
        assertThat(refused.getBody()).contains("\"field\":\"file\"").contains("more than 500 columns");
    }

    private JsonNode importAndWait(byte[] csv, String query) throws Exception {
        ResponseEntity<String> started = upload(csv, query);
        assertThat(started.getStatusCode().value()).as(started.getBody()).isEqualTo(202);
        String id = read(started).path("id").asText();
        return await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/imports/" + id, "demo")),
                v -> !v.path("status").asText().equals("RUNNING"));
    }

    private ResponseEntity<String> upload(byte[] csv, String query) {
        HttpHeaders headers = basic("demo");
        headers.setContentType(new MediaType("text", "csv"));
        return rest.exchange(url("/api/imports?" + query), HttpMethod.POST, new HttpEntity<>(csv, headers),
                String.class, java.util.Map.of("mapping", "{\"Adresse\":\"email\"}"));
    }
}
