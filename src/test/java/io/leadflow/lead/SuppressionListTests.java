package io.leadflow.lead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.consent.ConsentService;
import io.leadflow.platform.Hashing;
import io.leadflow.support.ServiceTestBase;

/**
 * The suppression list on the real service: a list from another tool, as addresses or hashes, keeps those addresses
 * from every email and from the contact import, our own suppressions join it, and its hashes outlive an erasure.
 */
class SuppressionListTests extends ServiceTestBase {

    @Autowired
    LeadImporter importer;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    EmailOutbox outbox;
    @Autowired
    ConsentService consent;
    @Autowired
    Leads leads;
    @Autowired
    JdbcTemplate jdbc;

    private static String address(String who) {
        return who + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
    }

    private ResponseEntity<String> postCsv(String path, String user, String csv) {
        HttpHeaders headers = basic(user);
        headers.setContentType(MediaType.parseMediaType("text/csv"));
        headers.setAccept(List.of(MediaType.APPLICATION_JSON));
        return rest.exchange(url(path), HttpMethod.POST, new HttpEntity<>(csv, headers), String.class);
    }

    private String exportCsv() {
        HttpHeaders headers = basic("demo");
        headers.setAccept(List.of(MediaType.parseMediaType("text/csv")));
        return rest.exchange(url("/api/suppressions"), HttpMethod.GET, new HttpEntity<>(headers), String.class)
                .getBody();
    }

    private JsonNode emails(String leadId) {
        return read(get("/api/leads/" + leadId + "/emails", "demo"));
    }

    @Test
    void takesAListOfAddressesAndHashesNamesWhatItRefusesAndAddsNothingTwice() {
        String unsubscribed = address("gone");
        String hashed = Hashing.sha256(address("hashed"));
        String csv = "Email;Reason\r\n" + unsubscribed.toUpperCase() + ";Unsubscribed\r\n" + hashed + ";hard_bounce\r\n"
                + "not-an-address;spam\r\n" + address("why") + ";maybe\r\n\"" + address("dnc") + "\";DNC\r\n";

        JsonNode result = read(postCsv("/api/suppressions", "demo", csv));

        assertThat(result.path("received").asInt()).isEqualTo(5);
        assertThat(result.path("added").asInt()).isEqualTo(3);
        assertThat(result.path("rejected").asInt()).isEqualTo(2);
        assertThat(result.path("rejections").findValuesAsText("line")).containsExactly("4", "5");
        assertThat(result.path("rejections").get(0).path("reason").asText()).isEqualTo("not an email address");
        assertThat(result.path("rejections").get(1).path("reason").asText())
                .isEqualTo("unknown reason 'maybe': use unsubscribed, bounced, complained or do-not-contact");
        assertThat(exportCsv()).contains(unsubscribed + "," + Hashing.sha256(unsubscribed) + ",UNSUBSCRIBED,"
                + "import by demo,", "," + hashed + ",BOUNCED,import by demo,");

        JsonNode again = read(postCsv("/api/suppressions", "demo", csv));
        assertThat(again.path("added").asInt()).isZero();
        assertThat(again.path("alreadyListed").asInt()).isEqualTo(3);

        JsonNode asJson = read(postJson("/api/suppressions?reason=complained", "demo",
                List.of(Map.of("email", address("json")), Map.of("sha256", "12ab", "reason", "bounced"))));
        assertThat(asJson.path("added").asInt()).isOne();
        assertThat(asJson.path("rejections").get(0).path("reason").asText())
                .isEqualTo("sha256 must be 64 hexadecimal digits");
    }

    @Test
    void refusesAListItCannotReadNamingWhatIsMissing() {
        var noReason = postCsv("/api/suppressions", "demo", "email\r\nx@acme-corp.io\r\n");
        assertThat(noReason.getStatusCode().value()).isEqualTo(400);
        assertThat(noReason.getBody()).contains("\"reason\"", "has no 'reason' column");
        var noAddress = postCsv("/api/suppressions", "demo", "name,reason\r\nJo,dnc\r\n");
        assertThat(noAddress.getStatusCode().value()).isEqualTo(400);
        assertThat(noAddress.getBody()).contains("names no 'email' or 'sha256' column");
        var badReason = postCsv("/api/suppressions?reason=gone", "demo", "email\r\nx@acme-corp.io\r\n");
        assertThat(badReason.getBody()).contains("\"reason\"", "must be unsubscribed, bounced");
        assertThat(postJson("/api/suppressions", "demo", Map.of("email", "x@acme-corp.io")).getStatusCode().value())
                .isEqualTo(400);
    }

    @Test
    void aListedAddressThatFillsInAFormLaterIsSentNothingNotEvenTheConfirmation() {
        String email = address("complainer");
        read(postCsv("/api/suppressions", "demo", "email,reason\r\n" + email + ",complained\r\n"));

        var answer = postForm("/forms/newsletter", Map.of("email", email, "firstName", "Jo"),
                MediaType.APPLICATION_JSON);

        assertThat(answer.getStatusCode().value()).as("the form answers as for anyone").isEqualTo(202);
        String leadId = leadIdOf(email);
        assertThat(read(get("/api/leads/" + leadId, "demo")).path("suppressed").path("reason").asText())
                .isEqualTo("COMPLAINED");
        JsonNode confirmation = await().atMost(Duration.ofSeconds(20))
                .until(() -> emails(leadId).get(0), e -> e != null && !e.path("status").asText().equals("PENDING"));
        assertThat(confirmation.path("template").asText()).isEqualTo("doi-confirmation");
        assertThat(confirmation.path("status").asText()).isEqualTo("SKIPPED");
        assertThat(mailsTo(email, "Please confirm your subscription")).isZero();
    }

