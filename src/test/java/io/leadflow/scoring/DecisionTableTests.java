package io.leadflow.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.DecisionDefinition;
import org.camunda.bpm.model.dmn.instance.Rule;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;

import io.leadflow.support.EngineTestBase;

/**
 * Every rule of the seven deployed DMN tables ({@code dmn/*.dmn}, deployed from the working directory at start-up),
 * evaluated the way the service evaluates them: through {@link DecisionEvaluator}. Each table's rows name the rule
 * they exercise, and a check per table makes sure no rule of the deployed table is left without a row.
 */
class DecisionTableTests extends EngineTestBase {

    @Autowired
    DecisionEvaluator decisions;

    @Autowired
    RepositoryService repository;

    @Autowired
    org.camunda.bpm.engine.ProcessEngine engine;

    @Test
    void processesEvaluateTheirDecisionsOnTheEngineThatParsesFeelOnce() {
        var configuration = (org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl) engine
                .getProcessEngineConfiguration();
        assertThat(configuration.getDmnEngineConfiguration().getFeelEngineFactory())
                .isInstanceOf(io.leadflow.process.ParsedFeelEngineFactory.class);
    }

    @Nested
    class LeadFitScore {

        /** rule | seniority | companySize | industry | country | emailDomainType | points | matched rules. */
        static final String ROWS = """
                01 | UNKNOWN    |      |               |    |          |   0 | 01
                02 | C_LEVEL    |      |               |    |          |  25 | 01 02
                03 | VP         |      |               |    |          |  20 | 01 03
                04 | DIRECTOR   |      |               |    |          |  15 | 01 04
                05 | MANAGER    |      |               |    |          |  10 | 01 05
                06 | INDIVIDUAL |   50 |               |    |          |  10 | 01 06
                06 | INDIVIDUAL |  199 |               |    |          |  10 | 01 06
                07 |            |  200 |               |    |          |  20 | 01 07
                07 |            | 5000 |               |    |          |  20 | 01 07
                08 |            | 5001 |               |    |          |  15 | 01 08
                09 |            |      | software      |    |          |  15 | 01 09
                09 |            |      | saas          |    |          |  15 | 01 09
                10 |            |      | finance       |    |          |  10 | 01 10
                11 |            |      | manufacturing |    |          |   5 | 01 11
                12 |            |      |               | FR |          |  10 | 01 12
                12 |            |      |               | US |          |  10 | 01 12
                13 |            |      |               |    | BUSINESS |  10 | 01 13
                14 |            |      |               |    | FREE     | -10 | 01 14
                01 | INDIVIDUAL |   49 | retail        | JP |          |   0 | 01
                01 | VP         | 1200 | software      | FR | BUSINESS |  75 | 01 03 07 09 12 13
                01 | C_LEVEL    | 9000 | finance       | DE | FREE     |  50 | 01 02 08 10 12 14
                """;

        @ParameterizedTest(name = "rule {0}: {1}, {2}, {3}, {4}, {5} → {6}")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void sumsThePointsOfEveryMatchingRule(String rule, String seniority, Integer companySize, String industry,
                String country, String emailDomainType, int points, String matched) {
            Map<String, Object> in = new HashMap<>();
            in.put("seniority", seniority);
            in.put("companySize", companySize);
            in.put("industry", industry);
            in.put("country", country);
            in.put("emailDomainType", emailDomainType);

            var evaluation = decisions.evaluate("lead-fit-score", in);

            assertThat(((Number) evaluation.value("points")).intValue()).isEqualTo(points);
            assertThat(ruleIds(evaluation)).containsExactlyInAnyOrderElementsOf(ids("Rule_LeadFitScore_", matched));
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_LeadFitScore_")).isEqualTo(deployedRules("lead-fit-score"));
        }
    }

    @Nested
    class EngagementPoints {

