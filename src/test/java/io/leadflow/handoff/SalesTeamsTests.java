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
import java.util.Objects;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
 * Sales teams and reps are Camunda groups and users: a sales manager changes them in Camunda Admin (here its identity
 * service) and the next lead sees the change, with no restart. Each case makes a team of its own and routes leads from
 * the Netherlands to it with a rule on top of the shipped {@code lead-assignment} table, saved the way Camunda
 * Modeler saves it; no other test captures Dutch leads. The shipped table, and the identity store, are put back
 * afterwards: every ServiceTestBase class shares this context and database.
 */
class SalesTeamsTests extends ServiceTestBase {

    private static final String COUNTRY = "NL";
    private static final String REMINDER = "Reminder: a lead is waiting for you (Acme)";

    @Autowired
    IdentityService identity;

    @Autowired
    ManagementService management;

    @Autowired
    RuntimeService runtime;

    @Autowired
    DecisionEvaluator decisions;

    private final List<String> groupsMade = new ArrayList<>();
    private final List<String> usersMade = new ArrayList<>();

    @AfterEach
    void shippedTableAndIdentitiesBack() throws IOException {
        ResponseEntity<String> restored = deployAssignment(Files.readString(Path.of("dmn/lead-assignment.dmn")));
        assertThat(restored.getStatusCode()).as(restored.getBody()).isEqualTo(HttpStatus.OK);
        awaitTeamFor(COUNTRY, "enterprise");
        usersMade.forEach(identity::deleteUser);
        groupsMade.forEach(identity::deleteGroup);
    }

