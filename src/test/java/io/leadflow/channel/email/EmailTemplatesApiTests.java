package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.mail.internet.MimeMessage;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/** {@code /api/emails}: what a marketer learns about the templates before and after changing one. */
class EmailTemplatesApiTests extends ServiceTestBase {

    @Autowired
    TemplateLibrary library;

    @Autowired
    IdentityService identity;

    @Test
    void listsEveryTemplateWithItsLanguagesVersionAndTheStepsThatSendIt() {
        JsonNode list = read(get("/api/emails", "demo"));

        List<String> names = new ArrayList<>();
        list.forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).containsAll(library.all().keySet()).hasSize(library.all().size())
                .contains("welcome", "nurture-value", "doi-confirmation", "sla-remind");
        JsonNode welcome = find(list, "welcome");
        assertThat(welcome.path("languages").toString()).isEqualTo("[\"en\",\"fr\"]");
        assertThat(welcome.path("version").asInt()).isEqualTo(library.find("welcome").orElseThrow().version());
        assertThat(find(list, "nurture-value").path("usedBy").toString()).contains("nurture.bpmn v")
                .contains("(Task_SendValue").doesNotContain("Leadflow:");
        assertThat(find(list, "doi-confirmation").path("usedBy").toString())
                .contains("Leadflow: a confirmation sent again on request").contains("double-opt-in.bpmn");
        assertThat(find(list, "sla-remind").path("languages").toString()).isEqualTo("[\"en\"]");
    }

    @Test
    void previewsATemplateForASampleLeadInEachOfItsLanguages() {
        JsonNode fr = read(get("/api/emails/welcome/preview?language=fr-CA", "demo"));
        JsonNode en = read(get("/api/emails/welcome/preview", "demo"));

        assertThat(fr.path("subject").asText()).isEqualTo("Bienvenue");
        assertThat(fr.path("file").asText()).isEqualTo("welcome_fr");
        assertThat(fr.path("text").asText()).startsWith("Bonjour Camille");
        assertThat(fr.path("html").asText()).contains("<p>Bonjour<span> Camille</span>,</p>");
        assertThat(en.path("language").asText()).isEqualTo("en");
        assertThat(en.path("file").asText()).isEqualTo("welcome");
        assertThat(en.path("text").asText()).contains("/optin/unsubscribe?token=sample");
        JsonNode staff = read(get("/api/emails/sla-remind/preview", "demo"));
        assertThat(staff.path("text").asText()).contains("Hello alice").contains("2026-01-05T14:00:00Z");
    }

    @Test
    void answersAnUnknownTemplateOrLanguageWithAProblemNamingIt() {
        var unknown = get("/api/emails/welcom/preview", "demo");
        var language = get("/api/emails/welcome/preview?language=fr%0AX", "demo");
        var version = get("/api/emails/welcome/preview?version=999", "demo");

        assertThat(unknown.getStatusCode().value()).isEqualTo(404);
        assertThat(read(unknown).path("detail").asText()).contains("'welcom'").contains("GET /api/emails");
        assertThat(language.getStatusCode().value()).isEqualTo(400);
        assertThat(language.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(read(language).path("errors").get(0).path("field").asText()).isEqualTo("language");
        assertThat(version.getStatusCode().value()).isEqualTo(404);
        assertThat(read(version).path("detail").asText()).contains("No version 999");
    }

    @Test
    void sendsATestToTheSignedInUsersOwnAddress() throws Exception {
        var sent = postJson("/api/emails/nurture-value/test", "demo", Map.of("language", "fr"));

        assertThat(sent.getStatusCode().value()).isEqualTo(202);
        String subject = read(sent).path("subject").asText();
        assertThat(read(sent).path("to").asText()).isEqualTo("demo@leadflow.local");
        assertThat(subject).startsWith("[Test] ").isEqualTo("[Test] " + read(get(
                "/api/emails/nurture-value/preview?language=fr", "demo")).path("subject").asText());
        MimeMessage mail = awaitMail("demo@leadflow.local", subject);
        assertThat(MailParts.firstOfType(mail, "text/plain")).contains("Camille");
    }

    @Test
    void saysWhereToAddTheAddressOfAUserWhoHasNone() {
        if (identity.createUserQuery().userId("nomail").singleResult() == null) {
            User user = identity.newUser("nomail");
            user.setPassword("demo");
            identity.saveUser(user);
            identity.createMembership("nomail", "MARKETER");
        }

        var refused = postJson("/api/emails/welcome/test", "nomail", Map.of());

        assertThat(refused.getStatusCode().value()).isEqualTo(409);
        assertThat(read(refused).path("detail").asText()).contains("no email address").contains("Camunda Admin");
    }

    @Test
    void isForMarketersNotForSales() {
        assertThat(get("/api/emails", "alice").getStatusCode().value()).isEqualTo(403);
        assertThat(postJson("/api/emails/welcome/test", "alice", Map.of()).getStatusCode().value()).isEqualTo(403);
        assertThat(get("/api/emails", null).getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void recordsTheTemplateVersionEachEmailWasRenderedFrom() {
        String email = confirmedDecisionMaker("versioned");
        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();

        JsonNode emails = read(get("/api/leads/" + leadId + "/emails", "demo"));

        int confirmation = library.find("doi-confirmation").orElseThrow().version();
        assertThat(emails).anySatisfy(e -> {
            assertThat(e.path("template").asText()).isEqualTo("doi-confirmation");
            assertThat(e.path("templateVersion").asInt()).isEqualTo(confirmation);
        });
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode t : list) {
            if (t.path("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no template " + name + " in " + list);
    }
}
