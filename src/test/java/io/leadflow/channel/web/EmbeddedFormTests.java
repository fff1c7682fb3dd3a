package io.leadflow.channel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.channel.email.TrackedLinks;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.ServiceTestBase;

/** Forms embedded in other web sites: the script, CORS limited to the configured sites, progressive profiling. */
class EmbeddedFormTests extends ServiceTestBase {

    @Autowired
    TrackedLinks trackedLinks;

    private String leadId(String email) {
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }

    /** What a click on a tracked link of one of our emails hands to the site: the only way a visitor becomes known. */
    private String visitorFromEmailLink(String email) {
        return new SitePage(port, null).visitorFromEmailLink(trackedLinks, leadId(email), ExternalServers.ACME_SITE + "/");
    }

    private SitePage acme() {
        return new SitePage(port, ExternalServers.ACME_SITE);
    }

    private static String email() {
        return "embed." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
    }

    private JsonNode json(HttpResponse<String> response) {
        try {
            return json.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("Not JSON: " + response.body(), e);
        }
    }

    private static List<String> fieldNames(JsonNode definition) {
        List<String> names = new ArrayList<>();
        definition.get("fields").forEach(f -> names.add(f.get("name").asText()));
        return names;
    }

    @Nested
    class FromAnotherSite {

        @Test
        void servesTheEmbedScriptCacheableToAnyPage() {
            HttpResponse<String> script = new SitePage(port, null).get("/forms/product-tour/embed.js");

            assertThat(script.statusCode()).isEqualTo(200);
            assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
            assertThat(script.headers().firstValue("Cache-Control")).hasValueSatisfying(c -> assertThat(c).contains("public", "max-age=300"));
            assertThat(script.body()).contains("/definition", "Leadflow-Visitor").doesNotContain("'identify'");
            assertThat(new SitePage(port, null).get("/forms/no-such-form/embed.js").statusCode()).isEqualTo(404);
        }

        @Test
        void letsAConfiguredSiteAskAndSubmitTheFormWithoutCookies() {
            HttpResponse<String> preflight = acme().preflight("/forms/product-tour", "POST", "content-type,leadflow-visitor");

            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ExternalServers.ACME_SITE);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(
                    h -> assertThat(h).contains("Content-Type", "Leadflow-Visitor"));
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

            String email = email();
            HttpResponse<String> submitted = acme().post("/forms/product-tour", "application/json",
                    "{\"email\":\"" + email + "\",\"firstName\":\"Ann\",\"company\":\"Acme\"}");

            assertThat(submitted.statusCode()).isEqualTo(202);
            assertThat(submitted.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ExternalServers.ACME_SITE);
            assertThat(submitted.headers().firstValue("Set-Cookie")).isEmpty();
            JsonNode answer = json(submitted);
            assertThat(answer.get("thankYou").asText()).contains("Check your inbox");
            assertThat(answer.has("id") || answer.has("consent") || answer.has("visitor")).isFalse();
            JsonNode lead = read(get("/api/leads/" + leadId(email) + "/consent", "demo"));
            assertThat(lead.toString()).contains("product-tour-consent-v1");
        }

        @Test
        void refusesPagesOfASiteThatIsNotConfigured() {
            SitePage evil = new SitePage(port, "https://evil.example");
            String email = email();

            HttpResponse<String> preflight = evil.preflight("/forms/product-tour", "POST", "content-type");
            HttpResponse<String> submitted = evil.post("/forms/product-tour", "application/json",
                    "{\"email\":\"" + email + "\",\"company\":\"Evil\"}");
            HttpResponse<String> definition = evil.get("/forms/product-tour/definition");

            assertThat(preflight.statusCode()).isEqualTo(403);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(submitted.statusCode()).isEqualTo(403);
            assertThat(submitted.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            assertThat(submitted.body()).contains("leadflow.web.allowed-origins");
            assertThat(definition.statusCode()).isEqualTo(403);
            assertThat(get("/api/leads?email=" + email, "demo").getBody()).isEqualTo("[]");
        }

        @Test
        void refusesASubmissionWithoutARequiredFieldNamingIt() {
            HttpResponse<String> submitted = acme().post("/forms/product-tour", "application/json",
                    "{\"email\":\"" + email() + "\",\"firstName\":\"Ann\"}");

            assertThat(submitted.statusCode()).isEqualTo(400);
            assertThat(json(submitted).get("errors").get(0).get("field").asText()).isEqualTo("company");
        }
    }

    @Nested
    class ProgressiveProfiling {

