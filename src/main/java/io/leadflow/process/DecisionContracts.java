package io.leadflow.process;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.ConditionExpression;
import org.camunda.bpm.model.bpmn.instance.ExclusiveGateway;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.dmn.Dmn;
import org.camunda.bpm.model.dmn.DmnModelInstance;
import org.camunda.bpm.model.dmn.instance.Decision;
import org.camunda.bpm.model.dmn.instance.DecisionTable;
import org.camunda.bpm.model.dmn.instance.Output;
import org.camunda.bpm.model.dmn.instance.OutputEntry;
import org.camunda.bpm.model.dmn.instance.Rule;
import org.camunda.bpm.model.dmn.instance.Text;
import org.springframework.stereotype.Component;

import io.leadflow.handoff.BusinessCalendar;
import io.leadflow.handoff.RoutingRule;
import io.leadflow.handoff.SalesDirectory;
import io.leadflow.platform.ModelKeys;

/**
 * What the code expects of the decision tables marketers edit, checked when a table is saved, so that a wrong value
 * is refused with a sentence a marketer understands instead of becoming an incident on the next lead:
 * <ul>
 * <li>{@code sales-sla}: every duration is a business duration in quotes ({@code "PT4H"}, {@code "P2D"}), the
 * acceptance deadline is always given, and on each team's calendar remind &lt; escalate &lt; reassign &le; due;</li>
 * <li>{@code lead-assignment}: every team and fallback team it can choose exists (a Camunda group of type
 * SALES_TEAM), every routing rule it gives is made of known words ({@link RoutingRule}), and a last rule matches
 * every lead;</li>
 * <li>{@code nurture-track}: every track it can choose has its flow in the {@code nurture} journey (the table's
 * catch-all track may take the gateway's default flow), checked from either side when one of them is saved;</li>
 * <li>{@code qualification-route}: every route is {@code "desk"} or {@code "direct"}, a desk route has a business
 * duration to decide within, and a last rule matches every MQL.</li>
 * </ul>
 */
@Component
class DecisionContracts {

    /** Working hours ({@code PT4H}, {@code PT90M}, {@code PT1H30M}) or working days ({@code P2D}). */
    private static final Pattern BUSINESS_DURATION = Pattern.compile("P(\\d+D|T(?=\\d)(\\d+H)?(\\d+M)?)");
    private static final Pattern STRING_LITERAL = Pattern.compile("\"([^\"]*)\"");
    private static final Pattern TRACK_CONDITION = Pattern.compile("track\\s*==\\s*['\"]([^'\"]+)['\"]");
    /**
     * Where the SLA steps are laid on each calendar to compare them: a handoff opens at any hour, and working days
     * and working hours compare differently in the morning, the afternoon and before a weekend.
     */
    private static final List<Instant> REFERENCE_STARTS = List.of(Instant.parse("2026-01-05T08:00:00Z"),
            Instant.parse("2026-01-05T13:00:00Z"), Instant.parse("2026-01-09T15:00:00Z"));
    private static final List<String> SLA_STEPS = List.of("remindAfter", "escalateAfter", "reassignAfter");

    private final SalesDirectory sales;
    private final BusinessCalendar calendar;

    DecisionContracts(SalesDirectory sales, BusinessCalendar calendar) {
        this.sales = sales;
        this.calendar = calendar;
    }

