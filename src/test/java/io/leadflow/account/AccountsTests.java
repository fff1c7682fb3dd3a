package io.leadflow.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.lead.LeadService;
import io.leadflow.support.ServiceTestBase;

/** Leads grouped by company through the API, as a marketer and an integrator meet it. */
class AccountsTests extends ServiceTestBase {

    @Autowired
    JdbcClient jdbc;
    @Autowired
    LeadService leadService;
    @Autowired
    AccountBackfill backfill;
    @Autowired
    Accounts accounts;

    private final String company = "c" + UUID.randomUUID().toString().substring(0, 8);
    private final String domain = company + "-corp.io";

    @Nested
    class Matching {

        @Test
        void groupsTheLeadsOfACompanyDomainAndItsSubdomainsInOneAccountNamedAfterTheFirstCompanyField() {
            String first = capture("jane@" + domain, "Acme " + company + " SAS");
            String second = capture("bob@eu." + domain, null);

            JsonNode account = onlyAccount(domain);
            assertThat(account.path("name").asText()).isEqualTo("Acme " + company + " SAS");
            assertThat(account.path("domain").asText()).isEqualTo(domain);
            assertThat(account.has("score")).as("not scored before a contact engages").isFalse();
            assertThat(texts(account.path("domains"))).containsExactly(domain);
            assertThat(texts(account.path("contacts"))).containsExactlyInAnyOrder(first, second);
            assertThat(accountIdOf(second))
                    .isEqualTo(account.path("id").asText());
            JsonNode why = read(get("/api/leads/" + second + "/account", "demo"));
            assertThat(why.path("how").asText()).isEqualTo("DOMAIN");
            assertThat(why.path("reason").asText()).isEqualTo("email domain eu." + domain + " belongs to " + domain);
            assertThat(texts(onlyAccount("sales.eu." + domain).path("contacts")))
                    .as("a lookup by a deeper subdomain finds it too").containsExactlyInAnyOrder(first, second);
        }

        @Test
        void keepsAFreeMailLeadOutOfAccountsUnlessItsCompanyNamesOne() {
            String worker = capture("worker@" + domain, company + " Inc.");
            String colleague = capture(company + ".fan." + UUID.randomUUID().toString().substring(0, 6) + "@gmail.com",
                    company.toUpperCase() + ", Inc");
            String stranger = capture("someone." + UUID.randomUUID().toString().substring(0, 6) + "@outlook.com",
                    "Nobody " + company);

            String accountId = onlyAccount(domain).path("id").asText();
            assertThat(accountIdOf(colleague)).isEqualTo(accountId);
            assertThat(read(get("/api/leads/" + colleague + "/account", "demo")).path("how").asText())
                    .isEqualTo("COMPANY");
            assertThat(accountIdOf(stranger)).isNull();
            JsonNode why = read(get("/api/leads/" + stranger + "/account", "demo"));
            assertThat(why.path("how").asText()).isEqualTo("NONE");
            assertThat(why.path("reason").asText()).contains("free-mail address (outlook.com)");
            assertThat(read(get("/api/accounts?domain=gmail.com", "demo"))).as("no account for a provider").isEmpty();
            assertThat(texts(onlyAccount(domain).path("contacts"))).containsExactlyInAnyOrder(worker, colleague);
        }