    @Test
    void givesLeadsToATeamAddedInCamundaAdminAtOnce() {
        String table = assignmentRoutingDutchLeadsTo("emea");
        ResponseEntity<String> beforeTheTeam = deployAssignment(table);
        assertThat(beforeTheTeam.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(beforeTheTeam.getBody()).contains("does not exist", "a new group 'emea' of type SALES_TEAM");

        newTeam("emea");
        newRep("erin", "erin@emea.example", "emea");
        ResponseEntity<String> withTheTeam = deployAssignment(table);
        assertThat(withTheTeam.getStatusCode()).as(withTheTeam.getBody()).isEqualTo(HttpStatus.OK);
        awaitTeamFor(COUNTRY, "emea");

        JsonNode handoff = handoffOfADutchMql("emea");

        assertThat(handoff.path("team").asText()).isEqualTo("emea");
        assertThat(handoff.path("owner").asText()).isEqualTo("erin");
        JsonNode emea = teamOf(read(get("/api/sales/teams", "demo")), "emea");
        assertThat(emea.path("calendar").asText()).as("the first calendar configured").isEqualTo("paris");
        assertThat(emea.path("reps")).hasSize(1);
        assertThat(emea.path("reps").get(0).path("user").asText()).isEqualTo("erin");
        assertThat(emea.path("reps").get(0).path("email").asText()).isEqualTo("erin@emea.example");
        assertThat(emea.path("reps").get(0).path("openHandoffs").asInt()).isEqualTo(1);
    }

    @Test
    void passesByARepMarkedAwayThroughTheApiInRoundRobin() {
        newTeam("nordics");
        newRep("fay", "fay@nordics.example", "nordics");
        newRep("gus", "gus@nordics.example", "nordics");
        newUser("ida", "ida@nordics.example", "SALES_MANAGER", "nordics");

        ResponseEntity<String> byAnotherRep = put("/api/sales/reps/gus/away", "fay", Map.of("away", true));
        ResponseEntity<String> byTheManager = put("/api/sales/reps/gus/away", "ida", Map.of("away", true));
        ResponseEntity<String> byTheRepHerself = put("/api/sales/reps/fay/away", "fay", Map.of("away", false));

        assertThat(byAnotherRep.getStatusCode()).as(byAnotherRep.getBody()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(byTheManager.getStatusCode()).as(byTheManager.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(read(byTheManager).path("user").asText()).isEqualTo("gus");
        assertThat(read(byTheManager).path("away").asBoolean()).isTrue();
        assertThat(byTheRepHerself.getStatusCode()).as(byTheRepHerself.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(put("/api/sales/reps/nobody-here/away", "ida", Map.of("away", true)).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        JsonNode nordics = teamOf(read(get("/api/sales/teams", "ida")), "nordics");
        assertThat(nordics.path("manager").asText()).as("the team's member in SALES_MANAGER").isEqualTo("ida");
        assertThat(nordics.path("reps").findValuesAsText("user")).as("SALES members only, by id")
                .containsExactly("fay", "gus");
        assertThat(nordics.path("reps").get(1).path("away").asBoolean()).isTrue();

        deployAssignmentOrFail(assignmentRoutingDutchLeadsTo("nordics"));
        awaitTeamFor(COUNTRY, "nordics");

        // without gus away, two leads in a row would go to fay, then gus
        assertThat(handoffOfADutchMql("nordics-1").path("owner").asText()).isEqualTo("fay");
        assertThat(handoffOfADutchMql("nordics-2").path("owner").asText()).isEqualTo("fay");
        assertThat(put("/api/sales/reps/gus/away", "ida", Map.of("away", false)).getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(handoffOfADutchMql("nordics-3").path("owner").asText()).as("back: his turn").isEqualTo("gus");
    }

    @Test
    void remindsARepAtTheAddressChangedInCamundaAdmin() {
        newTeam("benelux");
        newRep("hal", "hal.before@benelux.example", "benelux");
        deployAssignmentOrFail(assignmentRoutingDutchLeadsTo("benelux"));
        awaitTeamFor(COUNTRY, "benelux");
        JsonNode handoff = handoffOfADutchMql("benelux");
        assertThat(handoff.path("owner").asText()).isEqualTo("hal");

        User hal = identity.createUserQuery().userId("hal").singleResult();
        hal.setEmail("hal.after@benelux.example");
        identity.saveUser(hal);
        String process = runtime.createProcessInstanceQuery().processDefinitionKey(ModelKeys.MQL_HANDOFF)
                .processInstanceBusinessKey(handoff.path("leadId").asText()).singleResult().getId();
        Job reminder = await().atMost(Duration.ofSeconds(20)).until(() -> management.createJobQuery()
                .processInstanceId(process).activityId("Event_RemindOwner").singleResult(), Objects::nonNull);
        // the reminder's timer comes due after a working hour: fired now, as the job executor would then
        management.executeJob(reminder.getId());

        assertThat(awaitMail("hal.after@benelux.example", REMINDER)).isNotNull();
        assertThat(mailsTo("hal.before@benelux.example", REMINDER)).isZero();
    }

    // --- the identity store, as Camunda Admin changes it -----------------------------------------------------------

    private void newTeam(String id) {
        Group group = identity.newGroup(id);
        group.setName(id);
        group.setType(SalesDirectory.TEAM_GROUP_TYPE);
        identity.saveGroup(group);
        groupsMade.add(id);
    }

    /** A sales rep of the team: in the team's group and in SALES. */
    private void newRep(String id, String email, String team) {
        newUser(id, email, SalesDirectory.REP_ROLE, team);
    }

    private void newUser(String id, String email, String... groups) {
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

    /** The shipped table with a first rule that gives leads from the Netherlands to the team. */
    private static String assignmentRoutingDutchLeadsTo(String team) {
        try {
            String shipped = Files.readString(Path.of("dmn/lead-assignment.dmn"));
            String firstRule = "<rule id=\"Rule_LeadAssignment_01\">";
            assertThat(shipped).contains(firstRule);
            String rule = """
                    <rule id="Rule_LeadAssignment_Dutch">
                            <description>Leads from the Netherlands (SalesTeamsTests).</description>
                            <inputEntry id="InputEntry_LeadAssignment_Dutch_1"><text>"%s"</text></inputEntry>
                            <inputEntry id="InputEntry_LeadAssignment_Dutch_2"><text></text></inputEntry>
                            <inputEntry id="InputEntry_LeadAssignment_Dutch_3"><text></text></inputEntry>
                            <outputEntry id="OutputEntry_LeadAssignment_Dutch_1"><text>"%s"</text></outputEntry>
                            <outputEntry id="OutputEntry_LeadAssignment_Dutch_2"><text></text></outputEntry>
                          </rule>
                          """.formatted(COUNTRY, team);
            return shipped.replace(firstRule, rule + firstRule);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private ResponseEntity<String> deployAssignment(String xml) {
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
        return rest.exchange(url("/engine-rest/deployment/create"), HttpMethod.POST, new HttpEntity<>(body, headers),
                String.class);
    }

    private void deployAssignmentOrFail(String xml) {
        ResponseEntity<String> deployed = deployAssignment(xml);
        assertThat(deployed.getStatusCode()).as(deployed.getBody()).isEqualTo(HttpStatus.OK);
    }

    /** Every node picks a newly deployed table up within seconds: waits until this one has. */
    private void awaitTeamFor(String country, String team) {
        Map<String, Object> lead = new HashMap<>(Map.of("country", country, "companySize", 1200,
                "industry", "software"));
        await().atMost(Duration.ofSeconds(20)).until(() -> team.equals(decisions
                .evaluate(ModelKeys.DECISION_ASSIGNMENT, lead).value("team")));
    }

    // --- leads and handoffs ---------------------------------------------------------------------------------------


    /** A Dutch decision maker who engages until sales get the lead: its handoff, once open. */
    private JsonNode handoffOfADutchMql(String who) {
        return handoffOfAnMql(who, Map.of("country", COUNTRY));
    }

    private ResponseEntity<String> put(String path, String user, Object body) {
        HttpHeaders headers = basic(user);
        headers.setContentType(MediaType.APPLICATION_JSON);
        try {
            return rest.exchange(url(path), HttpMethod.PUT, new HttpEntity<>(json.writeValueAsString(body), headers),
                    String.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode teamOf(JsonNode teams, String id) {
        for (JsonNode team : teams) {
            if (team.path("team").asText().equals(id)) {
                return team;
            }
        }
        throw new AssertionError("No team " + id + " in " + teams);
    }
}