    /**
     * The problems of the files of one deployment.
     *
     * @param deployed the model deployed now under a process or decision key, for a check that needs the other side
     */
    List<ModelLinter.Problem> check(Map<String, byte[]> files, Function<String, Optional<byte[]>> deployed) {
        List<ModelLinter.Problem> problems = new ArrayList<>();
        Map<String, DmnModelInstance> decisions = new LinkedHashMap<>();
        Map<String, String> decisionFiles = new LinkedHashMap<>();
        BpmnModelInstance nurture = null;
        String nurtureFile = null;
        for (var file : files.entrySet()) {
            String name = file.getKey().toLowerCase();
            try {
                if (name.endsWith(".dmn") || name.endsWith(".dmn11.xml")) {
                    DmnModelInstance model = Dmn.readModelFromStream(new ByteArrayInputStream(file.getValue()));
                    for (Decision d : model.getModelElementsByType(Decision.class)) {
                        decisions.put(d.getId(), model);
                        decisionFiles.put(d.getId(), file.getKey());
                    }
                } else if (name.endsWith(".bpmn") || name.endsWith(".bpmn20.xml")) {
                    BpmnModelInstance model = Bpmn.readModelFromStream(new ByteArrayInputStream(file.getValue()));
                    if (model.getModelElementById(ModelKeys.NURTURE) instanceof Process) {
                        nurture = model;
                        nurtureFile = file.getKey();
                    }
                }
            } catch (RuntimeException unreadable) {
                // the lint names files that do not parse
            }
        }
        table(decisions, ModelKeys.DECISION_SALES_SLA)
                .ifPresent(t -> problems.addAll(salesSla(decisionFiles.get(ModelKeys.DECISION_SALES_SLA), t)));
        table(decisions, ModelKeys.DECISION_ASSIGNMENT)
                .ifPresent(t -> problems.addAll(assignment(decisionFiles.get(ModelKeys.DECISION_ASSIGNMENT), t)));
        table(decisions, ModelKeys.DECISION_QUALIFICATION_ROUTE).ifPresent(t -> problems.addAll(
                qualificationRoute(decisionFiles.get(ModelKeys.DECISION_QUALIFICATION_ROUTE), t)));
        Optional<DecisionTable> tracks = table(decisions, ModelKeys.DECISION_NURTURE_TRACK);
        if (tracks.isPresent() || nurture != null) {
            Optional<DecisionTable> trackTable = tracks.isPresent() ? tracks
                    : deployed.apply(ModelKeys.DECISION_NURTURE_TRACK).flatMap(bytes -> table(Map.of(
                            ModelKeys.DECISION_NURTURE_TRACK, Dmn.readModelFromStream(new ByteArrayInputStream(bytes))),
                            ModelKeys.DECISION_NURTURE_TRACK));
            BpmnModelInstance journey = nurture != null ? nurture : deployed.apply(ModelKeys.NURTURE)
                    .map(bytes -> Bpmn.readModelFromStream(new ByteArrayInputStream(bytes))).orElse(null);
            if (trackTable.isPresent() && journey != null) {
                problems.addAll(tracks(tracks.isPresent() ? decisionFiles.get(ModelKeys.DECISION_NURTURE_TRACK)
                        : nurtureFile, tracks.isPresent(), trackTable.get(), journey));
            }
        }
        return problems;
    }

    private static Optional<DecisionTable> table(Map<String, DmnModelInstance> decisions, String key) {
        DmnModelInstance model = decisions.get(key);
        if (model == null || !(model.getModelElementById(key) instanceof Decision decision)
                || !(decision.getExpression() instanceof DecisionTable table)) {
            return Optional.empty();
        }
        return Optional.of(table);
    }

    private List<ModelLinter.Problem> salesSla(String file, DecisionTable table) {
        List<ModelLinter.Problem> problems = new ArrayList<>();
        List<String> outputs = outputNames(table);
        int team = inputIndex(table, "team");
        for (Rule rule : table.getRules()) {
            String where = describe(rule);
            Map<String, String> durations = new LinkedHashMap<>();
            List<OutputEntry> entries = List.copyOf(rule.getOutputEntries());
            for (int i = 0; i < entries.size() && i < outputs.size(); i++) {
                String output = outputs.get(i);
                String text = text(entries.get(i).getText());
                if (text.isEmpty()) {
                    if (output.equals("acceptWithin")) {
                        problems.add(new ModelLinter.Problem(file, where, "gives no 'Accept within': every handoff "
                                + "needs a deadline, e.g. \"PT4H\" (4 working hours) or \"P2D\" (2 working days)"));
                    }
                    continue;
                }
                Matcher literal = STRING_LITERAL.matcher(text);
                if (!literal.matches()) {
                    problems.add(new ModelLinter.Problem(file, where, "'" + label(table, output) + "' is " + text
                            + ": write the duration in double quotes, e.g. \"PT4H\""));
                } else if (!BUSINESS_DURATION.matcher(literal.group(1)).matches()) {
                    problems.add(new ModelLinter.Problem(file, where, "'" + label(table, output) + "' is " + text
                            + ", which is no business duration: use \"PT4H\" for 4 working hours, \"PT30M\" for 30 "
                            + "working minutes or \"P2D\" for 2 working days"));
                } else {
                    durations.put(output, literal.group(1));
                }
            }
            if (durations.containsKey("acceptWithin")) {
                problems.addAll(slaOrder(file, where, table, durations, teamsOf(rule, team)));
            }
        }
        return problems;
    }

