package io.leadflow.channel.web;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.channel.email.TrackedLinks;
import io.leadflow.support.Chromium;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;

/**
 * The web channel in a real browser (headless Chromium): a new user clicking through the demo site (banner, form,
 * pricing page, back to a form that asks what we do not know yet), driven over the DevTools protocol; and a page of
 * another site (another origin) doing the same by its own script, or refused when that site is not allowed. Without Chromium the class is reported as skipped, with how to install it; under CI
 * ({@code CI} set) a missing Chromium fails it.
 */
class DemoSiteBrowserTests extends ServiceTestBase {

    private static Path chromium;

    @Autowired
    JdbcClient jdbc;

    @TempDir
    Path profile;

    @Autowired
    TrackedLinks trackedLinks;

    /** The token a click on a tracked link of one of our emails hands to the site it leads to (after #lf_v=). */
    private String visitorFromEmailLink(String leadId) {
        return new SitePage(port, null).visitorFromEmailLink(trackedLinks, leadId, ExternalServers.ACME_SITE + "/");
    }

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    @Test
    void showsTheDemoSiteWithItsEmbeddedFormAndTrackingOffUntilTheBannerSaysYes() throws Exception {
        String dom = browse(url("/demo/site"));

        assertThat(dom).contains("Acme Analytics", "<form novalidate", "name=\"email\"", "name=\"company\"",
                "Off: no consent from the banner yet.");
        assertThat(dom).doesNotContain("name=\"jobTitle\"");
    }

