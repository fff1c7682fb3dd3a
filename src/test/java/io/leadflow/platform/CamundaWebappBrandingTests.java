package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/**
 * Camunda's webapps, which sales reps and managers open every day, carry Leadflow's name and do not show them
 * Camunda's banner about migrating to Camunda 8, which they cannot act on.
 */
class CamundaWebappBrandingTests extends ServiceTestBase {

    private static Path chromium;

    @TempDir
    Path profile;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tasklist", "cockpit", "admin"})
    void showsLeadflowsNameAndNoMigrationBanner(String app) throws Exception {
        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.signIn(url("/login"), "demo", "demo");

            browser.open(url("/camunda/app/" + app + "/"));
            JsonNode brand = browser.await("(document.querySelector('.navbar-brand') || {}).textContent || ''",
                    v -> !v.asText().isBlank(), Duration.ofSeconds(30));

            assertThat(brand.asText()).contains("Leadflow");
            JsonNode banner = browser.await("(function () { var b = document.querySelector('.ce-eol-banner');"
                    + " return b ? getComputedStyle(b).display : 'absent'; })()", v -> !v.asText().isBlank(),
                    Duration.ofSeconds(10));
            assertThat(banner.asText()).isIn("none", "absent");
            assertThat(browser.eval("document.body.innerText").asText()).doesNotContain("Camunda 8");

            // links back to Leadflow's pages: home everywhere, and a rep's own leads from Tasklist
            JsonNode links = browser.await("Array.from(document.querySelectorAll('#leadflow-links a'))"
                    + ".map(a => a.getAttribute('href')).join(' ')", v -> !v.asText().isBlank(), Duration.ofSeconds(20));
            assertThat(links.asText().split(" ")).startsWith("/").contains("/leads");
            assertThat(links.asText().contains("/my-leads")).isEqualTo(app.equals("tasklist"));
            browser.eval("document.querySelector('#leadflow-links a').click()");
            browser.await("location.pathname + ' ' + document.querySelectorAll('.pages a.card').length",
                    v -> v.asText().startsWith("/ ") && !v.asText().equals("/ 0"), Duration.ofSeconds(20));
        }
    }
}