    /** remind &lt; escalate &lt; reassign &le; due, on the calendar of each team the rule may apply to. */
    private List<ModelLinter.Problem> slaOrder(String file, String where, DecisionTable table,
            Map<String, String> durations, Collection<String> teams) {
        Set<String> calendars = new LinkedHashSet<>();
        for (String team : teams) {
            String cal = sales.calendar(team);
            if (cal != null) {
                calendars.add(cal);
            }
        }
        for (String cal : calendars) {
            for (Instant start : REFERENCE_STARTS) {
                Optional<ModelLinter.Problem> problem = slaOrder(file, where, table, durations, cal, start);
                if (problem.isPresent()) {
                    return List.of(problem.get());
                }
            }
        }
        return List.of();
    }

    private Optional<ModelLinter.Problem> slaOrder(String file, String where, DecisionTable table,
            Map<String, String> durations, String cal, Instant start) {
        Instant due;
        Map<String, Instant> steps = new LinkedHashMap<>();
        try {
            due = calendar.add(cal, start, durations.get("acceptWithin"));
            for (String step : SLA_STEPS) {
                if (durations.containsKey(step)) {
                    steps.put(step, calendar.add(cal, start, durations.get(step)));
                }
            }
        } catch (RuntimeException e) {
            return Optional.empty(); // a calendar that is not configured is the configuration's problem
        }
        String previous = null;
        for (var step : steps.entrySet()) {
            if (previous != null && !step.getValue().isAfter(steps.get(previous))) {
                return Optional.of(new ModelLinter.Problem(file, where, "'" + label(table, step.getKey()) + "' ("
                        + durations.get(step.getKey()) + ") does not come after '" + label(table, previous) + "' ("
                        + durations.get(previous) + "): the steps go remind, then escalate, then reassign"));
            }
            previous = step.getKey();
        }
        for (var step : steps.entrySet()) {
            boolean late = step.getKey().equals("reassignAfter") ? step.getValue().isAfter(due)
                    : !step.getValue().isBefore(due);
            if (late) {
                return Optional.of(new ModelLinter.Problem(file, where, "'" + label(table, step.getKey()) + "' ("
                        + durations.get(step.getKey()) + ") comes after the deadline '" + label(table, "acceptWithin")
                        + "' (" + durations.get("acceptWithin") + ") on calendar '" + cal
                        + "': it would never help; make it shorter than the deadline"));
            }
        }
        return Optional.empty();
    }

    /** Every route is "desk" or "direct"; a desk route gives the desk a business duration; a rule matches every MQL. */
    private static List<ModelLinter.Problem> qualificationRoute(String file, DecisionTable table) {
        List<ModelLinter.Problem> problems = new ArrayList<>();
        List<String> outputs = outputNames(table);
        int route = outputs.indexOf("route");
        int within = outputs.indexOf("decideWithin");
        boolean catchAll = false;
        for (Rule rule : table.getRules()) {
            catchAll |= isCatchAll(rule);
            List<OutputEntry> entries = List.copyOf(rule.getOutputEntries());
            if (route < 0 || route >= entries.size()) {
                continue;
            }
            Matcher literal = STRING_LITERAL.matcher(text(entries.get(route).getText()));
            if (!literal.matches() || !List.of("desk", "direct").contains(literal.group(1))) {
                problems.add(new ModelLinter.Problem(file, describe(rule), "routes to "
                        + text(entries.get(route).getText()) + ": write \"desk\" (the qualification desk first) or "
                        + "\"direct\" (straight to sales)"));
            } else if (literal.group(1).equals("desk")) {
                String duration = within < 0 || within >= entries.size() ? "" : text(entries.get(within).getText());
                Matcher quoted = STRING_LITERAL.matcher(duration);
                if (!quoted.matches() || !BUSINESS_DURATION.matcher(quoted.group(1)).matches()) {
                    problems.add(new ModelLinter.Problem(file, describe(rule), "sends leads to the desk with "
                            + (duration.isEmpty() ? "no 'Decide within'" : "'Decide within' " + duration)
                            + ": give the desk's deadline as a business duration in double quotes, e.g. \"PT4H\" "
                            + "(4 working hours) or \"P1D\" (1 working day)"));
                }
            }
        }
        if (!catchAll) {
            problems.add(new ModelLinter.Problem(file, "decision '" + ModelKeys.DECISION_QUALIFICATION_ROUTE + "'",
                    "has no rule for every MQL: add a last rule with '-' in every input, so that an MQL no other "
                            + "rule matches still goes somewhere"));
        }
        return problems;
    }

