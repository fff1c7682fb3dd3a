package io.leadflow.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The whole service on a random port with the job executor running, real SMTP (GreenMail) and a real HTTP CRM
 * (WireMock) from {@link ExternalServers}. Every subclass shares one Spring context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
// Spring Boot's tests leave metrics exporters out unless asked: /actuator/prometheus is part of what we serve
@AutoConfigureObservability(tracing = false)
public abstract class ServiceTestBase {

    private static final Pattern LINK = Pattern.compile("https?://[^\\s<>\"')]+");

    @LocalServerPort
    protected int port;

    @Autowired
    protected TestRestTemplate rest;

    @Autowired
    protected ObjectMapper json;

    @DynamicPropertySource
    static void externalServers(DynamicPropertyRegistry registry) {
        ExternalServers.register(registry);
    }

    @BeforeEach
    void crmAcceptsLeads() {
        ExternalServers.CRM.resetAll();
        ExternalServers.CRM.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post("/crm/leads")
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(201)
                        .withHeader("Content-Type", "application/json").withBody("{\"id\":\"CRM-1\"}")));
    }

    protected String url(String path) {
        return "http://localhost:" + port + path;
    }

    protected HttpHeaders basic(String user) {
        HttpHeaders headers = new HttpHeaders();
        headers.setBasicAuth(user, "demo");
        return headers;
    }

    protected ResponseEntity<String> get(String path, String user) {
        return rest.exchange(url(path), HttpMethod.GET, new HttpEntity<>(user == null ? new HttpHeaders() : basic(user)),
                String.class);
    }

    protected ResponseEntity<String> postJson(String path, String user, Object body) {
        HttpHeaders headers = user == null ? new HttpHeaders() : basic(user);
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.exchange(url(path), HttpMethod.POST, new HttpEntity<>(write(body), headers), String.class);
    }

    protected ResponseEntity<String> postForm(String path, Map<String, String> fields, MediaType accept) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_FORM_URLENCODED);
        headers.setAccept(List.of(accept));
        StringBuilder body = new StringBuilder();
        fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(k).append('=')
                .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
        return rest.exchange(url(path), HttpMethod.POST, new HttpEntity<>(body.toString(), headers), String.class);
    }

    protected JsonNode read(ResponseEntity<String> response) {
        try {
            return json.readTree(response.getBody());
        } catch (Exception e) {
            throw new AssertionError("Not JSON: " + response.getBody(), e);
        }
    }

    private String write(Object body) {
        try {
            return body instanceof String s ? s : json.writeValueAsString(body);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Waits for the email of the given subject to reach the SMTP server and returns it. */
    protected MimeMessage awaitMail(String to, String subject) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> Arrays.stream(ExternalServers.SMTP.getReceivedMessages())
                .filter(m -> recipient(m).equalsIgnoreCase(to) && subject(m).equals(subject)).findFirst().orElse(null),
                m -> m != null);
    }

    protected long mailsTo(String to, String subject) {
        return Arrays.stream(ExternalServers.SMTP.getReceivedMessages())
                .filter(m -> recipient(m).equalsIgnoreCase(to) && subject(m).equals(subject)).count();
    }

    /**
     * A VP of Marketing at a 1,200-person French software company, from the newsletter form and confirmed through
     * the emailed link: three MQL-making events away from sales. Returns the address.
     */
    protected String confirmedDecisionMaker(String who) {
        return confirmedDecisionMaker(who, Map.of());
    }

    /** The same, with more form fields or other values ({@code lastName}, {@code phone}, {@code email}…). */
    protected String confirmedDecisionMaker(String who, Map<String, String> fields) {
        String email = fields.getOrDefault("email",
                who + "." + java.util.UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io");
        Map<String, String> form = new java.util.HashMap<>(Map.of("email", email, "firstName", "Jane",
                "jobTitle", "VP Marketing", "company", "Acme", "companySize", "1200", "country", "FR",
                "industry", "software"));
        form.putAll(fields);
        postForm("/forms/newsletter", form, MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        return email;
    }

    /** The id of the lead of an address. */
    protected String leadIdOf(String email) {
        return read(get("/api/leads?email=" + email, "demo")).get(0).path("id").asText();
    }

    /**
     * A decision maker ({@link #confirmedDecisionMaker(String, Map)}) who engages until sales get the lead: three
     * events, then its handoff as {@code GET /api/handoffs} answers it, once open.
     */
    protected JsonNode handoffOfAnMql(String who, Map<String, String> fields) {
        String leadId = leadIdOf(confirmedDecisionMaker(who, fields));
        for (String type : List.of("PRICING_PAGE_VIEW", "WEBINAR_ATTENDED", "DEMO_REQUESTED")) {
            postJson("/api/events", "demo", Map.of("leadId", leadId, "type", type));
        }
        return await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/handoffs?status=open", "demo"))
                .findParents("leadId").stream().filter(h -> h.path("leadId").asText().equals(leadId))
                .findFirst().orElse(null), java.util.Objects::nonNull);
    }

    /** The token of the confirmation link in the email the lead received. */
    protected String confirmationToken(String email) {
        String link = links(awaitMail(email, "Please confirm your subscription")).stream()
                .filter(l -> l.contains("/optin/confirm?token=")).findFirst().orElseThrow();
        return link.substring(link.indexOf("token=") + "token=".length());
    }

    protected static List<String> links(MimeMessage message) {
        try {
            String text = io.leadflow.channel.email.MailParts.firstOfType(message, "text/plain");
            Matcher m = LINK.matcher(text);
            List<String> links = new java.util.ArrayList<>();
            while (m.find()) {
                links.add(m.group());
            }
            return links;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String recipient(MimeMessage m) {
        try {
            return m.getAllRecipients()[0].toString();
        } catch (Exception e) {
            return "";
        }
    }

    private static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (Exception e) {
            return "";
        }
    }
}
