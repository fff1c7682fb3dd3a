package io.leadflow.process;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.DeploymentBuilder;
import org.camunda.bpm.engine.repository.DeploymentWithDefinitions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

import io.leadflow.channel.email.TemplateLibrary;

/**
 * Deploys the models of {@code leadflow.models.dir} ({@code bpmn/*.bpmn}, {@code dmn/*.dmn}), or the copies
 * packaged in the jar when that folder has none. Only changed files become new versions (duplicate filtering by
 * resource name); the engine lints every new deployment ({@link LintingDeployer}). The email templates of
 * {@code mail/} are loaded first ({@link TemplateLibrary}), so that a model may send a template saved with it. In dev
 * a watcher does both again on save.
 */
@Component
public class ModelDeployer implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ModelDeployer.class);
    static final String DEPLOYMENT_NAME = "leadflow-models";

    public record Result(int files, List<String> newVersions, String source) {
    }

    private final RepositoryService repository;
    private final ModelsSettings settings;
    private final DeployedDecisions decisions;
    private final TemplateLibrary templates;
    private volatile WatchService watcher;

    ModelDeployer(RepositoryService repository, ModelsSettings settings, DeployedDecisions decisions,
            TemplateLibrary templates) {
        this.repository = repository;
        this.settings = settings;
        this.decisions = decisions;
        this.templates = templates;
    }

    @EventListener(ApplicationReadyEvent.class)
    void deployOnStart() throws IOException {
        try {
            Result result = deployModels();
            log.info("Models from {}: {} file(s), new versions: {}", result.source(), result.files(),
                    result.newVersions().isEmpty() ? "none (unchanged)" : result.newVersions());
        } catch (ModelRejected rejected) {
            log.error("Models NOT deployed; the versions deployed before keep running. Fix and save: {}",
                    rejected.problems());
        }
        if (settings.watch() && (hasFolderModels() || templates.hasFolder())) {
            startWatching();
        }
    }

    /** Deploys the folder's models (or the packaged ones); refuses all of them if any fails the lint. */
    public synchronized Result deployModels() throws IOException {
        boolean folder = hasFolderModels();
        Map<String, byte[]> files = folder ? folderModels() : packagedModels();
        return deploy(files, folder ? settings.folder().toAbsolutePath().normalize().toString() : "packaged models");
    }

    /** Deploys the files; the engine lints them ({@link LintingDeployer}) and refuses them all on any problem. */
    Result deploy(Map<String, byte[]> files, String source) {
        DeploymentBuilder builder = repository.createDeployment().name(DEPLOYMENT_NAME).source("leadflow")
                .enableDuplicateFiltering(true);
        files.forEach((name, bytes) -> builder.addInputStream(name, new ByteArrayInputStream(bytes)));
        DeploymentWithDefinitions deployment;
        try {
            deployment = builder.deployWithResult();
        } catch (LintingDeployer.Refused refused) {
            throw new ModelRejected(refused.problems());
        }
        List<String> versions = new ArrayList<>();
        if (deployment.getDeployedProcessDefinitions() != null) {
            deployment.getDeployedProcessDefinitions().forEach(p -> versions.add(p.getKey() + " v" + p.getVersion()));
        }
        if (deployment.getDeployedDecisionDefinitions() != null) {
            deployment.getDeployedDecisionDefinitions().forEach(d -> versions.add(d.getKey() + " v" + d.getVersion()));
        }
        decisions.refresh();
        return new Result(files.size(), versions, source);
    }

    private boolean hasFolderModels() {
        return (Files.isDirectory(settings.folder().resolve("bpmn"))
                || Files.isDirectory(settings.folder().resolve("dmn")));
    }

    private Map<String, byte[]> folderModels() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        for (String sub : List.of("bpmn", "dmn")) {
            Path dir = settings.folder().resolve(sub);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> paths = Files.list(dir)) {
                for (Path p : paths.filter(ModelDeployer::isModel).sorted().toList()) {
                    files.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return files;
    }

    private static Map<String, byte[]> packagedModels() throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        var resolver = new PathMatchingResourcePatternResolver();
        for (String pattern : List.of("classpath*:models/bpmn/*.bpmn", "classpath*:models/dmn/*.dmn")) {
            for (Resource r : resolver.getResources(pattern)) {
                try (var in = r.getInputStream()) {
                    files.put(r.getFilename(), in.readAllBytes());
                }
            }
        }
        return files;
    }

    private static boolean isModel(Path p) {
        String n = p.getFileName().toString();
        return Files.isRegularFile(p) && (n.endsWith(".bpmn") || n.endsWith(".dmn") || n.endsWith(".form"));
    }

    private void startWatching() throws IOException {
        watcher = FileSystems.getDefault().newWatchService();
        for (String sub : List.of("bpmn", "dmn", "mail")) {
            Path dir = settings.folder().resolve(sub);
            if (Files.isDirectory(dir)) {
                dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        }
        Thread thread = new Thread(this::watch, "leadflow-model-watcher");
        thread.setDaemon(true);
        thread.start();
        log.info("Watching {} for changes of models and email templates",
                settings.folder().toAbsolutePath().normalize());
    }

    private void watch() {
        try {
            while (true) {
                var key = watcher.take();
                // Editors save in several writes: wait for the burst to end.
                TimeUnit.MILLISECONDS.sleep(500);
                key.pollEvents();
                key.reset();
                // drain the other folders' keys too: one burst of saves, one reload
                for (var other = watcher.poll(); other != null; other = watcher.poll()) {
                    other.pollEvents();
                    other.reset();
                }
                try {
                    templates.reloadAndLog();
                    if (!hasFolderModels()) {
                        continue;
                    }
                    Result r = deployModels();
                    log.info("Models redeployed after a change: {}",
                            r.newVersions().isEmpty() ? "nothing changed" : r.newVersions());
                } catch (ModelRejected rejected) {
                    log.error("Changed models NOT deployed, fix them and save again: {}", rejected.problems());
                } catch (RuntimeException | IOException e) {
                    log.error("Redeploying models failed: {}", e.getMessage());
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void destroy() throws IOException {
        if (watcher != null) {
            watcher.close();
        }
    }
}