        @Test
        void asksANewVisitorTheFormsOwnFields() {
            JsonNode definition = json(acme().get("/forms/product-tour/definition"));

            assertThat(definition.get("known").asBoolean()).isFalse();
            assertThat(fieldNames(definition)).containsExactly("email", "firstName", "company");
            assertThat(definition.get("fields").get(2).get("required").asBoolean()).isTrue();
            assertThat(definition.get("consentText").asText()).contains("product tour");
        }

        @Test
        void asksAKnownVisitorForWhatWeDoNotHoldYetInsteadOfTheSameFieldsAgain() {
            String email = email();
            acme().post("/forms/product-tour", "application/json",
                    "{\"email\":\"" + email + "\",\"firstName\":\"Ann\",\"company\":\"Acme\"}");
            String visitor = visitorFromEmailLink(email);

            JsonNode second = json(acme().get("/forms/product-tour/definition", "Leadflow-Visitor", visitor));

            assertThat(second.get("known").asBoolean()).isTrue();
            assertThat(fieldNames(second)).containsExactly("jobTitle", "companySize");
            assertThat(second.toString()).doesNotContain(email).doesNotContain("Ann");

            HttpResponse<String> again = acme().post("/forms/product-tour", "application/json",
                    "{\"jobTitle\":\"VP Marketing\",\"companySize\":\"1200\"}", "Leadflow-Visitor", visitor);

            assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
            JsonNode lead = read(get("/api/leads/" + leadId(email), "demo"));
            assertThat(lead.get("jobTitle").asText()).isEqualTo("VP Marketing");
            assertThat(lead.get("companySize").asInt()).isEqualTo(1200);
            assertThat(lead.get("firstName").asText()).isEqualTo("Ann");
            assertThat(fieldNames(json(acme().get("/forms/product-tour/definition", "Leadflow-Visitor", visitor))))
                    .containsExactly("country", "industry");
        }

        @Test
        void treatsAnAlteredVisitorTokenAsANewVisitor() {
            String email = email();
            acme().post("/forms/product-tour", "application/json",
                    "{\"email\":\"" + email + "\",\"firstName\":\"Ann\",\"company\":\"Acme\"}");
            String forged = visitorFromEmailLink(email) + "x";

            JsonNode definition = json(acme().get("/forms/product-tour/definition", "Leadflow-Visitor", forged));
            HttpResponse<String> withoutEmail = acme().post("/forms/product-tour", "application/json",
                    "{\"company\":\"Acme\"}", "Leadflow-Visitor", forged);

            assertThat(definition.get("known").asBoolean()).isFalse();
            assertThat(fieldNames(definition)).containsExactly("email", "firstName", "company");
            assertThat(withoutEmail.statusCode()).isEqualTo(400);
            assertThat(withoutEmail.body()).contains("\"field\":\"email\"");
        }
    }

    @Nested
    class InFrenchWithARedirect {

        @Test
        void labelsTheFieldsInTheFormsLanguage() {
            JsonNode definition = json(acme().get("/forms/essai-fr/definition"));

            assertThat(definition.get("fields").findValuesAsText("label")).containsExactly("E-mail professionnel", "Société");
            assertThat(definition.get("submit").asText()).isEqualTo("Envoyer");
            assertThat(definition.get("redirect").asText()).isEqualTo("https://www.acme-site.example/merci");
        }

        @Test
        void sendsTheBrowserToTheSitesThankYouPageAndEmailsInFrench() {
            String email = email();

            HttpResponse<String> page = acme().post("/forms/essai-fr", "application/x-www-form-urlencoded",
                    "email=" + email.replace("@", "%40") + "&company=Acme", "Accept", "text/html");

            assertThat(page.statusCode()).isEqualTo(303);
            assertThat(page.headers().firstValue("Location")).hasValue("https://www.acme-site.example/merci");
            JsonNode lead = read(get("/api/leads?email=" + email, "demo")).get(0);
            assertThat(read(get("/api/leads/" + lead.get("id").asText() + "/export", "demo")).toString())
                    .contains("\"language\":\"fr\"");
        }
    }

    @Test
    void showsTheConfiguredFieldsOnTheHostedPage() {
        String page = rest.exchange(url("/forms/product-tour"), org.springframework.http.HttpMethod.GET,
                new org.springframework.http.HttpEntity<>(headersAccepting(MediaType.TEXT_HTML)), String.class).getBody();

        assertThat(page).contains("name=\"email\"", "name=\"firstName\"", "name=\"company\"", "Get the product tour");
        assertThat(page).doesNotContain("name=\"jobTitle\"");
    }

    private static org.springframework.http.HttpHeaders headersAccepting(MediaType type) {
        org.springframework.http.HttpHeaders headers = new org.springframework.http.HttpHeaders();
        headers.setAccept(List.of(type));
        return headers;
    }
}
