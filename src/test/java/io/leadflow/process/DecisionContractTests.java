package io.leadflow.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.support.ServiceTestBase;

/**
 * A marketer's everyday edits of the tables that drive sales and nurture, saved as they would save them: a value
 * the code cannot use is refused at save with a sentence naming the rule and what to write instead, never an
 * incident on the next lead. Each case edits the shipped file ({@code dmn/}, {@code bpmn/}) the way the Modeler would,
 * and saves it through the models folder's deployer, which goes through the engine's lint like every other path.
 */
class DecisionContractTests extends ServiceTestBase {

    @Autowired
    ModelDeployer deployer;

    @Autowired
    DecisionContracts contracts;

    @Nested
    class SalesSla {

        @Test
        void refusesADurationThatIsNoBusinessDuration() {
            assertRefused("sales-sla.dmn", gradeA("\"2h\"", "\"PT1H\"", "\"PT2H\"", "\"PT3H\""),
                    "Grade A", "Rule_SalesSla_01", "\"2h\"", "no business duration", "\"PT4H\"");
        }

        @Test
        void refusesADurationWithoutQuotes() {
            assertRefused("sales-sla.dmn", gradeA("\"PT4H\"", "PT1H", "\"PT2H\"", "\"PT3H\""),
                    "Remind after", "PT1H", "double quotes");
        }

        @Test
        void refusesARuleWithoutADeadline() {
            assertRefused("sales-sla.dmn", gradeA("", "\"PT1H\"", "\"PT2H\"", "\"PT3H\""),
                    "Grade A", "Accept within", "every handoff needs a deadline");
        }

        @Test
        void refusesStepsOutOfOrderOrAfterTheDeadline() {
            assertRefused("sales-sla.dmn", gradeA("\"PT4H\"", "\"PT3H\"", "\"PT2H\"", "\"PT3H\""),
                    "'Escalate after' (PT2H) does not come after 'Remind after' (PT3H)");
            assertRefused("sales-sla.dmn", gradeA("\"PT4H\"", "\"PT1H\"", "\"PT2H\"", "\"P1D\""),
                    "'Reassign after' (P1D) comes after the deadline 'Accept within' (PT4H)");
        }

        @Test
        void takesAShorterSlaWrittenRightAndLeavesOutAStep() {
            assertThat(problems("sales-sla.dmn", gradeA("\"PT2H\"", "\"PT30M\"", "\"PT1H\"", "\"PT90M\"")))
                    .isEmpty();
            assertThat(problems("sales-sla.dmn", gradeA("\"PT2H\"", "\"PT30M\"", "", "\"PT2H\"")))
                    .as("no escalation; a reassignment at the deadline").isEmpty();
        }

        /** The shipped table with grade A's deadline, remind, escalate and reassign as given (FEEL text). */
        private static String gradeA(String due, String remind, String escalate, String reassign) {
            String xml = read("dmn/sales-sla.dmn");
            String[] values = {due, remind, escalate, reassign};
            for (int i = 0; i < values.length; i++) {
                String entry = "<outputEntry id=\"OutputEntry_SalesSla_01_" + (i + 1) + "\">";
                int at = xml.indexOf(entry);
                assertThat(at).as("dmn/sales-sla.dmn has " + entry).isPositive();
                int open = xml.indexOf("<text>", at) + "<text>".length();
                xml = xml.substring(0, open) + values[i] + xml.substring(xml.indexOf("</text>", open));
            }
            return xml;
        }
    }

    @Nested
    class LeadAssignment {

        @Test
        void refusesATeamThatDoesNotExist() {
            String table = edit("dmn/lead-assignment.dmn", "<outputEntry id=\"OutputEntry_LeadAssignment_02_1\">\n"
                    + "          <text>\"smb\"</text>", "<outputEntry id=\"OutputEntry_LeadAssignment_02_1\">\n"
                    + "          <text>\"smbb\"</text>");
            assertRefused("lead-assignment.dmn", table, "chooses team \"smbb\"", "does not exist",
                    "[enterprise, smb]", "Camunda Admin", "type SALES_TEAM", "leadflow.sales.teams.smbb");
        }