    @Test
    void aLeadListedByItsHashIsSuppressedWhenItsNextEmailIsPreparedAndNotSent() {
        String email = confirmedDecisionMaker("hashed-lead");
        String leadId = leadIdOf(email);
        JsonNode result = read(postJson("/api/suppressions", "demo",
                List.of(Map.of("sha256", Hashing.sha256(email), "reason", "do-not-contact"))));
        assertThat(result.path("leadsSuppressed").asInt()).as("a hash names no lead until one is mailed").isZero();

        tx.executeWithoutResult(s -> outbox.enqueue(leadId, "after-the-list", "nurture-value"));

        JsonNode email2 = await().atMost(Duration.ofSeconds(20)).until(() -> emails(leadId).findParents("purpose")
                .stream().filter(e -> e.path("purpose").asText().equals("after-the-list")).findFirst().orElse(null),
                e -> e != null && !e.path("status").asText().equals("PENDING"));
        assertThat(email2.path("status").asText()).isEqualTo("SKIPPED");
        // the first email prepared after the listing finds the hash and suppresses the lead; when that was the
        // welcome email, prepared at the same moment, this one finds the lead suppressed already
        assertThat(email2.path("lastError").asText()).isIn("on the suppression list: DO_NOT_CONTACT",
                "suppressed: DO_NOT_CONTACT");
        assertThat(emails(leadId).findValuesAsText("lastError")).contains("on the suppression list: DO_NOT_CONTACT");
        assertThat(leads.get(leadId).suppressedReason()).isEqualTo("DO_NOT_CONTACT");
    }

    @Test
    void anAddressListedByAnImportSuppressesItsLeadAtOnceAndTheContactImportRefusesIt() {
        String email = confirmedDecisionMaker("listed-lead");
        String other = address("never-imported");
        JsonNode result = read(postCsv("/api/suppressions", "demo",
                "email,reason\r\n" + email + ",bounced\r\n" + other + ",do-not-contact\r\n"));
        assertThat(result.path("leadsSuppressed").asInt()).isOne();
        assertThat(leads.get(leadIdOf(email)).suppressedReason()).isEqualTo("BOUNCED");

        CaptureRequest row = new CaptureRequest(other, "Jo", "Lee", "Acme", "Engineer", "software", "120", "FR", null,
                "import", null, null, null, "Yes", "en", null);
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> importer.importRow(row, LeadImporter.Conflict.FILE_WINS,
                true, Instant.now())))
                .isInstanceOf(LeadImporter.Rejected.class)
                .hasMessage("on the suppression list (DO_NOT_CONTACT): never imported");
        assertThat(leads.findByEmail(other)).isEmpty();
    }

    @Test
    void ourOwnSuppressionsJoinTheListAndTheirHashesOutliveTheErasure() {
        String email = confirmedDecisionMaker("leaver");
        String leadId = leadIdOf(email);
        String link = consent.linksFor(leads.get(leadId), "nurture-value", null).get("unsubscribeUrl");
        postForm(link + "&List-Unsubscribe=One-Click", Map.of(), MediaType.TEXT_PLAIN);
        assertThat(exportCsv()).contains(email + "," + Hashing.sha256(email) + ",UNSUBSCRIBED,leadflow,");

        rest.exchange(url("/api/leads/" + leadId), HttpMethod.DELETE, new HttpEntity<>(basic("demo")), String.class);

        String export = exportCsv();
        assertThat(export).doesNotContain(email).contains("\r\n," + Hashing.sha256(email) + ",UNSUBSCRIBED,leadflow,");
        JsonNode asJson = read(get("/api/suppressions", "demo")).findParents("sha256").stream()
                .filter(e -> e.path("sha256").asText().equals(Hashing.sha256(email))).findFirst().orElseThrow();
        assertThat(asJson.has("email")).isFalse();
        assertThat(asJson.path("reason").asText()).isEqualTo("UNSUBSCRIBED");
        // and the person, gone from Leadflow, is still never mailed: a new capture of the address is suppressed
        postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);
        assertThat(read(get("/api/leads/" + leadIdOf(email), "demo")).path("suppressed").path("reason").asText())
                .isEqualTo("UNSUBSCRIBED");
    }

    @Test
    void theBackfillHashesAsJavaDoes() {
        // db/h2/V29_1 hashes the leads suppressed before the list existed in SQL: the same hash as Hashing.sha256
        assertThat(jdbc.queryForObject("select lower(rawtohex(hash('SHA-256', cast(? as varbinary))))", String.class,
                "jo.lee@acme-corp.io")).isEqualTo(Hashing.sha256("jo.lee@acme-corp.io"));
    }
}