        /** rule | eventType | url | points (hit policy FIRST: URL rules come before the event types). */
        static final String ROWS = """
                01 | PAGE_VIEW          | https://acme.example/careers/java     | -10
                01 | DEMO_REQUESTED     | https://acme.example/careers          | -10
                02 | EMAIL_CLICKED      | https://acme.example/unsubscribe?t=1  | -20
                03 | DEMO_REQUESTED     |                                       |  30
                03 | DEMO_REQUESTED     | https://acme.example/pricing          |  30
                04 | WEBINAR_ATTENDED   |                                       |  15
                05 | PRICING_PAGE_VIEW  | https://acme.example/pricing          |  10
                06 | PAGE_VIEW          | https://acme.example/pricing#plans    |  10
                13 | PAGE_VIEW          | https://acme.example/docs/connectors  |   5
                06 | PAGE_VIEW          | https://acme.example/docs/pricing     |  10
                07 | CONTENT_DOWNLOADED | https://acme.example/ebook.pdf        |  10
                08 | FORM_SUBMITTED     |                                       |  10
                09 | EMAIL_CLICKED      | https://acme.example/blog/launch      |   5
                10 | PAGE_VIEW          | https://acme.example/blog             |   2
                10 | PAGE_VIEW          |                                       |   2
                11 | EMAIL_OPENED       |                                       |   1
                12 | NEWSLETTER_SHARED  | https://acme.example/                 |   0
                12 | page_view          |                                       |   0
                """;

        @ParameterizedTest(name = "rule {0}: {1} {2} → {3}")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void givesThePointsOfTheFirstMatchingRule(String rule, String eventType, String url, int points) {
            Map<String, Object> in = new HashMap<>();
            in.put("eventType", eventType);
            in.put("url", url);

            var evaluation = decisions.evaluate("engagement-points", in);

            assertThat(((Number) evaluation.value("points")).intValue()).isEqualTo(points);
            assertThat(ruleIds(evaluation)).containsExactly("Rule_EngagementPoints_" + rule);
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_EngagementPoints_")).isEqualTo(deployedRules("engagement-points"));
        }
    }

    @Nested
    class MqlDecision {

        /** rule | fitScore | engagementScore | mql | grade. */
        static final String ROWS = """
                01 |  60 |  30    | true  | A
                01 |  95 | 250.5  | true  | A
                02 |  60 |  29.99 | false | A
                02 |  80 |   0    | false | A
                03 |  40 |  30    | true  | B
                03 |  59 |  45    | true  | B
                04 |  59 |  29.5  | false | B
                04 |  40 |        | false | B
                05 |  20 |  60    | true  | C
                05 |  39 |  99    | true  | C
                06 |  39 |  59.99 | false | C
                06 |  20 |  30    | false | C
                07 |  19 | 500    | false | D
                07 | -10 |  60    | false | D
                07 |     |  60    | false | D
                """;

        @ParameterizedTest(name = "rule {0}: fit {1}, engagement {2} → mql {3}, grade {4}")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void gradesTheFitAndDecidesOnMql(String rule, Integer fitScore, Double engagementScore, boolean mql,
                String grade) {
            Map<String, Object> in = new HashMap<>();
            in.put("fitScore", fitScore);
            in.put("engagementScore", engagementScore);

            var evaluation = decisions.evaluate("mql-decision", in);

            assertThat(evaluation.value("mql")).isEqualTo(mql);
            assertThat(evaluation.value("grade")).isEqualTo(grade);
            assertThat((String) evaluation.value("reason")).isNotBlank();
            assertThat(ruleIds(evaluation)).containsExactly("Rule_MqlDecision_" + rule);
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_MqlDecision_")).isEqualTo(deployedRules("mql-decision"));
        }
    }

    @Nested
    class AccountScore {

        /** rule | engagedContacts | bestFit | engagementSum | seniorityLevels | score | mqa. */
        static final String ROWS = """
                01 | 3 | 30 |   0    | 0 | 90 | true
                01 | 7 | 85 | 400    | 3 | 90 | true
                02 | 2 | 10 |  40    | 2 | 75 | true
                02 | 3 | 29 |  99.5  | 4 | 75 | true
                03 | 2 | 90 |  39.99 | 2 | 50 | false
                03 | 2 | 90 | 120    | 1 | 50 | false
                04 | 1 | 90 | 200    | 1 | 25 | false
                05 | 0 | 90 | 200    | 0 |  0 | false
                """;