    @Test
    void takesANewUserThroughTheWholeLoopOnTheDemoSite() throws Exception {
        String email = "demo." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        String status = "document.getElementById('tracking-status').textContent";
        try (Chromium browser = new Chromium(chromium, profile, SitePage.BROWSER)) {
            browser.open(url("/demo/site"));
            browser.await("document.querySelectorAll('.leadflow-form input[name]').length", v -> v.asInt() >= 3,
                    Duration.ofSeconds(20));
            assertThat(browser.eval(status).asText()).isEqualTo("Off: no consent from the banner yet.");

            browser.eval("document.getElementById('accept').click()");
            browser.await(status, v -> v.asText().contains("anonymous") && v.asText().contains("(204)"),
                    Duration.ofSeconds(20));
            browser.eval("(function (f) { f.elements.email.value = '" + email + "'; f.elements.firstName.value = 'Ann';"
                    + " f.elements.company.value = 'Acme'; f.elements.leadflowConsent.checked = true;"
                    + " f.requestSubmit(); })(document.querySelector('.leadflow-form form'))");
            browser.await("!!document.querySelector('.leadflow-thanks') && " + status,
                    v -> v.asText().contains("anonymous"), Duration.ofSeconds(20));
            // typing an address proves nothing: the browser becomes known from a link of one of our emails
            postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
            String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).get("id").asText();

            browser.open(url("/demo/site/pricing") + "#lf_v=" + visitorFromEmailLink(leadId));
            browser.await(status, v -> v.asText().contains("known visitor") && v.asText().contains("/demo/site/pricing (204)"),
                    Duration.ofSeconds(20));
            assertThat(browser.eval("location.hash").asText()).as("the token leaves the address bar").isEmpty();
            browser.open(url("/demo/site"));
            JsonNode asked = browser.await("Array.from(document.querySelectorAll('.leadflow-form input[name]'))"
                    + ".map(function (i) { return i.name; }).join(',')", v -> v.asText().startsWith("jobTitle"),
                    Duration.ofSeconds(20));
            assertThat(asked.asText()).isEqualTo("jobTitle,companySize,website,leadflowConsent");
        }
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).get("id").asText();
        assertThat(jdbc.sql("select type, url from engagement_events where lead_id = ? and type <> 'EMAIL_CLICKED'"
                + " order by occurred_at").param(leadId).query((rs, n) -> rs.getString(1) + " " + rs.getString(2)).list())
                .containsExactly("PAGE_VIEW " + url("/demo/site"), "PRICING_PAGE_VIEW " + url("/demo/site/pricing"));
    }

    @Test
    void staysOffInABrowserSendingGlobalPrivacyControlEvenAfterTheBannerSaysYes() throws Exception {
        String status = "document.getElementById('tracking-status').textContent";
        try (Chromium browser = new Chromium(chromium, profile, SitePage.BROWSER)) {
            // what Firefox, Brave or a privacy extension tell every page
            browser.beforeEveryPage("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
                    + "{get: function () { return true; }})");
            browser.open(url("/demo/site"));
            browser.await("document.querySelectorAll('.leadflow-form input[name]').length", v -> v.asInt() >= 3,
                    Duration.ofSeconds(20));

            browser.eval("document.getElementById('accept').click()");

            assertThat(browser.await(status, v -> v.asText().startsWith("Off"), Duration.ofSeconds(10)).asText())
                    .isEqualTo("Off: your browser asks not to be tracked (DNT / GPC).");
            assertThat(browser.eval("Object.keys(localStorage).filter(function (k) { return k.indexOf('leadflow') === 0; }).length")
                    .asInt()).as("nothing stored by the snippet").isZero();
        }
    }

    @Test
    void runsTheWholeLoopOnAPageOfAnotherSite() throws Exception {
        String email = "browser." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        serveSitePage("/pricing/plans", email);

        String first = browse(ExternalServers.siteOrigin() + "/pricing/plans");

        assertThat(first).contains("form email,firstName,company", "submitted", "leadflow-thanks",
                "\"consent\":true", "\"known\":false", "\"status\":204");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).get("id").asText();
        assertThat(jdbc.sql("select count(*) from engagement_events where lead_id = ?").param(leadId)
                .query(Integer.class).single()).as("a form names no visitor: the views stay anonymous").isZero();

        // the person clicks a link of one of our emails to the same page
        String second = browse(ExternalServers.siteOrigin() + "/pricing/plans#lf_v=" + visitorFromEmailLink(leadId));

        assertThat(second).as("the same browser, known now, is asked what we do not hold yet")
                .contains("form jobTitle,companySize", "\"known\":true", "\"status\":204");
        List<Map<String, Object>> events = jdbc.sql(
                "select type, url from engagement_events where lead_id = ? and type <> 'EMAIL_CLICKED'")
                .param(leadId).query().listOfRows();
        assertThat(events).as("the anonymous view before the form, linked; the same page right after counts once")
                .hasSize(1).allSatisfy(e -> assertThat(e).containsEntry("TYPE", "PRICING_PAGE_VIEW")
                        .containsEntry("URL", ExternalServers.siteOrigin() + "/pricing/plans"));
    }

    @Test
    void drawsNoFormAndSendsNothingOnAPageOfASiteThatIsNotAllowed() throws Exception {
        String email = "refused." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
        serveSitePage("/refused", email);

        // the same page under another name of the host is another origin, which no setting allows
        String dom = browse("http://localhost:" + ExternalServers.SITE.port() + "/refused");

        assertThat(dom).doesNotContain("<form novalidate").contains("\"consent\":true", "\"status\":0");
        assertThat(get("/api/leads?email=" + email, "demo").getBody()).isEqualTo("[]");
    }

    /** A page of the customer's site: our two snippets, and a visitor who accepts the banner and fills the form. */
    private void serveSitePage(String path, String email) {
        String app = "http://localhost:" + port;
        String page = """
                <!DOCTYPE html><html><head><meta charset="utf-8"><title>Acme</title>
                <script>window.leadflow=window.leadflow||function(){(leadflow.q=leadflow.q||[]).push(arguments)};</script>
                <script async src="APP/t.js"></script></head>
                <body><h1>Pricing</h1><div id="slot"></div><pre id="log"></pre>
                <script async src="APP/forms/product-tour/embed.js" data-target="#slot"></script>
                <script>
                  var lines = [], forms = 0;
                  function note(s) { lines.push(s); document.getElementById('log').textContent = lines.join('\\n'); }
                  document.addEventListener('leadflow:state', function (e) { note('state ' + JSON.stringify(e.detail)); });
                  document.addEventListener('leadflow:submitted', function () { note('submitted'); });
                  document.addEventListener('leadflow:form-ready', function (e) {
                    note('form ' + e.detail.fields.join(','));
                    if (forms++ > 0 || e.detail.known) { leadflow('consent', true); return; }
                    leadflow('consent', true);
                    setTimeout(function () {
                      var f = document.querySelector('#slot form');
                      f.elements.email.value = 'EMAIL';
                      f.elements.firstName.value = 'Ann';
                      f.elements.company.value = 'Acme';
                      f.elements.leadflowConsent.checked = true;
                      f.requestSubmit();
                    }, 500);
                  });
                  setTimeout(function () { if (!forms) { leadflow('consent', true); } }, 1500);
                </script></body></html>
                """.replace("APP", app).replace("EMAIL", email);
        ExternalServers.SITE.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo(path)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html; charset=utf-8").withBody(page)));
    }

    /** The page's DOM once its scripts ran, in a browser whose storage lives in this test's profile folder. */
    private String browse(String address) throws IOException, InterruptedException {
        Path out = Files.createTempFile(profile.getParent(), "dom", ".html");
        Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--user-data-dir=" + profile,
                "--user-agent=" + SitePage.BROWSER, "--virtual-time-budget=8000", "--dump-dom", address)
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!browser.waitFor(90, TimeUnit.SECONDS)) {
            browser.destroyForcibly();
            throw new AssertionError("Chromium did not finish loading " + address + " within 90 s");
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        assertThat(browser.exitValue()).as("Chromium's exit code for " + address).isZero();
        return dom;
    }
}