    private List<ModelLinter.Problem> assignment(String file, DecisionTable table) {
        List<ModelLinter.Problem> problems = new ArrayList<>();
        List<String> outputs = outputNames(table);
        int team = outputs.indexOf("team");
        int fallback = outputs.indexOf("fallbackTeam");
        int routingRule = outputs.indexOf("rule");
        Set<String> teams = sales.teams();
        boolean catchAll = false;
        for (Rule rule : table.getRules()) {
            catchAll |= isCatchAll(rule);
            List<OutputEntry> entries = List.copyOf(rule.getOutputEntries());
            if (team >= 0 && team < entries.size()) {
                String text = text(entries.get(team).getText());
                if (text.isEmpty()) {
                    problems.add(new ModelLinter.Problem(file, describe(rule), "chooses no team: every rule names one"));
                } else {
                    unknownTeam(file, rule, "chooses team ", text, teams).ifPresent(problems::add);
                }
            }
            if (fallback >= 0 && fallback < entries.size() && !text(entries.get(fallback).getText()).isEmpty()) {
                unknownTeam(file, rule, "falls back to team ", text(entries.get(fallback).getText()), teams)
                        .ifPresent(problems::add);
            }
            if (routingRule >= 0 && routingRule < entries.size()) {
                Matcher literal = STRING_LITERAL.matcher(text(entries.get(routingRule).getText()));
                if (literal.matches()) {
                    try {
                        RoutingRule.parse(literal.group(1));
                    } catch (IllegalArgumentException e) {
                        problems.add(new ModelLinter.Problem(file, describe(rule), "has rule "
                                + literal.group() + ": " + e.getMessage()));
                    }
                }
            }
        }
        if (!catchAll) {
            problems.add(new ModelLinter.Problem(file, "decision '" + ModelKeys.DECISION_ASSIGNMENT + "'",
                    "has no rule for every lead: add a last rule with '-' in every input, so that a lead no other "
                            + "rule matches still gets a team"));
        }
        return problems;
    }

    private static Optional<ModelLinter.Problem> unknownTeam(String file, Rule rule, String what, String text,
            Set<String> teams) {
        Matcher literal = STRING_LITERAL.matcher(text);
        if (!literal.matches() || teams.contains(literal.group(1))) {
            return Optional.empty();
        }
        return Optional.of(new ModelLinter.Problem(file, describe(rule), what + text
                + ", which does not exist: use one of " + List.copyOf(teams) + ", or add the team in "
                + "Camunda Admin (Groups: a new group '" + literal.group(1) + "' of type "
                + SalesDirectory.TEAM_GROUP_TYPE + ", then its reps as members) and save again; "
                + "leadflow.sales.teams." + literal.group(1) + " adds it only at the next start"));
    }