        @ParameterizedTest(name = "rule {0}: {1} engaged, best fit {2}, engagement {3}, {4} levels → {5}, mqa {6}")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void scoresAnAccountFromItsContactsTogether(String rule, int engagedContacts, int bestFit, double engagementSum,
                int seniorityLevels, int score, boolean mqa) {
            var evaluation = decisions.evaluate("account-score", Map.of("engagedContacts", engagedContacts, "bestFit",
                    bestFit, "engagementSum", engagementSum, "seniorityLevels", seniorityLevels));

            assertThat(((Number) evaluation.value("score")).intValue()).isEqualTo(score);
            assertThat(evaluation.value("mqa")).isEqualTo(mqa);
            assertThat((String) evaluation.value("reason")).isNotBlank();
            assertThat(ruleIds(evaluation)).containsExactly("Rule_AccountScore_" + rule);
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_AccountScore_")).isEqualTo(deployedRules("account-score"));
        }
    }

    @Nested
    class LeadAssignment {

        /**
         * rule | country | companySize | industry | team | routing rule | fallback team (the owner is always left to
         * the routing rule).
         */
        static final String ROWS = """
                01 | FR | 1000  | software | enterprise | sticky, weighted | smb
                01 |    | 25000 |          | enterprise | sticky, weighted | smb
                02 | FR | 999   | software | smb        | sticky, weighted |
                02 | US | 0     | retail   | smb        | sticky, weighted |
                02 |    |       |          | smb        | sticky, weighted |
                """;

        @ParameterizedTest(name = "rule {0}: {1}, {2}, {3} → {4} ({5}, else {6})")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void routesTheLeadToATeam(String rule, String country, Integer companySize, String industry, String team,
                String routingRule, String fallbackTeam) {
            Map<String, Object> in = new HashMap<>();
            in.put("country", country);
            in.put("companySize", companySize);
            in.put("industry", industry);

            var evaluation = decisions.evaluate("lead-assignment", in);

            assertThat(evaluation.value("team")).isEqualTo(team);
            assertThat(evaluation.value("owner")).isNull();
            assertThat(evaluation.value("rule")).isEqualTo(routingRule);
            assertThat(evaluation.value("fallbackTeam")).isEqualTo(fallbackTeam);
            assertThat(ruleIds(evaluation)).containsExactly("Rule_LeadAssignment_" + rule);
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_LeadAssignment_")).isEqualTo(deployedRules("lead-assignment"));
        }
    }

    @Nested
    class SalesSla {

        /** rule | grade | team | acceptWithin | remindAfter | escalateAfter | reassignAfter. */
        static final String ROWS = """
                01 | A |            | PT4H | PT1H | PT2H  | PT3H
                01 | A | smb        | PT4H | PT1H | PT2H  | PT3H
                02 | B | enterprise | PT8H | PT4H | PT6H  | PT7H
                03 | C | smb        | P2D  | P1D  | PT12H | PT14H
                03 | D | enterprise | P2D  | P1D  | PT12H | PT14H
                04 |   | smb        | P2D  | P1D  | PT12H | PT14H
                04 | E | smb        | P2D  | P1D  | PT12H | PT14H
                """;

        @ParameterizedTest(name = "rule {0}: grade {1}, team {2} → accept within {3}")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void givesTheSlaOfTheGrade(String rule, String grade, String team, String acceptWithin, String remindAfter,
                String escalateAfter, String reassignAfter) {
            Map<String, Object> in = new HashMap<>();
            in.put("grade", grade);
            in.put("team", team);

            var evaluation = decisions.evaluate("sales-sla", in);

            assertThat(evaluation.result()).containsEntry("acceptWithin", acceptWithin)
                    .containsEntry("remindAfter", remindAfter).containsEntry("escalateAfter", escalateAfter)
                    .containsEntry("reassignAfter", reassignAfter);
            assertThat(ruleIds(evaluation)).containsExactly("Rule_SalesSla_" + rule);
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_SalesSla_")).isEqualTo(deployedRules("sales-sla"));
        }
    }

    @Nested
    class QualificationRoute {

