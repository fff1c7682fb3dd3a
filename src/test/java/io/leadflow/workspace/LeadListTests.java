package io.leadflow.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * {@code /leads} and {@code GET /api/leads/search}: search, filters, both sorts, keyset paging that neither skips nor
 * repeats, a rep's own leads only, the CSV of the same filter, and the page showing what the API answers.
 */
class LeadListTests extends ServiceTestBase {

    private static Path chromium;

    @TempDir
    Path profile;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    /**
     * Three leads of a company no other test uses; two confirmed, one pending. Returns the company once both confirmed
     * leads are scored: the journey scores a lead after its confirmation, so on a busy machine a list read at once
     * could rank a lead by its score of 0 and the page read later by its real one.
     */
    private String company() {
        String company = "Zebulon-" + UUID.randomUUID().toString().substring(0, 8);
        confirmedDecisionMaker("ann", Map.of("company", company, "companySize", "30"));
        confirmedDecisionMaker("ben", Map.of("company", company));
        String pending = "cy." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        postForm("/forms/newsletter", Map.of("email", pending, "company", company), MediaType.APPLICATION_JSON);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode confirmed = read(get("/api/leads/search?q=" + company + "&consent=CONFIRMED", "demo")).path("leads");
            return confirmed.size() == 2 && confirmed.get(0).hasNonNull("fit") && confirmed.get(1).hasNonNull("fit");
        });
        return company;
    }

    private List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("leads").forEach(l -> ids.add(l.path("id").asText()));
        return ids;
    }

    @Test
    void findsByCompanyFiltersSortsAndPagesWithoutSkippingOrRepeating() {
        String company = company();
        JsonNode all = read(get("/api/leads/search?q=" + company.toLowerCase(), "demo"));
        assertThat(all.path("leads")).hasSize(3);
        assertThat(all.hasNonNull("next")).as("one page").isFalse();
        all.path("leads").forEach(l -> assertThat(l.path("company").asText()).isEqualTo(company));

        JsonNode confirmed = read(get("/api/leads/search?q=" + company + "&consent=confirmed", "demo"));
        assertThat(confirmed.path("leads")).hasSize(2);
        confirmed.path("leads").forEach(l -> assertThat(l.path("consent").asText()).isEqualTo("CONFIRMED"));
        assertThat(read(get("/api/leads/search?q=" + company + "&stage=SQL", "demo")).path("leads")).isEmpty();

        // by score, highest first, one lead a page: the cursor carries on where the last page stopped
        List<String> paged = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        String next = "";
        do {
            JsonNode page = read(get("/api/leads/search?q=" + company + "&sort=score&limit=1"
                    + (next.isEmpty() ? "" : "&after=" + next), "demo"));
            paged.addAll(ids(page));
            page.path("leads").forEach(l -> scores.add(l.path("score").asDouble()));
            next = page.hasNonNull("next") ? page.path("next").asText() : null;
        } while (next != null && paged.size() < 10);
        assertThat(paged).hasSize(3).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ids(all));
        assertThat(scores).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(scores.get(0)).as("a confirmed decision maker has a fit score").isPositive();
    }

    @Test
    void refusesWhatItCannotReadNamingTheParameter() {
        for (var bad : Map.of("sort=loudest", "sort", "stage=HOT", "stage", "from=yesterday", "from", "limit=0",
                "limit", "after=not-a-cursor", "after", "grade=7", "grade").entrySet()) {
            var answer = get("/api/leads/search?" + bad.getKey(), "demo");
            assertThat(answer.getStatusCode()).as(bad.getKey()).isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(answer.getBody()).as(bad.getKey()).contains("\"" + bad.getValue() + "\"");
        }
        // a cursor of one sort is no cursor of another
        String company = company();
        String next = read(get("/api/leads/search?q=" + company + "&sort=score&limit=1", "demo")).path("next").asText();
        assertThat(get("/api/leads/search?q=" + company + "&sort=activity&after=" + next, "demo").getStatusCode())
                .isEqualTo(HttpStatus.BAD_REQUEST);
    }

    @Test
    void showsARepOnlyTheirOwnLeadsWhateverTheFilterSays() {
        String company = company();
        assertThat(read(get("/api/leads/search?q=" + company, "bob")).path("leads")).isEmpty();
        assertThat(read(get("/api/leads/search?q=" + company + "&owner=demo", "bob")).path("leads")).isEmpty();
        assertThat(get("/leads?q=" + company, "bob").getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(get("/api/leads/search", null).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
    }

    @Test
    void exportsTheSameFilterAsCsvForAdministrators() {
        String company = company();
        JsonNode listed = read(get("/api/leads/search?q=" + company + "&consent=CONFIRMED", "demo"));
        var csv = get("/api/leads/export?q=" + company + "&consent=CONFIRMED", "demo");
        assertThat(csv.getStatusCode()).isEqualTo(HttpStatus.OK);
        String[] lines = csv.getBody().split("\r\n");
        assertThat(lines).hasSize(3);
        List<String> exported = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            exported.add(lines[i].substring(0, lines[i].indexOf(',')));
        }
        assertThat(exported).containsExactlyInAnyOrderElementsOf(ids(listed));
        assertThat(get("/api/leads/export?q=" + company, "bob").getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
    }

    @Test
    void showsOnThePageTheLeadsTheApiListsInItsOrder() throws Exception {
        String company = company();
        List<String> fromApi = ids(read(get("/api/leads/search?q=" + company + "&sort=score", "demo")));

        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), "demo", "demo");
            browser.open(url("/leads"));
            browser.await("document.getElementById('q') !== null", v -> v.asBoolean(), Duration.ofSeconds(40));
            // search as a person would: type, choose the sort, press Show
            browser.eval("document.getElementById('q').value = '" + company + "';"
                    + "document.getElementById('sort').value = 'score';"
                    + "document.querySelector('form.filters button[type=submit]').click()");
            browser.await("location.search.includes('sort=score') && document.querySelectorAll('#leads tr.lead').length",
                    v -> v.asInt() == 3, Duration.ofSeconds(40));
            JsonNode onPage = json.readTree(browser.eval("JSON.stringify(Array.from(document.querySelectorAll("
                    + "'#leads tr.lead')).map(r => r.dataset.id))").asText());
            List<String> shown = new ArrayList<>();
            onPage.forEach(id -> shown.add(id.asText()));
            assertThat(shown).isEqualTo(fromApi);
            String exportHref = browser.eval("document.getElementById('export').getAttribute('href')").asText();
            assertThat(exportHref).startsWith("/api/leads/export?").contains("q=" + company);
            assertThat(new HashSet<>(List.of(get(exportHref, "demo").getBody().split("\r\n"))).stream()
                    .filter(line -> !line.startsWith("id,")).map(line -> line.substring(0, line.indexOf(','))).toList())
                    .containsExactlyInAnyOrderElementsOf(fromApi);
            // a lead's row leads to its timeline
            browser.eval("document.querySelector('#leads tr.lead a').click()");
            browser.await("location.pathname", v -> v.asText().equals("/leads/" + fromApi.get(0)),
                    Duration.ofSeconds(40));
            assertThat(browser.scriptErrors()).isEmpty();
        }
    }
}
