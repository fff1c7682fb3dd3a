package io.leadflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.platform.ModelKeys;
import io.leadflow.scoring.DecisionEvaluator;
import io.leadflow.support.ServiceTestBase;

/**
 * Sales teams and reps as Camunda Admin changes them (here its identity service), and the {@code lead-assignment}
 * table as Camunda Modeler saves it: a case makes teams of its own and routes the leads of one country to them with a
 * rule on top of the shipped table. The shipped table and the identity store are put back afterwards: every
 * ServiceTestBase class shares this context and database.
 */
abstract class SalesTestBase extends ServiceTestBase {

    @Autowired
    protected IdentityService identity;

    @Autowired
    protected DecisionEvaluator decisions;

    @Autowired
    org.camunda.bpm.engine.ProcessEngine engine;

    private final List<String> groupsMade = new ArrayList<>();
    private final List<String> usersMade = new ArrayList<>();
    private final List<String> countriesRouted = new ArrayList<>();
    private boolean tableSaved;

    @AfterEach
    void shippedTableAndIdentitiesBack() throws IOException {
        if (tableSaved) {
            ResponseEntity<String> restored = deployAssignment(Files.readString(Path.of("dmn/lead-assignment.dmn")));
            assertThat(restored.getStatusCode()).as(restored.getBody()).isEqualTo(HttpStatus.OK);
            countriesRouted.forEach(country -> awaitTeamFor(country, "enterprise"));
        }
        usersMade.forEach(identity::deleteUser);
        groupsMade.forEach(identity::deleteGroup);
    }

    // --- the identity store, as Camunda Admin changes it -----------------------------------------------------------

    protected void newTeam(String id) {
        Group group = identity.newGroup(id);
        group.setName(id);
        group.setType(SalesDirectory.TEAM_GROUP_TYPE);
        identity.saveGroup(group);
        groupsMade.add(id);
    }

    /** A sales rep of the team: in the team's group and in SALES. */
    protected void newRep(String id, String email, String team) {
        newUser(id, email, SalesDirectory.REP_ROLE, team);
    }

    protected void newUser(String id, String email, String... groups) {
        User user = identity.newUser(id);
        user.setFirstName(id);
        user.setLastName("");
        user.setEmail(email);
        user.setPassword("demo");
        identity.saveUser(user);
        usersMade.add(id);
        for (String group : groups) {
            identity.createMembership(id, group);
        }
    }

    // --- the table, as Camunda Modeler saves it --------------------------------------------------------------------

    /**
     * The shipped table with a first rule that gives the country's leads to the team, picking reps by the rule
     * ({@code null} for the default) and falling back to another team (or none).
     */
    protected static String assignmentRouting(String country, String team, String rule, String fallbackTeam) {
        try {
            String shipped = Files.readString(Path.of("dmn/lead-assignment.dmn"));
            String firstRule = "<rule id=\"Rule_LeadAssignment_01\">";
            assertThat(shipped).contains(firstRule);
            String id = "Rule_LeadAssignment_" + country;
            String added = """
                    <rule id="%1$s">
                            <description>Leads from %2$s (a test's).</description>
                            <inputEntry id="%1$s_in1"><text>"%2$s"</text></inputEntry>
                            <inputEntry id="%1$s_in2"><text></text></inputEntry>
                            <inputEntry id="%1$s_in3"><text></text></inputEntry>
                            <outputEntry id="%1$s_out1"><text>"%3$s"</text></outputEntry>
                            <outputEntry id="%1$s_out2"><text></text></outputEntry>
                            <outputEntry id="%1$s_out3"><text>%4$s</text></outputEntry>
                            <outputEntry id="%1$s_out4"><text>%5$s</text></outputEntry>
                          </rule>
                          """.formatted(id, country, team, rule == null ? "" : "\"" + rule + "\"",
                    fallbackTeam == null ? "" : "\"" + fallbackTeam + "\"");
            return shipped.replace(firstRule, added + firstRule);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    protected ResponseEntity<String> deployAssignment(String xml) {
        tableSaved = true;
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("deployment-name", "from-modeler");
        body.add("deployment-source", "Camunda Modeler");
        body.add("lead-assignment.dmn", new ByteArrayResource(xml.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public String getFilename() {
                return "lead-assignment.dmn";
            }
        });
        HttpHeaders headers = basic("demo");
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        // a context of its own names its engine uniquely: the Modeler then deploys to /engine-rest/engine/{name}
        String path = engine.getName().equals("default") ? "/engine-rest/deployment/create"
                : "/engine-rest/engine/" + engine.getName() + "/deployment/create";
        return rest.exchange(url(path), HttpMethod.POST, new HttpEntity<>(body, headers), String.class);
    }

    /** Saves a table routing the country's leads and waits until every node evaluates it. */
    protected void route(String country, String team, String rule, String fallbackTeam) {
        routed(country);
        ResponseEntity<String> deployed = deployAssignment(assignmentRouting(country, team, rule, fallbackTeam));
        assertThat(deployed.getStatusCode()).as(deployed.getBody()).isEqualTo(HttpStatus.OK);
        awaitTeamFor(country, team);
    }

    /** The country's leads go to a team of the test's: once the shipped table is back, they go to enterprise again. */
    protected void routed(String country) {
        if (!countriesRouted.contains(country)) {
            countriesRouted.add(country);
        }
    }

    /** Every node picks a newly deployed table up within seconds: waits until this one has. */
    protected void awaitTeamFor(String country, String team) {
        Map<String, Object> lead = new HashMap<>(Map.of("country", country, "companySize", 1200,
                "industry", "software"));
        await().atMost(Duration.ofSeconds(20)).until(() -> team.equals(decisions
                .evaluate(ModelKeys.DECISION_ASSIGNMENT, lead).value("team")));
    }

    protected ResponseEntity<String> put(String path, String user, Object body) {
        HttpHeaders headers = basic(user);
        headers.setContentType(MediaType.APPLICATION_JSON);
        try {
            return rest.exchange(url(path), HttpMethod.PUT, new HttpEntity<>(json.writeValueAsString(body), headers),
                    String.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    protected static JsonNode teamOf(JsonNode teams, String team) {
        for (JsonNode t : teams) {
            if (t.path("team").asText().equals(team)) {
                return t;
            }
        }
        throw new AssertionError("No team " + team + " in " + teams);
    }
}
