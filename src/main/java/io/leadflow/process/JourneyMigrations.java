package io.leadflow.process;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.management.ActivityStatistics;
import org.camunda.bpm.engine.migration.MigrationInstruction;
import org.camunda.bpm.engine.migration.MigrationPlan;
import org.camunda.bpm.engine.migration.MigrationPlanValidationException;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.NotFoundException;

/**
 * {@code POST /api/journeys/{key}/migrate?dryRun=true|false}: moves the running instances of older versions of a
 * journey to its latest version with Camunda's migration API. Activities are matched by id (a marketer who keeps
 * the ids of the steps they keep gets every lead moved); a lead waiting in a step the new version no longer has
 * cannot move and stays on its version, named in the report. Migration re-runs no step, so nobody gets an email
 * twice (emails are also unique per lead and purpose).
 */
@RestController
class JourneyMigrations {

    private static final Logger log = LoggerFactory.getLogger(JourneyMigrations.class);

    /** Per older version: how many instances move, and where those that cannot are waiting. */
    record VersionReport(int version, long instances, long movable, Map<String, Long> blockedAt, List<String> problems) {
    }

    record Report(String key, int targetVersion, boolean dryRun, long moved, long stayed, List<VersionReport> versions) {
    }

    private final RepositoryService repository;
    private final RuntimeService runtime;
    private final ManagementService management;

    JourneyMigrations(RepositoryService repository, RuntimeService runtime, ManagementService management) {
        this.repository = repository;
        this.runtime = runtime;
        this.management = management;
    }

    @PostMapping("/api/journeys/{key}/migrate")
    ResponseEntity<Report> migrate(@PathVariable String key, @RequestParam(defaultValue = "true") boolean dryRun) {
        ProcessDefinition target = repository.createProcessDefinitionQuery().processDefinitionKey(key).latestVersion()
                .singleResult();
        if (target == null) {
            throw new NotFoundException("No journey '" + key + "' is deployed");
        }
        List<VersionReport> versions = new ArrayList<>();
        long moved = 0;
        long stayed = 0;
        for (ProcessDefinition source : repository.createProcessDefinitionQuery().processDefinitionKey(key)
                .orderByProcessDefinitionVersion().asc().list()) {
            if (source.getId().equals(target.getId())) {
                continue;
            }
            long instances = runtime.createProcessInstanceQuery().processDefinitionId(source.getId()).count();
            if (instances == 0) {
                continue;
            }
            VersionReport report = migrate(source, target, instances, dryRun);
            versions.add(report);
            moved += dryRun ? 0 : report.movable();
            stayed += dryRun ? instances : instances - report.movable();
        }
        if (!dryRun) {
            log.info("Journey {}: {} instance(s) moved to version {}, {} stayed", key, moved, target.getVersion(), stayed);
        }
        return ResponseEntity.ok(new Report(key, target.getVersion(), dryRun, moved, stayed, versions));
    }

    private VersionReport migrate(ProcessDefinition source, ProcessDefinition target, long instances, boolean dryRun) {
        MigrationPlan plan;
        try {
            plan = runtime.createMigrationPlan(source.getId(), target.getId()).mapEqualActivities().updateEventTriggers()
                    .build();
        } catch (MigrationPlanValidationException invalid) {
            List<String> problems = new ArrayList<>();
            invalid.getValidationReport().getInstructionReports().forEach(r -> problems.addAll(r.getFailures()));
            if (problems.isEmpty()) {
                problems.add(invalid.getMessage());
            }
            return new VersionReport(source.getVersion(), instances, 0, Map.of(), problems);
        }
        Set<String> mapped = new TreeSet<>();
        for (MigrationInstruction instruction : plan.getInstructions()) {
            mapped.add(instruction.getSourceActivityId());
        }
        Map<String, Long> blockedAt = new LinkedHashMap<>();
        for (ActivityStatistics activity : management.createActivityStatisticsQuery(source.getId()).list()) {
            if (!mapped.contains(activity.getId()) && activity.getInstances() > 0) {
                blockedAt.put(activity.getId(), (long) activity.getInstances());
            }
        }
        Set<String> blockedIds = new TreeSet<>();
        if (!blockedAt.isEmpty()) {
            runtime.createProcessInstanceQuery().processDefinitionId(source.getId())
                    .activityIdIn(blockedAt.keySet().toArray(String[]::new)).list()
                    .forEach(p -> blockedIds.add(p.getId()));
        }
        List<String> movableIds = runtime.createProcessInstanceQuery().processDefinitionId(source.getId()).list()
                .stream().map(ProcessInstance::getId).filter(id -> !blockedIds.contains(id)).toList();
        if (!dryRun && !movableIds.isEmpty()) {
            runtime.newMigration(plan).processInstanceIds(movableIds).skipCustomListeners().execute();
        }
        List<String> problems = blockedAt.isEmpty() ? List.of()
                : List.of("No step with the same id in version " + target.getVersion() + " for " + blockedAt.keySet()
                        + ": leads waiting there stay on version " + source.getVersion());
        return new VersionReport(source.getVersion(), instances, movableIds.size(), blockedAt, problems);
    }
}