        @Test
        void createsAChunksNewCompaniesTogetherAndJoinsOneAnotherTransactionCreatedMeanwhile() {
            String existing = capture("first@" + domain, "Existing " + company);
            String existingAccount = onlyAccount(domain).path("id").asText();
            String lead = UUID.randomUUID().toString();
            Map<String, Accounts.Candidate> news = new java.util.LinkedHashMap<>();
            news.put("one." + domain, new Accounts.Candidate(lead, "x@one." + domain, "One " + company));
            news.put("two." + domain, new Accounts.Candidate(lead, "y@two." + domain, null));

            Map<String, String> together = accounts.createAll(news);

            assertThat(together).containsOnlyKeys("one." + domain, "two." + domain);
            assertThat(jdbc.sql("select name from accounts where id = ?").param(together.get("one." + domain))
                    .query(String.class).single()).isEqualTo("One " + company);
            assertThat(jdbc.sql("select account_id from account_domains where domain = ?").param("two." + domain)
                    .query(String.class).single()).isEqualTo(together.get("two." + domain));
            assertThat(jdbc.sql("select count(distinct created_at) from accounts where id in (?, ?)")
                    .params(together.get("one." + domain), together.get("two." + domain)).query(Integer.class).single())
                    .as("made together, in one transaction").isEqualTo(1);

            // the domain another node created after this chunk looked: the chunk's batch rolls back whole, each
            // domain is then created on its own and the existing one joined
            Map<String, Accounts.Candidate> meanwhile = new java.util.LinkedHashMap<>();
            meanwhile.put(domain, new Accounts.Candidate(lead, "z@" + domain, "Late " + company));
            meanwhile.put("three." + domain, new Accounts.Candidate(lead, "w@three." + domain, null));

            Map<String, String> oneByOne = accounts.createAll(meanwhile);

            assertThat(oneByOne.get(domain)).isEqualTo(existingAccount);
            assertThat(jdbc.sql("select account_id from account_domains where domain = ?").param("three." + domain)
                    .query(String.class).single()).isEqualTo(oneByOne.get("three." + domain)).isNotNull();
            assertThat(jdbc.sql("select count(*) from accounts where name = ?").param("Late " + company)
                    .query(Integer.class).single()).as("no account left from the batch rolled back").isZero();
            assertThat(texts(onlyAccount(domain).path("contacts"))).containsExactly(existing);
        }

        @Test
        void placesImportedLeadsChunkByChunk() throws Exception {
            String csv = "email,company\nana@" + domain + ",Imported " + company + "\nleo@eu." + domain + ",\n";
            ResponseEntity<String> started = rest.exchange(url("/api/imports?legalBasis=CONSENT_PROOF"),
                    HttpMethod.POST, new HttpEntity<>(csv.getBytes(StandardCharsets.UTF_8), csvHeaders()), String.class);
            assertThat(started.getStatusCode().value()).isEqualTo(202);
            String importId = read(started).path("id").asText();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    read(get("/api/imports/" + importId, "demo")).path("status").asText().equals("DONE"));

            JsonNode account = onlyAccount(domain);
            assertThat(account.path("name").asText()).isEqualTo("Imported " + company);
            assertThat(account.path("contacts")).hasSize(2);
        }

        @Test
        void placesOlderLeadsAtStartAndLeavesAnErasedLeadOutOfItsAccount() {
            String older = capture("older@" + domain, null);
            String kept = capture("kept@" + domain, null);
            jdbc.sql("delete from account_members where lead_id = ?").param(older).update();
            assertThat(accountIdOf(older)).isNull();

            assertThat(backfill.run()).as("leads looked at").isPositive();

            assertThat(texts(onlyAccount(domain).path("contacts"))).containsExactlyInAnyOrder(older, kept);
            leadService.erase(older, "REQUESTED");
            assertThat(texts(onlyAccount(domain).path("contacts"))).containsExactly(kept);
        }

