package io.leadflow.lead;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * Bad input on every capture route (docs/api.md §2) is answered with a 4xx {@code application/problem+json} naming the
 * field, never a 5xx, and stores nothing; the honeypot and the same-address merge behave as documented.
 */
class CaptureValidationTests extends ServiceTestBase {

    /** The three ways a submission comes in. */
    enum Route {
        API("/api/leads", "demo", MediaType.APPLICATION_JSON),
        FORM_JSON("/forms/newsletter", null, MediaType.APPLICATION_JSON),
        FORM_URLENCODED("/forms/newsletter", null, MediaType.APPLICATION_FORM_URLENCODED);

        final String path;
        final String user;
        final MediaType mediaType;

        Route(String path, String user, MediaType mediaType) {
            this.path = path;
            this.user = user;
            this.mediaType = mediaType;
        }

        boolean json() {
            return mediaType.equals(MediaType.APPLICATION_JSON);
        }
    }

    private ResponseEntity<String> submit(Route route, Map<String, String> fields) {
        if (route.json()) {
            return postJson(route.path, route.user, fields);
        }
        return postForm(route.path, fields, MediaType.APPLICATION_JSON);
    }

    private ResponseEntity<String> submitRaw(Route route, MediaType contentType, String body) {
        HttpHeaders headers = route.user == null ? new HttpHeaders() : basic(route.user);
        headers.setContentType(contentType);
        headers.setAccept(List.of(MediaType.APPLICATION_JSON));
        return rest.exchange(url(route.path), HttpMethod.POST, new HttpEntity<>(body, headers), String.class);
    }

    private static String uniqueEmail(String name) {
        return name + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
    }

    private JsonNode leadsWithEmail(String email) {
        return read(get("/api/leads?email=" + email, "demo"));
    }

    private static void assertProblem(String what, ResponseEntity<String> response, HttpStatus status) {
        assertThat(response.getStatusCode()).as("%s answered %s", what, response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).as("Content-Type of %s", what).isNotNull()
                .matches(MediaType.APPLICATION_PROBLEM_JSON::isCompatibleWith, "application/problem+json");
    }

    private static Map<String, String> fields(String... keysAndValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            fields.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return fields;
    }

    /** One invalid submission and the field its error must name. */
    record BadField(String what, String field, Map<String, String> fields) {

        /** The address a lead would have been stored under, had the submission been accepted. */
        String email() {
            return fields.get("email");
        }

        @Override
        public String toString() {
            return what;
        }
    }