        /** rule | grade | team | source | accountMqa | openOpportunity | flags | route | decideWithin. */
        static final String ROWS = """
                01 | A | enterprise | newsletter | false | false | 0 | direct |
                01 | A | smb        | webinar    | true  | true  | 3 | direct |
                02 | B | enterprise | newsletter | false | false | 0 | desk   | PT4H
                02 | B | smb        |            | true  | false | 1 | desk   | PT4H
                03 | C | enterprise | import     | false | true  | 2 | desk   | P1D
                03 | D | smb        | newsletter | false | false | 0 | desk   | P1D
                04 |   | enterprise | newsletter | false | false | 0 | desk   | P1D
                """;

        @ParameterizedTest(name = "rule {0}: grade {1} → {7} {8}")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void sendsGradeAStraightOnAndTheOthersToTheDesk(String rule, String grade, String team, String source,
                boolean accountMqa, boolean openOpportunity, int flags, String route, String decideWithin) {
            Map<String, Object> in = new HashMap<>();
            in.put("grade", grade);
            in.put("team", team);
            in.put("source", source);
            in.put("accountMqa", accountMqa);
            in.put("openOpportunity", openOpportunity);
            in.put("flags", flags);

            var evaluation = decisions.evaluate("qualification-route", in);

            assertThat(evaluation.result().get("route")).isEqualTo(route);
            assertThat(evaluation.result().get("decideWithin")).isEqualTo(decideWithin);
            assertThat(ruleIds(evaluation)).containsExactly("Rule_QualificationRoute_" + rule);
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_QualificationRoute_")).isEqualTo(deployedRules("qualification-route"));
        }
    }

    @Nested
    class NurtureTrack {

        /** rule | recycled | seniority | industry | fitScore | track. */
        static final String ROWS = """
                01 | true  | VP         | software | 80 | recycled
                01 | true  | UNKNOWN    |          |    | recycled
                02 | false | C_LEVEL    | retail   | 45 | executive
                02 | false | VP         | software | 75 | executive
                03 | false | MANAGER    | software | 55 | technical
                03 | false |            | software |    | technical
                04 | false | DIRECTOR   | finance  | 50 | general
                04 | false | INDIVIDUAL | saas     | 30 | general
                """;

        @ParameterizedTest(name = "rule {0}: recycled {1}, {2}, {3}, fit {4} → {5}")
        @CsvSource(delimiter = '|', textBlock = ROWS)
        void choosesTheEmailSequence(String rule, boolean recycled, String seniority, String industry,
                Integer fitScore, String track) {
            Map<String, Object> in = new HashMap<>();
            in.put("recycled", recycled);
            in.put("seniority", seniority);
            in.put("industry", industry);
            in.put("fitScore", fitScore);

            var evaluation = decisions.evaluate("nurture-track", in);

            assertThat(evaluation.value("track")).isEqualTo(track);
            assertThat(ruleIds(evaluation)).containsExactly("Rule_NurtureTrack_" + rule);
        }

        @Test
        void hasARowForEveryRuleOfTheDeployedTable() {
            assertThat(rulesUnderTest(ROWS, "Rule_NurtureTrack_")).isEqualTo(deployedRules("nurture-track"));
        }
    }

    private static List<String> ruleIds(DecisionEvaluator.Evaluation evaluation) {
        return evaluation.matchedRules().stream().map(DecisionEvaluator.MatchedRule::ruleId).toList();
    }

    private static List<String> ids(String prefix, String numbers) {
        return Arrays.stream(numbers.trim().split("\\s+")).map(n -> prefix + n).toList();
    }

    /** The rule ids named in the first column of a table's rows. */
    private static Set<String> rulesUnderTest(String rows, String prefix) {
        return rows.lines().filter(l -> !l.isBlank()).map(l -> prefix + l.split("\\|")[0].trim())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The rule ids of the latest deployed version of a decision. */
    private Set<String> deployedRules(String key) {
        DecisionDefinition definition = repository.createDecisionDefinitionQuery().decisionDefinitionKey(key)
                .latestVersion().singleResult();
        assertThat(definition).as("deployed decision %s", key).isNotNull();
        return repository.getDmnModelInstance(definition.getId()).getModelElementsByType(Rule.class).stream()
                .map(Rule::getId).collect(Collectors.toCollection(TreeSet::new));
    }
}