        @Test
        void forgetsTheCompanyAnErasedPersonTypedAndAnAccountLeftWithoutContacts() {
            String namer = capture("first@" + domain, "Named by " + company);
            String other = capture("second@" + domain, null);
            String accountId = onlyAccount(domain).path("id").asText();
            assertThat(onlyAccount(domain).path("name").asText()).isEqualTo("Named by " + company);

            leadService.erase(namer, "REQUESTED");

            assertThat(onlyAccount(domain).path("name").asText()).as("the domain's name instead").isEqualTo(domain);
            leadService.erase(other, "REQUESTED");
            assertThat(read(get("/api/accounts?domain=" + domain, "demo"))).isEmpty();
            assertThat(get("/api/accounts/" + accountId, "demo").getStatusCode().value()).isEqualTo(404);
        }
    }

    @Nested
    class Corrections {

        @Test
        void movesALeadByHandAndMergesTwoAccountsWithTheirDomainsAndLeads() {
            String a = capture("a@" + domain, "Acme " + company);
            String otherDomain = company + "-group.io";
            String b = capture("b@" + otherDomain, "Acme Group " + company);
            String freeMail = capture(company + "." + UUID.randomUUID().toString().substring(0, 6) + "@gmail.com", null);
            String accountA = onlyAccount(domain).path("id").asText();
            String accountB = onlyAccount(otherDomain).path("id").asText();

            ResponseEntity<String> moved = postJson("/api/accounts/" + accountA + "/contacts", "demo",
                    Map.of("leadId", freeMail));
            assertThat(moved.getStatusCode().value()).isEqualTo(200);
            assertThat(read(moved).path("how").asText()).isEqualTo("MOVED");
            assertThat(read(moved).path("reason").asText()).isEqualTo("moved here by demo");

            ResponseEntity<String> merged = postJson("/api/accounts/" + accountA + "/merge", "demo",
                    Map.of("accountId", accountB));
            assertThat(merged.getStatusCode().value()).isEqualTo(200);
            assertThat(texts(read(merged).path("domains"))).containsExactly(domain, otherDomain);
            assertThat(texts(read(merged).path("contacts"))).containsExactlyInAnyOrder(a, b, freeMail);
            ResponseEntity<String> gone = get("/api/accounts/" + accountB, "demo");
            assertThat(gone.getStatusCode().value()).isEqualTo(404);
            assertThat(read(gone).path("detail").asText()).contains("merged into " + accountA);
            String later = capture("later@" + otherDomain, null);
            assertThat(accountIdOf(later))
                    .as("the merged domain now leads to the account it went into").isEqualTo(accountA);

            ResponseEntity<String> detached = rest.exchange(url("/api/accounts/" + accountA + "/contacts/" + freeMail),
                    HttpMethod.DELETE, new HttpEntity<>(basic("demo")), String.class);
            assertThat(read(detached).path("how").asText()).isEqualTo("NONE");
            assertThat(accountIdOf(freeMail)).isNull();
        }

        @Test
        void answersBadInputWithTheFieldAndLetsOnlyMarketersChangeAccounts() {
            String lead = capture("x@" + domain, null);
            String accountId = onlyAccount(domain).path("id").asText();

            ResponseEntity<String> noBody = postJson("/api/accounts/" + accountId + "/merge", "demo", Map.of());
            assertThat(noBody.getStatusCode().value()).isEqualTo(400);
            assertThat(noBody.getBody()).contains("accountId");
            ResponseEntity<String> itself = postJson("/api/accounts/" + accountId + "/merge", "demo",
                    Map.of("accountId", accountId));
            assertThat(itself.getStatusCode().value()).isEqualTo(400);
            ResponseEntity<String> unknownLead = postJson("/api/accounts/" + accountId + "/contacts", "demo",
                    Map.of("leadId", "no-such-lead"));
            assertThat(unknownLead.getStatusCode().value()).isEqualTo(400);
            assertThat(unknownLead.getBody()).contains("leadId");
            ResponseEntity<String> badDomain = get("/api/accounts?domain=not%20a%20domain", "demo");
            assertThat(badDomain.getStatusCode().value()).isEqualTo(400);
            assertThat(badDomain.getBody()).contains("domain");
            assertThat(get("/api/accounts/no-such-account", "demo").getStatusCode().value()).isEqualTo(404);

            assertThat(get("/api/accounts/" + accountId, "alice").getStatusCode().value()).as("sales read")
                    .isEqualTo(200);
            assertThat(postJson("/api/accounts/" + accountId + "/contacts", "alice", Map.of("leadId", lead))
                    .getStatusCode().value()).isEqualTo(403);
            assertThat(rest.getForEntity(url("/api/accounts/" + accountId), String.class).getStatusCode().value())
                    .as("no login").isEqualTo(401);
        }
    }

    String capture(String email, String companyField) {
        Map<String, String> body = new java.util.HashMap<>(Map.of("email", email, "firstName", "Sam"));
        if (companyField != null) {
            body.put("company", companyField);
        }
        ResponseEntity<String> captured = postJson("/api/leads", "demo", body);
        assertThat(captured.getStatusCode().value()).as(captured.getBody()).isEqualTo(202);
        return read(captured).path("id").asText();
    }

    /** The lead's account id as {@code GET /api/leads/{id}} gives it; null when it leaves the field out (no account). */
    private String accountIdOf(String leadId) {
        JsonNode id = read(get("/api/leads/" + leadId, "demo")).path("accountId");
        return id.isMissingNode() || id.isNull() ? null : id.asText();
    }

    JsonNode onlyAccount(String domain) {
        JsonNode found = read(get("/api/accounts?domain=" + domain, "demo"));
        assertThat(found).as("accounts of %s", domain).hasSize(1);
        return found.get(0);
    }

    private org.springframework.http.HttpHeaders csvHeaders() {
        org.springframework.http.HttpHeaders headers = basic("demo");
        headers.setContentType(org.springframework.http.MediaType.parseMediaType("text/csv"));
        return headers;
    }

    static List<String> texts(JsonNode array) {
        List<String> texts = new java.util.ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }
}
