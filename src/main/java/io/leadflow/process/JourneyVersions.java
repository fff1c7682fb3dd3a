package io.leadflow.process;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.management.ActivityStatistics;
import org.camunda.bpm.engine.repository.Deployment;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.FlowElement;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
/**
 * Each journey's deployed versions and where its leads wait in each: {@code GET /api/journeys} and the marketers'
 * page {@code /journeys}, which also runs the migration's dry run and the migration itself
 * ({@link JourneyMigrations}). Counts come from the engine's runtime statistics, one query per version.
 */
@Controller
class JourneyVersions {

    /** A step where leads wait, by its id and the name the marketer drew. */
    record Step(String id, String name, long leads) {
    }

    record Version(int version, Instant deployedAt, long leads, boolean latest, List<Step> steps) {
    }

    record Journey(String key, String name, String file, List<Version> versions) {

        public int latestVersion() {
            return versions.isEmpty() ? 0 : versions.get(0).version();
        }

        /** Leads on a version older than the latest: those a migration would move. */
        public long onOlderVersions() {
            return versions.stream().filter(v -> !v.latest()).mapToLong(Version::leads).sum();
        }
    }

    private final RepositoryService repository;
    private final ManagementService management;

    JourneyVersions(RepositoryService repository, ManagementService management) {
        this.repository = repository;
        this.management = management;
    }

    @GetMapping("/api/journeys")
    @ResponseBody
    List<Journey> journeys() {
        Map<String, Integer> running = new HashMap<>();
        management.createProcessDefinitionStatisticsQuery().list()
                .forEach(p -> running.put(p.getId(), p.getInstances()));
        List<Journey> journeys = new ArrayList<>();
        List<String> keys = repository.createProcessDefinitionQuery().latestVersion().list().stream()
                .map(ProcessDefinition::getKey).sorted().toList();
        for (String key : keys) {
            List<ProcessDefinition> definitions = repository.createProcessDefinitionQuery().processDefinitionKey(key)
                    .orderByProcessDefinitionVersion().desc().list();
            if (definitions.isEmpty()) {
                continue;
            }
            List<Version> versions = new ArrayList<>();
            for (ProcessDefinition definition : definitions) {
                versions.add(version(definition, definition == definitions.get(0),
                        running.getOrDefault(definition.getId(), 0)));
            }
            ProcessDefinition latest = definitions.get(0);
            journeys.add(new Journey(key, latest.getName() == null ? key : latest.getName(), latest.getResourceName(),
                    versions));
        }
        return journeys;
    }

    @GetMapping("/journeys")
    String page(Model model) {
        model.addAttribute("journeys", journeys());
        return "journeys";
    }

    private Version version(ProcessDefinition definition, boolean latest, long leads) {
        List<ActivityStatistics> statistics = management.createActivityStatisticsQuery(definition.getId()).list();
        List<Step> steps = new ArrayList<>();
        if (!statistics.isEmpty()) {
            BpmnModelInstance model = repository.getBpmnModelInstance(definition.getId());
            for (ActivityStatistics s : statistics) {
                FlowElement element = model.getModelElementById(s.getId());
                String name = element == null || element.getName() == null ? s.getId() : element.getName();
                steps.add(new Step(s.getId(), name, s.getInstances()));
            }
            steps.sort(Comparator.comparingLong(Step::leads).reversed().thenComparing(Step::id));
        }
        Deployment deployment = repository.createDeploymentQuery().deploymentId(definition.getDeploymentId())
                .singleResult();
        return new Version(definition.getVersion(), deployment == null ? null
                : deployment.getDeploymentTime().toInstant(), leads, latest, steps);
    }
}
