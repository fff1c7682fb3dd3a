package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.Chromium;
import io.leadflow.support.ServiceTestBase;

/** {@code /emails} in a real browser: it shows what {@code /api/emails} answers, and its test button sends. */
class EmailsPageBrowserTests extends ServiceTestBase {

    private static Path chromium;

    @TempDir
    Path profile;

    @BeforeAll
    static void findChromium() {
        chromium = Chromium.required();
    }

    @Test
    void showsEveryTemplateAndAPreviewAsTheApiDoesAndSendsATestWithoutAScriptError() throws Exception {
        JsonNode api = read(get("/api/emails", "demo"));
        JsonNode preview = read(get("/api/emails/welcome/preview?language=fr", "demo"));
        try (Chromium browser = new Chromium(chromium, profile, "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")) {
            browser.collectScriptErrors();
            browser.signIn(url("/login"), "demo", "demo");

            browser.open(url("/emails?name=welcome&language=fr"));
            browser.await("!!document.getElementById('send-test')", JsonNode::asBoolean, Duration.ofSeconds(20));

            assertThat(browser.eval("document.querySelectorAll('#templates tr[data-name]').length").asInt())
                    .isEqualTo(api.size());
            assertThat(browser.eval("document.querySelector('#templates tr[data-name=\"welcome\"] .version')"
                    + ".textContent").asText()).isEqualTo("v" + preview.path("version").asInt());
            assertThat(browser.eval("document.getElementById('subject').textContent").asText())
                    .isEqualTo(preview.path("subject").asText());
            assertThat(browser.eval("document.getElementById('text').textContent").asText())
                    .isEqualTo(preview.path("text").asText());
            assertThat(browser.eval("document.getElementById('html').contentDocument.body.innerText").asText())
                    .contains("Bonjour Camille");

            browser.eval("document.getElementById('send-test').click()");
            JsonNode result = browser.await("document.getElementById('test-result').textContent",
                    v -> v.asText().startsWith("Sent") || v.asText().startsWith("Not"), Duration.ofSeconds(20));
            assertThat(result.asText()).isEqualTo("Sent to demo@leadflow.local: \"[Test] "
                    + preview.path("subject").asText() + "\"");
            assertThat(browser.scriptErrors()).isEmpty();
        }
        awaitMail("demo@leadflow.local", "[Test] " + preview.path("subject").asText());
    }
}