    static Stream<BadField> badFields() {
        return Stream.of(
                new BadField("missing email", "email", fields("firstName", "Ann")),
                new BadField("invalid email", "email", fields("email", "not-an-email")),
                new BadField("email over 254 characters", "email",
                        fields("email", "a".repeat(64) + "@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63) + ".io")),
                new BadField("a lone control character in firstName", "firstName",
                        fields("email", uniqueEmail("bell"), "firstName", "\u0007")),
                new BadField("a control character inside firstName", "firstName",
                        fields("email", uniqueEmail("bell"), "firstName", "Ann\u0007Lee")),
                new BadField("company over 200 characters", "company",
                        fields("email", uniqueEmail("long"), "company", "x".repeat(201))),
                new BadField("companySize 'many'", "companySize",
                        fields("email", uniqueEmail("size"), "companySize", "many")),
                new BadField("country 'France'", "country",
                        fields("email", uniqueEmail("country"), "country", "France")));
    }

    static Stream<Arguments> badFieldsOnEveryRoute() {
        return badFields().flatMap(bad -> Stream.of(Route.values()).map(route -> Arguments.of(route, bad)));
    }

    @Nested
    class InvalidFields {

        @ParameterizedTest(name = "{0}: {1}")
        @MethodSource("io.leadflow.lead.CaptureValidationTests#badFieldsOnEveryRoute")
        void refusesTheSubmissionNamingTheField(Route route, BadField bad) {
            ResponseEntity<String> response = submit(route, bad.fields());

            assertProblem(route + ", " + bad, response, HttpStatus.BAD_REQUEST);
            JsonNode errors = read(response).path("errors");
            assertThat(errors.isArray()).as("errors array in %s", response.getBody()).isTrue();
            assertThat(errors.findValuesAsText("field")).contains(bad.field());
            if (bad.email() != null && bad.email().endsWith("@acme-corp.io")) {
                assertThat(leadsWithEmail(bad.email())).as("nothing stored").isEmpty();
            }
        }

        @Test
        void namesEveryInvalidFieldAtOnce() {
            ResponseEntity<String> response = submit(Route.API,
                    fields("email", "nope", "companySize", "many", "country", "France"));

            assertProblem("three invalid fields", response, HttpStatus.BAD_REQUEST);
            assertThat(read(response).path("errors").findValuesAsText("field"))
                    .containsExactlyInAnyOrder("email", "companySize", "country");
        }
    }

    /** A submission padded past 64 KiB in one field: a known text field, or one that capture ignores. */
    private String oversized(Route route, String email, String paddedField) {
        String padding = "x".repeat(70 * 1024);
        return route.json() ? write(fields("email", email, paddedField, padding))
                : "email=" + email + "&" + paddedField + "=" + padding;
    }

    static Stream<Arguments> oversizedBodies() {
        return Stream.of(Route.values())
                .flatMap(route -> Stream.of("company", "unknownField").map(field -> Arguments.of(route, field)));
    }

    @Nested
    class MalformedBodies {

        @ParameterizedTest(name = "{0}, 70 KiB in {1}")
        @MethodSource("io.leadflow.lead.CaptureValidationTests#oversizedBodies")
        void refusesABodyOver64KiBWith413(Route route, String paddedField) {
            String email = uniqueEmail("big");
            String body = oversized(route, email, paddedField);

            ResponseEntity<String> response = submitRaw(route, route.mediaType, body);

            assertProblem(route + ", 70 KiB in " + paddedField, response, HttpStatus.PAYLOAD_TOO_LARGE);
            assertThat(leadsWithEmail(email)).isEmpty();
        }

        /** A body without Content-Length (chunked) is counted while it is read and refused all the same. */
        @ParameterizedTest(name = "{0}, 70 KiB in {1}")
        @MethodSource("io.leadflow.lead.CaptureValidationTests#oversizedBodies")
        void refusesAChunkedBodyOver64KiBWith413(Route route, String paddedField) throws Exception {
            String email = uniqueEmail("chunked");
            byte[] body = oversized(route, email, paddedField).getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(route.path)))
                    .header("Content-Type", route.mediaType.toString()).header("Accept", "application/json")
                    .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
            if (route.user != null) {
                request.header("Authorization", basic(route.user).getFirst(HttpHeaders.AUTHORIZATION));
            }

            HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), BodyHandlers.ofString());