        @Test
        void refusesAFallbackTeamThatDoesNotExist() {
            String table = edit("dmn/lead-assignment.dmn", "<outputEntry id=\"OutputEntry_LeadAssignment_01_4\">\n"
                    + "          <text>\"smb\"</text>", "<outputEntry id=\"OutputEntry_LeadAssignment_01_4\">\n"
                    + "          <text>\"smb-east\"</text>");
            assertRefused("lead-assignment.dmn", table, "falls back to team \"smb-east\"", "does not exist",
                    "[enterprise, smb]");
        }

        @Test
        void refusesARoutingRuleItDoesNotKnow() {
            String table = edit("dmn/lead-assignment.dmn", "<outputEntry id=\"OutputEntry_LeadAssignment_02_3\">\n"
                    + "          <text>\"sticky, weighted\"</text>", "<outputEntry id=\"OutputEntry_LeadAssignment_02_3\">\n"
                    + "          <text>\"sticky, by-seniority\"</text>");
            assertRefused("lead-assignment.dmn", table, "'by-seniority' is no routing rule",
                    "[sticky, round-robin, weighted]");
        }

        @Test
        void refusesATableWithoutARuleForEveryLead() {
            String shipped = read("dmn/lead-assignment.dmn");
            int last = shipped.indexOf("<rule id=\"Rule_LeadAssignment_02\">");
            String withoutCatchAll = shipped.substring(0, last)
                    + shipped.substring(shipped.indexOf("</rule>", last) + "</rule>".length());
            assertRefused("lead-assignment.dmn", withoutCatchAll, "lead-assignment", "no rule for every lead",
                    "'-' in every input");
        }
    }

    @Nested
    class QualificationRoute {

        @Test
        void refusesARouteOtherThanDeskOrDirect() {
            String table = edit("dmn/qualification-route.dmn", "<outputEntry id=\"OutputEntry_QualificationRoute_02_1\">\n"
                    + "          <text>\"desk\"</text>", "<outputEntry id=\"OutputEntry_QualificationRoute_02_1\">\n"
                    + "          <text>\"qualify\"</text>");
            assertRefused("qualification-route.dmn", table, "routes to \"qualify\"", "\"desk\"", "\"direct\"");
        }

        @Test
        void refusesADeskRouteWithoutABusinessDuration() {
            String table = edit("dmn/qualification-route.dmn", "<outputEntry id=\"OutputEntry_QualificationRoute_02_2\">\n"
                    + "          <text>\"PT4H\"</text>", "<outputEntry id=\"OutputEntry_QualificationRoute_02_2\">\n"
                    + "          <text>\"4 hours\"</text>");
            assertRefused("qualification-route.dmn", table, "'Decide within' \"4 hours\"", "\"PT4H\"");
            String empty = edit("dmn/qualification-route.dmn", "<outputEntry id=\"OutputEntry_QualificationRoute_03_2\">\n"
                    + "          <text>\"P1D\"</text>", "<outputEntry id=\"OutputEntry_QualificationRoute_03_2\">\n"
                    + "          <text></text>");
            assertRefused("qualification-route.dmn", empty, "no 'Decide within'");
        }

        @Test
        void refusesATableWithoutARuleForEveryMql() {
            String shipped = read("dmn/qualification-route.dmn");
            int last = shipped.indexOf("<rule id=\"Rule_QualificationRoute_04\">");
            String withoutCatchAll = shipped.substring(0, last)
                    + shipped.substring(shipped.indexOf("</rule>", last) + "</rule>".length());
            assertRefused("qualification-route.dmn", withoutCatchAll, "no rule for every MQL");
        }

        @Test
        void takesTheShippedTable() {
            assertThat(problems("qualification-route.dmn", read("dmn/qualification-route.dmn"))).isEmpty();
        }
    }

    @Nested
    class NurtureTracks {