    /**
     * A table saved: every track it can choose
 has a flow taking it in the journey, except the catch-all rule's,
     * which may take the gateway's default flow (a misspelt or new track would otherwise go there unnoticed). A
     * journey saved: no lead on a track the table chooses is left without a way on, which would be an incident; a
     * track with no flow of its own may take a default flow, as journeys that branch on fewer tracks do.
     */
    private static List<ModelLinter.Problem> tracks(String file, boolean tableSaved, DecisionTable table,
            BpmnModelInstance journey) {
        Set<String> taken = new LinkedHashSet<>();
        boolean everyGatewayHasAWayOn = true;
        for (ExclusiveGateway gateway : journey.getModelElementsByType(ExclusiveGateway.class)) {
            boolean onTrack = false;
            boolean wayOn = gateway.getDefault() != null;
            for (SequenceFlow flow : gateway.getOutgoing()) {
                ConditionExpression condition = flow.getConditionExpression();
                if (condition == null || condition.getTextContent() == null) {
                    wayOn = true;
                    continue;
                }
                Matcher m = TRACK_CONDITION.matcher(condition.getTextContent());
                while (m.find()) {
                    taken.add(m.group(1));
                    onTrack = true;
                }
            }
            everyGatewayHasAWayOn &= !onTrack || wayOn;
        }
        if (taken.isEmpty() || !tableSaved && everyGatewayHasAWayOn) {
            return List.of(); // a journey that does not branch on the track sends every lead the same way
        }
        int track = outputNames(table).indexOf("track");
        List<ModelLinter.Problem> problems = new ArrayList<>();
        for (Rule rule : table.getRules()) {
            if (track < 0 || track >= rule.getOutputEntries().size() || tableSaved && isCatchAll(rule)) {
                continue;
            }
            Matcher literal = STRING_LITERAL.matcher(text(List.copyOf(rule.getOutputEntries()).get(track).getText()));
            if (literal.matches() && !taken.contains(literal.group(1))) {
                String name = literal.group(1);
                String journeyElement = "process '" + ModelKeys.NURTURE + "'";
                problems.add(tableSaved
                        ? new ModelLinter.Problem(file, describe(rule), "chooses track \"" + name + "\", which no "
                                + "flow of the nurture journey takes: add a flow from 'Which track?' with the "
                                + "condition ${track == '" + name + "'} first, or use one of " + taken)
                        : new ModelLinter.Problem(file, journeyElement, "has no flow for track \""
                                + name + "\", which nurture-track chooses (" + describe(rule) + "), and no default "
                                + "flow: a lead on that track would stop with an incident; add a flow with the "
                                + "condition ${track == '" + name + "'} or mark one flow as the default"));
            }
        }
        return problems;
    }

    private Collection<String> teamsOf(Rule rule, int teamInput) {
        if (teamInput >= 0 && teamInput < rule.getInputEntries().size()) {
            String text = text(List.copyOf(rule.getInputEntries()).get(teamInput).getText());
            if (!isAny(text)) {
                List<String> named = new ArrayList<>();
                Matcher m = STRING_LITERAL.matcher(text);
                while (m.find()) {
                    named.add(m.group(1));
                }
                if (!named.isEmpty() && !text.startsWith("not(")) {
                    return named;
                }
            }
        }
        return sales.teams();
    }

    private static List<String> outputNames(DecisionTable table) {
        return table.getOutputs().stream().map(Output::getName).toList();
    }

    private static int inputIndex(DecisionTable table, String expression) {
        List<String> inputs = table.getInputs().stream().map(i -> i.getInputExpression() == null
                || i.getInputExpression().getText() == null ? "" : i.getInputExpression().getText().getTextContent()
                        .trim()).toList();
        return inputs.indexOf(expression);
    }

    private static String label(DecisionTable table, String output) {
        return table.getOutputs().stream().filter(o -> output.equals(o.getName())).findFirst()
                .map(o -> o.getLabel() != null ? o.getLabel() : o.getName()).orElse(output);
    }

    /** An input or output entry's FEEL text, trimmed; empty when the cell is. */
    private static String text(Text text) {
        return text == null || text.getTextContent() == null ? "" : text.getTextContent().trim();
    }

    /** A rule with '-' (or nothing) in every input: it matches every lead. */
    private static boolean isCatchAll(Rule rule) {
        return rule.getInputEntries().stream().allMatch(e -> isAny(text(e.getText())));
    }

    private static boolean isAny(String inputEntry) {
        return inputEntry.isEmpty() || inputEntry.equals("-");
    }

    private static String describe(Rule rule) {
        String description = rule.getDescription() == null ? null : rule.getDescription().getTextContent();
        String label = description == null || description.isBlank() ? rule.getId() : description.trim();
        // the Modeler finds the rule by the id in brackets at the end, so the label keeps none of its own
        String safe = label.replace('\'', '\u2019').replace(')', ']').replace('(', '[');
        return "rule '" + safe + "' (" + rule.getId() + ")";
    }
}