            assertThat(response.statusCode()).as("%s, chunked 70 KiB in %s answered %s", route, paddedField, response.body())
                    .isEqualTo(413);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(MediaType.APPLICATION_PROBLEM_JSON.isCompatibleWith(MediaType.parseMediaType(type)))
                            .as("Content-Type %s", type).isTrue());
            assertThat(leadsWithEmail(email)).isEmpty();
        }

        @ParameterizedTest
        @EnumSource(Route.class)
        void refusesPlainTextWith415(Route route) {
            ResponseEntity<String> response = submitRaw(route, MediaType.TEXT_PLAIN, "email=plain@acme-corp.io");

            assertProblem(route + ", text/plain", response, HttpStatus.UNSUPPORTED_MEDIA_TYPE);
        }

        @ParameterizedTest
        @EnumSource(value = Route.class, names = {"API", "FORM_JSON"})
        void refusesBrokenJsonWith400(Route route) {
            ResponseEntity<String> response = submitRaw(route, MediaType.APPLICATION_JSON, "{\"email\": \"broken@acme");

            assertProblem(route + ", broken JSON", response, HttpStatus.BAD_REQUEST);
        }

        @ParameterizedTest
        @EnumSource(value = Route.class, names = {"API", "FORM_JSON"})
        void refusesAJsonArrayWith400(Route route) {
            String email = uniqueEmail("array");
            ResponseEntity<String> response = submitRaw(route, MediaType.APPLICATION_JSON,
                    "[{\"email\": \"" + email + "\"}]");

            assertProblem(route + ", JSON array", response, HttpStatus.BAD_REQUEST);
            assertThat(leadsWithEmail(email)).isEmpty();
        }
    }

    @Nested
    class Honeypot {

        @ParameterizedTest
        @EnumSource(Route.class)
        void answersABotAsIfAcceptedAndStoresNothing(Route route) {
            String email = uniqueEmail("bot");

            ResponseEntity<String> response = submit(route, fields("email", email, "website", "http://spam.example"));

            assertThat(response.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            // what a person is answered: the integrator's API names a lead id, a public form never does
            assertThat(read(response).has(route == Route.API ? "id" : "thankYou")).isTrue();
            assertThat(leadsWithEmail(email)).isEmpty();
        }

        @Test
        void showsABrowserBotTheThankYouPageAndStoresNothing() {
            String email = uniqueEmail("bot");

            ResponseEntity<String> page = postForm("/forms/newsletter",
                    fields("email", email, "website", "http://spam.example"), MediaType.TEXT_HTML);

            assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(page.getBody()).contains("check your inbox");
            assertThat(leadsWithEmail(email)).isEmpty();
        }
    }

    @Nested
    class SameAddress {

        @Test
        void mergesSubmissionsWhoseEmailDiffersOnlyInCaseAndWhitespace() {
            String email = uniqueEmail("merge");

            ResponseEntity<String> first = submit(Route.FORM_URLENCODED,
                    fields("email", email.toUpperCase(), "firstName", "Ann"));
            ResponseEntity<String> second = submit(Route.API,
                    fields("email", "  " + email.replace("merge", "Merge") + "\t", "company", "Acme"));

            assertThat(first.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            assertThat(second.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
            JsonNode found = leadsWithEmail(email);
            assertThat(found).hasSize(1);
            String id = found.get(0).path("id").asText();
            assertThat(read(second).path("id").asText()).isEqualTo(id);
            JsonNode lead = read(get("/api/leads/" + id, "demo"));
            assertThat(lead.path("email").asText()).isEqualTo(email);
            assertThat(lead.path("firstName").asText()).isEqualTo("Ann");
            assertThat(lead.path("company").asText()).isEqualTo("Acme");
        }
    }

    @Nested
    class BrowserForm {

        @Test
        void rerendersTheBuiltInFormWithTheErrorAndTheTypedValues() {
            Map<String, String> everyField = fields("email", "not-an-email", "firstName", "Ann", "lastName", "",
                    "company", "", "jobTitle", "", "companySize", "", "country", "", "industry", "", "website", "",
                    "source", "demo-form");

            ResponseEntity<String> page = postForm("/forms/newsletter", everyField, MediaType.TEXT_HTML);

            assertFormShownAgainWithTheEmailError(page);
        }

        /** A marketer's own page may post to /forms/{id} with just the fields it has (docs/api.md §2: a plain HTML form). */
        @Test
        void rerendersTheFormWithTheErrorWhenAPlainHtmlFormPostsOnlySomeFields() {
            ResponseEntity<String> page = postForm("/forms/newsletter",
                    fields("email", "not-an-email", "firstName", "Ann"), MediaType.TEXT_HTML);

            assertFormShownAgainWithTheEmailError(page);
        }

        private void assertFormShownAgainWithTheEmailError(ResponseEntity<String> page) {
            assertThat(page.getStatusCode()).as("status of the re-rendered form").isEqualTo(HttpStatus.BAD_REQUEST);
            assertThat(page.getHeaders().getContentType()).isNotNull()
                    .matches(MediaType.TEXT_HTML::isCompatibleWith, "text/html");
            assertThat(page.getBody()).contains("<form").contains("email is not a valid email address")
                    .contains("value=\"not-an-email\"").contains("value=\"Ann\"");
        }
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