        @Test
        void refusesATrackTheJourneyHasNoFlowFor() {
            assertRefused("nurture-track.dmn", edit("dmn/nurture-track.dmn", "<text>\"technical\"</text>",
                    "<text>\"partner\"</text>"), "\"partner\"", "no flow of the nurture journey",
                    "${track == 'partner'}");
        }

        @Test
        void refusesAJourneyThatLeavesATrackTheTableChoosesWithNoWayOn() {
            // general made explicit, the default dropped, and the technical flow misspelt
            String general = "<bpmn:sequenceFlow id=\"Flow_GeneralTrack\" name=\"general (default)\" "
                    + "sourceRef=\"Gateway_Track\" targetRef=\"Task_SplitValueEmail\" />";
            String explicitGeneral = "<bpmn:sequenceFlow id=\"Flow_GeneralTrack\" name=\"general\" "
                    + "sourceRef=\"Gateway_Track\" targetRef=\"Task_SplitValueEmail\"><bpmn:conditionExpression "
                    + "xsi:type=\"bpmn:tFormalExpression\">${track == 'general'}</bpmn:conditionExpression>"
                    + "</bpmn:sequenceFlow>";
            String journey = edit("bpmn/nurture.bpmn", "${track == 'technical'}", "${track == 'tech'}");
            journey = replace(journey, "name=\"Which track?\" default=\"Flow_GeneralTrack\"", "name=\"Which track?\"");
            journey = replace(journey, general, explicitGeneral);
            assertRefused("nurture.bpmn", journey, "process 'nurture'", "no flow for track \"technical\"",
                    "Rule_NurtureTrack", "incident");
        }

        @Test
        void takesAJourneyWhereATrackWithoutItsOwnFlowTakesTheDefault() throws IOException {
            String journey = edit("bpmn/nurture.bpmn", "${track == 'technical'}", "${track == 'tech'}");
            byte[] table = Files.readAllBytes(Path.of("dmn/nurture-track.dmn"));
            assertThat(contracts.check(Map.of("nurture.bpmn", journey.getBytes(StandardCharsets.UTF_8),
                    "nurture-track.dmn", table), key -> Optional.empty()))
                    .as("saved together, the table's side is checked: technical has no flow")
                    .anySatisfy(p -> assertThat(p.toString()).contains("\"technical\"", "no flow of the nurture"));
            assertThat(contracts.check(Map.of("nurture.bpmn", journey.getBytes(StandardCharsets.UTF_8)),
                    key -> key.equals("nurture-track") ? Optional.of(table) : Optional.empty()))
                    .as("the journey alone against the deployed table: its default takes technical leads").isEmpty();
        }

        @Test
        void letsTheCatchAllTrackTakeTheDefaultFlow() throws IOException {
            assertThat(contracts.check(Map.of("nurture-track.dmn", Files.readAllBytes(Path.of("dmn/nurture-track.dmn")),
                    "nurture.bpmn", Files.readAllBytes(Path.of("bpmn/nurture.bpmn"))), key -> Optional.empty()))
                    .as("\"general\" comes from the catch-all rule and takes 'Which track?''s default flow").isEmpty();
        }
    }

    private List<ModelLinter.Problem> problems(String name, String xml) {
        return contracts.check(Map.of(name, xml.getBytes(StandardCharsets.UTF_8)), key -> Optional.empty());
    }

    private void assertRefused(String name, String xml, String... expected) {
        assertThatThrownBy(() -> deployer.deploy(Map.of(name, xml.getBytes(StandardCharsets.UTF_8)), "test"))
                .isInstanceOf(ModelRejected.class)
                .satisfies(e -> assertThat(((ModelRejected) e).problems()).anySatisfy(p -> {
                    assertThat(p).contains(name);
                    for (String part : expected) {
                        assertThat(p).contains(part);
                    }
                }));
    }

    /** The shipped file with the first {@code from} replaced. */
    private static String edit(String file, String from, String to) {
        return replace(read(file), from, to);
    }

    private static String replace(String xml, String from, String to) {
        assertThat(xml).as("the model holds what the test edits").contains(from);
        int at = xml.indexOf(from);
        return xml.substring(0, at) + to + xml.substring(at + from.length());
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
