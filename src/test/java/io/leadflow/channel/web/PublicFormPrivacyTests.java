package io.leadflow.channel.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * A stranger who types someone's address into a public form learns nothing about her and changes nothing she gave:
 * the answer is the same for a new, a pending and a confirmed address, and her data is only completed. Integrators,
 * who sign in, keep their richer answer and their right to correct.
 */
class PublicFormPrivacyTests extends ServiceTestBase {

    @Autowired
    JdbcClient jdbc;

    private static String newAddress(String who) {
        return who + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
    }

    /** A page's CSRF token is new on every page, whoever asks: the only part allowed to differ. */
    private static String withoutCsrfToken(String body) {
        return body.replaceAll("name=\"_csrf\" value=\"[^\"]*\"", "name=\"_csrf\"");
    }

    private JsonNode lead(String email) {
        return read(get("/api/leads?email=" + email, "demo")).get(0);
    }

    @Test
    void answersTheSameForANewAPendingAndAConfirmedAddress() {
        String pending = newAddress("pending");
        postForm("/forms/newsletter", Map.of("email", pending), MediaType.APPLICATION_JSON);
        String confirmed = confirmedDecisionMaker("confirmed");

        for (MediaType accept : new MediaType[] {MediaType.APPLICATION_JSON, MediaType.TEXT_HTML}) {
            ResponseEntity<String> forNew = postForm("/forms/newsletter", Map.of("email", newAddress("new")), accept);
            ResponseEntity<String> forPending = postForm("/forms/newsletter", Map.of("email", pending), accept);
            ResponseEntity<String> forConfirmed = postForm("/forms/newsletter", Map.of("email", confirmed), accept);

            assertThat(forPending.getStatusCode()).as(accept.toString()).isEqualTo(forNew.getStatusCode());
            assertThat(forConfirmed.getStatusCode()).as(accept.toString()).isEqualTo(forNew.getStatusCode());
            assertThat(withoutCsrfToken(forPending.getBody())).as(accept.toString())
                    .isEqualTo(withoutCsrfToken(forNew.getBody()));
            assertThat(withoutCsrfToken(forConfirmed.getBody())).as(accept.toString())
                    .isEqualTo(withoutCsrfToken(forNew.getBody()));
        }
        ResponseEntity<String> json = postJson("/forms/newsletter", null, Map.of("email", confirmed));
        assertThat(json.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(read(json).fieldNames()).toIterable().containsExactly("thankYou");
        ResponseEntity<String> formAnswer = postForm("/forms/newsletter", Map.of("email", confirmed),
                MediaType.APPLICATION_JSON);
        assertThat(read(formAnswer).fieldNames()).toIterable().as("the form's own answer, nothing of the page header")
                .containsExactly("thankYou");
        assertThat(json.getBody()).doesNotContain(lead(confirmed).path("id").asText()).doesNotContain("CONFIRMED");
    }

    @Test
    void aStrangersSubmissionOnlyFillsWhatIsBlank() {
        String email = confirmedDecisionMaker("victim", Map.of("lastName", "Martin", "phone", "+33 1 23 45 67 89",
                "language", "en"));
        JsonNode before = lead(email);

        ResponseEntity<String> forged = postForm("/forms/newsletter", Map.of("email", email, "firstName", "Mallory",
                "lastName", "Forged", "company", "Evil Corp", "phone", "+1 555 0100", "country", "US",
                "language", "de", "jobTitle", "Intern", "consentText", "I agree to anything"),
                MediaType.APPLICATION_JSON);

        assertThat(forged.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        JsonNode after = lead(email);
        for (String field : new String[] {"firstName", "lastName", "company", "country", "jobTitle", "companySize"}) {
            assertThat(after.path(field)).as(field).isEqualTo(before.path(field));
        }
        String export = read(get("/api/leads/" + after.path("id").asText() + "/export", "demo")).toString();
        assertThat(export).contains("+33 1 23 45 67 89", "\"language\":\"en\"").doesNotContain("+1 555 0100");
        // the ledger records what was submitted, as it happened; the wording she agreed to stays hers
        assertThat(jdbc.sql("select consent_text from leads where email = ?").param(email).query(String.class).single())
                .isNotEqualTo("I agree to anything");
        assertThat(after.path("consent").asText()).isEqualTo("CONFIRMED");
    }

    @Test
    void aStrangersSubmissionCompletesWhatWeDidNotHold() {
        String email = newAddress("sparse");
        postForm("/forms/newsletter", Map.of("email", email), MediaType.APPLICATION_JSON);

        postForm("/forms/newsletter", Map.of("email", email, "company", "Acme", "jobTitle", "CMO"),
                MediaType.APPLICATION_JSON);

        assertThat(lead(email).path("company").asText()).isEqualTo("Acme");
        assertThat(lead(email).path("jobTitle").asText()).isEqualTo("CMO");
    }

    @Test
    void anIntegratorStillHearsTheLeadAndMayCorrectIt() {
        String email = confirmedDecisionMaker("integrated");

        ResponseEntity<String> answer = postJson("/api/leads", "demo", Map.of("email", email, "company", "Acme Group",
                "consentText", "Yes"));

        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(read(answer).path("id").asText()).isEqualTo(lead(email).path("id").asText());
        assertThat(read(answer).path("consent").asText()).isEqualTo("CONFIRMED");
        assertThat(lead(email).path("company").asText()).isEqualTo("Acme Group");
    }
}
