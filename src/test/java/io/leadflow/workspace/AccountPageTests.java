package io.leadflow.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;
import io.leadflow.support.WebhookSignatures;

/**
 * An account's own view, {@code /accounts/{id}} and {@code GET /api/accounts/{id}/overview}: its contacts, score,
 * owner and open handoffs, the page showing what the API answers, and a sales rep seeing only their own leads' names.
 */
class AccountPageTests extends ServiceTestBase {

    private static Path chromium;

    @Value("${leadflow.crm.webhook-secret}")
    String secret;

    @TempDir
    Path profile;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    @Test
    void showsTheAccountsContactsOwnerAndOpenHandoffsOnThePageAsTheApiSays() throws Exception {
        String domain = "page-" + UUID.randomUUID().toString().substring(0, 8) + ".io";
        JsonNode handoff = handoffOfAnMql("una", Map.of("email", "una@" + domain, "lastName", "Lind"));
        String mql = handoff.path("leadId").asText();
        String quiet = leadIdOf(confirmedDecisionMaker("vic", Map.of("email", "vic@" + domain,
                "jobTitle", "Analyst")));
        String accountId = read(get("/api/leads/" + mql + "/account", "demo")).path("accountId").asText();
        ResponseEntity<String> owned = put("/api/accounts/" + accountId + "/owner", Map.of("owner", "alice"));
        assertThat(owned.getStatusCode()).as(owned.getBody()).isEqualTo(HttpStatus.OK);

        JsonNode waiting = read(get("/api/accounts/" + accountId + "/overview", "demo")).path("openHandoffs");
        assertThat(waiting).hasSize(1);
        assertThat(waiting.get(0).path("id").asText()).isEqualTo(handoff.path("id").asText());
        assertThat(waiting.get(0).path("lead").asText()).isEqualTo("Jane Lind");
        assertThat(read(get("/api/accounts/" + accountId + "/overview", "bob")).path("openHandoffs").get(0)
                .path("lead").isMissingNode()).as("not bob's lead").isTrue();

        ResponseEntity<String> won = crmEvent("{\"eventId\": \"" + UUID.randomUUID() + "\", \"type\": "
                + "\"OPPORTUNITY_WON\", \"leadId\": \"" + mql + "\", \"opportunityId\": \"OPP-" + domain
                + "\", \"amount\": 24000, \"currency\": \"EUR\", \"closeDate\": \"2026-12-18\"}");
        assertThat(won.getStatusCode().is2xxSuccessful()).as(won.getBody()).isTrue();
        // a won opportunity qualifies the handoff (once it waits for sales, if the CRM push still runs)
        await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/handoffs/" + handoff.path("id").asText(),
                "demo")).path("status").asText().equals("QUALIFIED"));

        JsonNode o = read(get("/api/accounts/" + accountId + "/overview", "demo"));

        assertThat(o.path("account").path("domain").asText()).isEqualTo(domain);
        assertThat(o.path("account").path("owner").asText()).isEqualTo("alice");
        assertThat(o.path("account").path("ownerSetBy").asText()).isEqualTo("demo");
        assertThat(o.path("ownerOpenHandoffs").isInt()).isTrue();
        assertThat(o.path("contactCount").asInt()).isEqualTo(2);
        assertThat(o.path("contacts").findValuesAsText("id")).containsExactlyInAnyOrder(mql, quiet);
        JsonNode una = contact(o, mql);
        assertThat(una.path("name").asText()).isEqualTo("Jane Lind");
        assertThat(una.path("email").asText()).isEqualTo("una@" + domain);
        assertThat(una.path("stage").asText()).as("won: a sales qualified lead").isEqualTo("SQL");
        assertThat(una.path("how").asText()).isEqualTo("DOMAIN");
        assertThat(contact(o, quiet).path("jobTitle").asText()).isEqualTo("Analyst");
        assertThat(o.path("opportunities")).hasSize(1);
        assertThat(o.path("opportunities").get(0).path("status").asText()).isEqualTo("WON");
        assertThat(o.path("opportunities").get(0).path("leadId").asText()).isEqualTo(mql);
        assertThat(o.path("pipeline").path("EUR").decimalValue()).isEqualByComparingTo("24000");
        assertThat(o.path("wonRevenue").path("EUR").decimalValue()).isEqualByComparingTo("24000");
        JsonNode timeline = read(get("/api/leads/" + mql + "/timeline", "demo"));
        assertThat(timeline.path("entries").findParents("kind").stream()
                .filter(e -> e.path("kind").asText().equals("OPPORTUNITY")).map(e -> e.path("title").asText()))
                .containsExactlyInAnyOrder("Opportunity OPP-" + domain + " in the CRM",
                        "Opportunity OPP-" + domain + " won");
        assertThat(o.path("openHandoffs")).as("qualified: open no more").isEmpty();

        JsonNode asBob = read(get("/api/accounts/" + accountId + "/overview", "bob"));
        assertThat(asBob.path("contacts")).hasSize(2);
        assertThat(asBob.path("contacts").findValuesAsText("email")).as("bob owns none of these leads").isEmpty();
        assertThat(asBob.path("contacts").findValuesAsText("stage")).hasSize(2);
        ResponseEntity<String> unknown = get("/api/accounts/00000000-0000-0000-0000-000000000000/overview", "demo");
        assertThat(unknown.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);

        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), "demo", "demo");
            browser.open(url("/leads/" + mql));
            browser.await("document.querySelector('#lead-account a') !== null", v -> v.asBoolean(),
                    Duration.ofSeconds(20));
            assertThat(browser.eval("document.querySelector('#lead-account a').getAttribute('href')").asText())
                    .as("the lead's page links its account").isEqualTo("/accounts/" + accountId);

            browser.open(url("/accounts/" + accountId));
            browser.await("document.querySelectorAll('#contacts tr.contact').length", v -> v.asInt() > 0,
                    Duration.ofSeconds(20));

            assertThat(browser.eval("document.getElementById('account-name').textContent").asText())
                    .isEqualTo(o.path("account").path("name").asText());
            assertThat(browser.eval("document.getElementById('account-owner').textContent").asText())
                    .isEqualTo("alice (" + o.path("ownerOpenHandoffs").asInt() + " open handoffs)");
            JsonNode rows = json.readTree(browser.eval("JSON.stringify(Array.from(document.querySelectorAll("
                    + "'#contacts tr.contact')).map(tr => tr.dataset.id))").asText());
            List<String> onPage = new ArrayList<>();
            rows.forEach(r -> onPage.add(r.asText()));
            assertThat(onPage).as("most recently active first, as the API").isEqualTo(
                    o.path("contacts").findValuesAsText("id"));
            assertThat(browser.eval("document.querySelectorAll('#opportunities tr.opportunity').length").asInt())
                    .isEqualTo(1);
            assertThat(browser.eval("document.getElementById('account-pipeline').textContent").asText())
                    .contains("24,000 EUR");
            assertThat(browser.eval("document.getElementById('account-open').textContent").asText()).isEqualTo("0");
        }
    }

    private static JsonNode contact(JsonNode overview, String leadId) {
        for (JsonNode c : overview.path("contacts")) {
            if (c.path("id").asText().equals(leadId)) {
                return c;
            }
        }
        throw new AssertionError("No contact " + leadId + " in " + overview);
    }

    /** Signed as the CRM signs its webhook. */
    private ResponseEntity<String> crmEvent(String body) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("X-Leadflow-Signature", WebhookSignatures.signatureNow(secret, body));
        return rest.exchange(url("/api/crm/events"), HttpMethod.POST, new HttpEntity<>(body, headers), String.class);
    }

    private ResponseEntity<String> put(String path, Object body) {
        HttpHeaders headers = basic("demo");
        headers.setContentType(MediaType.APPLICATION_JSON);
        try {
            return rest.exchange(url(path), HttpMethod.PUT, new HttpEntity<>(json.writeValueAsString(body), headers),
                    String.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
