package io.leadflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.platform.ModelKeys;

/**
 * Sales teams and reps are Camunda groups and users: a sales manager changes them in Camunda Admin (here its identity
 * service) and the next lead sees the change, with no restart. Each case makes a team of its own and routes leads from
 * the Netherlands to it ({@link SalesTestBase}); no other test captures Dutch leads.
 */
class SalesTeamsTests extends SalesTestBase {

    private static final String COUNTRY = "NL";
    private static final String REMINDER = "Reminder: a lead is waiting for you (Acme)";

    @Autowired
    ManagementService management;

    @Autowired
    RuntimeService runtime;

    @Test
    void givesLeadsToATeamAddedInCamundaAdminAtOnce() {
        String table = assignmentRoutingDutchLeadsTo("emea");
        routed(COUNTRY);
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

    /** The shipped table with a first rule that gives leads from the Netherlands to the team. */
    private static String assignmentRoutingDutchLeadsTo(String team) {
        return assignmentRouting(COUNTRY, team, null, null);
    }

    private void deployAssignmentOrFail(String xml) {
        ResponseEntity<String> deployed = deployAssignment(xml);
        assertThat(deployed.getStatusCode()).as(deployed.getBody()).isEqualTo(HttpStatus.OK);
        routed(COUNTRY);
    }

    // --- leads and handoffs ---------------------------------------------------------------------------------------


    /** A Dutch decision maker who engages until sales get the lead: its handoff, once open. */
    private JsonNode handoffOfADutchMql(String who) {
        return handoffOfAnMql(who, Map.of("country", COUNTRY));
    }

}
