package io.leadflow.channel.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.camunda.bpm.engine.RepositoryService;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ModelsFolder;
import io.leadflow.support.OwnContext;
import io.leadflow.support.ServiceTestBase;

/**
 * Emails are models: a marketer saves a file in {@code mail/} and the next email uses it, with its version recorded;
 * a file that would fail on a lead is refused before it replaces the running one; a journey may send a template
 * saved a moment before it.
 */
@Tag(OwnContext.TAG)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "leadflow.models.watch=true")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmailTemplateHotReloadTests extends ServiceTestBase {

    static Path models;

    @DynamicPropertySource
    static void modelsFolder(DynamicPropertyRegistry registry) throws IOException {
        models = ModelsFolder.copyOf("bpmn", "dmn", "mail");
        registry.add("leadflow.models.dir", models::toString);
    }

    @Autowired
    TemplateLibrary library;

    @Autowired
    RepositoryService repository;

    private int version(String template) {
        for (JsonNode t : read(get("/api/emails", "demo"))) {
            if (t.path("name").asText().equals(template)) {
                return t.path("version").asInt();
            }
        }
        return 0;
    }

    @Test
    @Order(1)
    void sendsAnEditedEmailFromTheNextOneOnAndRecordsItsVersion() throws Exception {
        int before = version("welcome");
        Path welcome = models.resolve("mail/welcome.txt");
        String original = Files.readString(welcome);
        Files.writeString(welcome, original.replace("Subject: Welcome aboard", "Subject: Welcome aboard, edited"));

        await().atMost(Duration.ofSeconds(20)).until(() -> version("welcome") == before + 1);
        String email = confirmedDecisionMaker("hot");
        awaitMail(email, "Welcome aboard, edited");

        String leadId = read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
        JsonNode sent = read(get("/api/leads/" + leadId + "/emails", "demo"));
        assertThat(sent).anySatisfy(e -> {
            assertThat(e.path("template").asText()).isEqualTo("welcome");
            assertThat(e.path("templateVersion").asInt()).isEqualTo(before + 1);
        });
        assertThat(read(get("/api/emails/welcome/preview?version=" + before, "demo")).path("subject").asText())
                .as("the version sent before stays readable").isEqualTo("Welcome aboard");
        JsonNode versions = read(get("/api/emails/welcome", "demo")).path("versions");
        assertThat(versions.get(0).path("version").asInt()).isEqualTo(before + 1);
        assertThat(versions.get(0).path("running").asBoolean()).isTrue();
        assertThat(versions.get(0).path("source").asText()).isEqualTo(models.resolve("mail").toAbsolutePath()
                .normalize().toString());
    }

    @Test
    @Order(2)
    void refusesATemplateThatWouldFailOnALeadAndKeepsTheRunningOne() throws Exception {
        int before = version("nurture-value");
        Path html = models.resolve("mail/nurture-value.html");
        String original = Files.readString(html);
        try {
            Files.writeString(html, original.replace("th:text=\"' ' + ${lead.firstName}\"",
                    "th:text=\"' ' + ${lead.fristName}\""));

            TemplateLibrary.Loaded refused = library.reload();

            assertThat(refused.accepted()).isFalse();
            assertThat(refused.problems()).singleElement().hasToString("mail/nurture-value.html: line 5: uses "
                    + "'fristName', which a template cannot use: lead.firstName, lead.lastName, lead.email, "
                    + "lead.company, lead.jobTitle, lead.industry, lead.companySize, lead.country, lead.language, "
                    + "lead.grade, publicUrl, links.unsubscribeUrl");
            assertThat(library.find("nurture-value").orElseThrow().html("en")).contains("${lead.firstName}");
            assertThat(version("nurture-value")).isEqualTo(before);
        } finally {
            Files.writeString(html, original);
        }
    }

    @Test
    @Order(3)
    void refusesAMissingSubjectATextWithoutHtmlAndATemplateAJourneyStillSends() throws Exception {
        Path fr = models.resolve("mail/welcome_fr.txt");
        String french = Files.readString(fr);
        Path caseStudy = models.resolve("mail/nurture-case-study.txt");
        String caseStudyText = Files.readString(caseStudy);
        Path orphan = models.resolve("mail/promo.txt");
        try {
            Files.writeString(fr, french.substring(french.indexOf('\n') + 1));
            Files.delete(caseStudy);
            Files.delete(models.resolve("mail/nurture-case-study.html"));
            Files.writeString(orphan, "Subject: Promo\nHello");

            TemplateLibrary.Loaded refused = library.reload();

            assertThat(refused.problems()).map(Object::toString).containsExactlyInAnyOrder(
                    "mail/promo.txt: has no mail/promo.html beside it: a template is a text file (subject line, then "
                            + "the text) and an HTML file",
                    "mail/nurture-case-study_fr.html: translates mail/nurture-case-study.txt, which does not exist: "
                            + "every template has a file without language suffix, sent to any other language",
                    "mail/nurture-case-study_fr.txt: translates mail/nurture-case-study.txt, which does not exist: "
                            + "every template has a file without language suffix, sent to any other language");
            Files.delete(models.resolve("mail/nurture-case-study_fr.txt"));
            Files.delete(models.resolve("mail/nurture-case-study_fr.html"));
            Files.delete(orphan);

            assertThat(library.reload().problems()).map(Object::toString).containsExactlyInAnyOrder(
                    "mail/welcome_fr.txt: must start with a line 'Subject: …' (the email's subject), then the text",
                    "mail/nurture-case-study.txt: is missing, but nurture.bpmn v1: Send case study "
                            + "(Task_SendCaseStudy) sends it: put it back, or change what sends it first");
            assertThat(library.exists("nurture-case-study")).isTrue();
        } finally {
            Files.writeString(fr, french);
            for (String file : List.of("nurture-case-study.txt", "nurture-case-study.html", "nurture-case-study_fr.txt",
                    "nurture-case-study_fr.html")) {
                ModelsFolder.copy(Path.of("mail", file), models.resolve("mail").resolve(file));
            }
            Files.deleteIfExists(orphan);
        }
        assertThat(library.reload().accepted()).isTrue();
    }

    @Test
    @Order(4)
    void deploysAJourneyThatSendsATemplateSavedASecondBeforeIt() throws Exception {
        int nurture = repository.createProcessDefinitionQuery().processDefinitionKey("nurture").latestVersion()
                .singleResult().getVersion();
        Files.writeString(models.resolve("mail/nurture-webinar.txt"), """
                Subject: Our next webinar
                Hello[# th:if="${lead.firstName}"] [(${lead.firstName})][/], join us on Thursday.

                To stop receiving these emails: [(${links.unsubscribeUrl})]
                """);
        Files.writeString(models.resolve("mail/nurture-webinar.html"), """
                <p>Hello<span th:if="${lead.firstName}" th:text="' ' + ${lead.firstName}"></span>, join us.</p>
                <p><a th:href="${links.unsubscribeUrl}">unsubscribe</a></p>
                """);
        Files.writeString(models.resolve("mail/nurture-webinar_fr.txt"), """
                Subject: Notre prochain webinaire
                Bonjour, rejoignez-nous jeudi. [(${links.unsubscribeUrl})]
                """);
        Files.writeString(models.resolve("mail/nurture-webinar_fr.html"), """
                <p>Bonjour, rejoignez-nous jeudi. <a th:href="${links.unsubscribeUrl}">se désinscrire</a></p>
                """);
        Thread.sleep(1_000);
        Path journey = models.resolve("bpmn/nurture.bpmn");
        Files.writeString(journey, Files.readString(journey).replace(
                "<camunda:inputParameter name=\"template\">nurture-case-study</camunda:inputParameter>",
                "<camunda:inputParameter name=\"template\">nurture-webinar</camunda:inputParameter>"));

        await().atMost(Duration.ofSeconds(30)).until(() -> repository.createProcessDefinitionQuery()
                .processDefinitionKey("nurture").latestVersion().singleResult().getVersion() == nurture + 1);
        JsonNode webinar = read(get("/api/emails/nurture-webinar", "demo"));
        assertThat(webinar.path("languages").toString()).isEqualTo("[\"en\",\"fr\"]");
        assertThat(webinar.path("usedBy").toString()).contains("nurture.bpmn v" + (nurture + 1)
                + ": Send case study (Task_SendCaseStudy)");
        assertThat(read(get("/api/emails/nurture-case-study", "demo")).path("usedBy").toString())
                .doesNotContain("nurture.bpmn");
    }
}
