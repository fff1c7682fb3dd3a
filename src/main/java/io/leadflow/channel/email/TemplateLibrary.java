package io.leadflow.channel.email;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.expression.spel.SpelEvaluationException;
import org.springframework.expression.spel.SpelMessage;
import org.springframework.stereotype.Component;
import org.thymeleaf.exceptions.TemplateProcessingException;

import io.leadflow.platform.LeadflowSettings;

/**
 * The email templates, loaded like the models: from the {@code mail/} folder beside {@code bpmn/} and {@code dmn/}
 * ({@code leadflow.models.dir}), or the copies packaged in the jar when there is no such folder. A load is checked
 * whole before it replaces the running templates: file names, a text and an HTML file for each, a subject line, every
 * file rendered for a sample lead and for one with no name, and every template that Leadflow or a deployed journey
 * sends still there. Each distinct content gets a version ({@link TemplateVersions}); an email records the version it
 * was rendered from. When the folder does not pass at start-up, the latest versions the database holds are used.
 */
@Component
public class TemplateLibrary implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(TemplateLibrary.class);
    /** {@code welcome.txt}, {@code welcome_fr.html}: lower-case name, optional language, extension. */
    private static final Pattern FILE = Pattern.compile("([a-z0-9][a-z0-9-]{0,62})(?:_([a-z]{2}))?\\.(txt|html)");
    /** Larger than any email a person reads; the database keeps each version's files. */
    private static final int MAX_FILE_CHARS = 100_000;

    /** What is wrong with one file. */
    public record Problem(String file, String problem) {

        @Override
        public String toString() {
            return file + ": " + problem;
        }
    }

    /** The outcome of a load: the versions it made, or why nothing was replaced. */
    public record Loaded(String source, List<String> newVersions, List<Problem> problems) {

        public boolean accepted() {
            return problems.isEmpty();
        }
    }

    private record Snapshot(Map<String, EmailTemplate> templates, String source) {
    }

    private final TemplateVersions versions;
    private final MailThymeleaf thymeleaf;
    private final LeadflowSettings settings;
    private final ObjectProvider<TemplateUsers> users;
    private final Path folder;
    private volatile Snapshot current;

    TemplateLibrary(TemplateVersions versions, MailThymeleaf thymeleaf, LeadflowSettings settings,
            ObjectProvider<TemplateUsers> users, @Value("${leadflow.models.dir:.}") String modelsDir) {
        this.versions = versions;
        this.thymeleaf = thymeleaf;
        this.settings = settings;
        this.users = users;
        this.folder = Path.of(modelsDir == null || modelsDir.isBlank() ? "." : modelsDir).resolve("mail");
    }

    /** Loads the templates once the database is migrated, before anything is sent. */
    @Override
    public void afterSingletonsInstantiated() {
        reloadAndLog();
    }

    /** {@link #reload()}, telling the log what changed or what to fix. */
    public Loaded reloadAndLog() {
        Loaded loaded = reload();
        if (loaded.accepted()) {
            log.info("Email templates from {}: new versions: {}", loaded.source(),
                    loaded.newVersions().isEmpty() ? "none (unchanged)" : loaded.newVersions());
        } else {
            log.error("Email templates of {} NOT loaded; the versions loaded before keep running. Fix and save: {}",
                    loaded.source(), loaded.problems());
        }
        return loaded;
    }

    /** The template as it runs now. */
    public Optional<EmailTemplate> find(String name) {
        return Optional.ofNullable(snapshot().templates().get(name));
    }

    public boolean exists(String name) {
        return snapshot().templates().containsKey(name);
    }

    /** Every template, in name order. */
    public Map<String, EmailTemplate> all() {
        return snapshot().templates();
    }

    /** The languages of each template ({@link EmailTemplate#languages()}), by name. */
    public Map<String, Set<String>> languages() {
        Map<String, Set<String>> languages = new TreeMap<>();
        snapshot().templates().forEach((name, t) -> languages.put(name, new TreeSet<>(t.languages())));
        return languages;
    }

    /** Where the running templates came from: the folder's path, or "packaged templates". */
    public String source() {
        return snapshot().source();
    }

    /** The folder marketers edit, whether or not it exists. */
    public Path folder() {
        return folder;
    }

    public boolean hasFolder() {
        return Files.isDirectory(folder);
    }

    /**
     * Reads the folder (or the packaged copies) again and, if every file passes, makes it the running templates;
     * otherwise the running templates stay and the problems say what to fix.
     */
    public synchronized Loaded reload() {
        boolean fromFolder = hasFolder();
        String source = fromFolder ? folder.toAbsolutePath().normalize().toString() : "packaged templates";
        Map<String, String> files = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        try {
            if (fromFolder) {
                readFolder(files, problems);
            } else {
                readPackaged(files);
            }
        } catch (IOException e) {
            problems.add(new Problem(source, "cannot be read: " + e.getMessage()));
        }
        Map<String, Map<String, String>> byTemplate = new TreeMap<>();
        if (problems.isEmpty()) {
            problems.addAll(check(files, byTemplate));
        }
        if (!problems.isEmpty()) {
            if (current == null) {
                current = fromDatabase(source, problems);
            }
            return new Loaded(source, List.of(), problems);
        }
        TreeMap<String, EmailTemplate> loaded = new TreeMap<>();
        List<String> newVersions = new ArrayList<>();
        Snapshot before = current;
        byTemplate.forEach((name, templateFiles) -> {
            int version = versions.versionOf(name, templateFiles, source);
            EmailTemplate template = new EmailTemplate(name, version, TemplateVersions.checksum(templateFiles),
                    templateFiles);
            loaded.put(name, template);
            EmailTemplate was = before == null ? null : before.templates().get(name);
            if (was == null || was.version() != version) {
                newVersions.add(name + " v" + version);
            }
        });
        current = new Snapshot(Collections.unmodifiableSortedMap(loaded), source);
        return new Loaded(source, newVersions, List.of());
    }

    /** Who sends each template: Leadflow itself, or the steps of the deployed journeys. */
    public Map<String, List<String>> usedBy() {
        Map<String, List<String>> usedBy = new TreeMap<>();
        usedBy.computeIfAbsent(MailTemplates.CONFIRMATION, n -> new ArrayList<>())
                .add("Leadflow: a confirmation sent again on request");
        usedBy.computeIfAbsent(MailTemplates.REMINDER, n -> new ArrayList<>())
                .add("Leadflow: the double opt-in's reminder");
        MailTemplates.STAFF.forEach(name -> usedBy.computeIfAbsent(name, n -> new ArrayList<>())
                .add("Leadflow: the SLA ladder, to sales"));
        usedBy.computeIfAbsent(MailTemplates.REPERMISSION, n -> new ArrayList<>())
                .add("Leadflow: retention's question to leads silent for years (leadflow.retention)");
        TemplateUsers models = users.getIfAvailable();
        if (models != null) {
            models.usedBy().forEach((name, steps) -> usedBy.computeIfAbsent(name, n -> new ArrayList<>())
                    .addAll(steps));
        }
        return usedBy;
    }

    private Snapshot snapshot() {
        if (current == null) {
            reloadAndLog();
        }
        return current;
    }

    /** At start-up with a folder that does not pass: the last versions that did, else the packaged copies. */
    private Snapshot fromDatabase(String source, List<Problem> problems) {
        TreeMap<String, EmailTemplate> kept = new TreeMap<>();
        try {
            Map<String, String> packaged = new TreeMap<>();
            readPackaged(packaged);
            byTemplate(packaged).forEach((name, files) -> kept.put(name, versions.latest(name)
                    .map(v -> new EmailTemplate(name, v.version(), v.checksum(), versions.files(name, v.version())))
                    .orElseGet(() -> new EmailTemplate(name, versions.versionOf(name, files, "packaged templates"),
                            TemplateVersions.checksum(files), files))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.error("Email templates of {} do not pass ({}); running the last versions that did", source, problems);
        return new Snapshot(Collections.unmodifiableSortedMap(kept),
                "last loaded versions (" + source + " does not pass)");
    }

    private void readFolder(Map<String, String> files, List<Problem> problems) throws IOException {
        try (Stream<Path> paths = Files.list(folder)) {
            for (Path path : paths.sorted().toList()) {
                String file = path.getFileName().toString();
                if (!Files.isRegularFile(path) || file.startsWith(".")
                        || !(file.endsWith(".txt") || file.endsWith(".html"))) {
                    continue; // a README, an editor's backup or lock file
                }
                try {
                    files.put(file, utf8(Files.readAllBytes(path)));
                } catch (CharacterCodingException e) {
                    problems.add(new Problem("mail/" + file, "is not UTF-8 text: save it as UTF-8"));
                }
            }
        }
    }

    private static void readPackaged(Map<String, String> files) throws IOException {
        var resolver = new PathMatchingResourcePatternResolver();
        for (String pattern : List.of("classpath*:mail/*.txt", "classpath*:mail/*.html")) {
            for (Resource resource : resolver.getResources(pattern)) {
                try (InputStream in = resource.getInputStream()) {
                    files.putIfAbsent(resource.getFilename(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    private static String utf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    /** The files grouped by template name, without checking them. */
    private static Map<String, Map<String, String>> byTemplate(Map<String, String> files) {
        Map<String, Map<String, String>> byTemplate = new TreeMap<>();
        files.forEach((file, content) -> {
            Matcher m = FILE.matcher(file);
            if (m.matches()) {
                byTemplate.computeIfAbsent(m.group(1), n -> new TreeMap<>()).put(file, content);
            }
        });
        return byTemplate;
    }

    /** Every problem of the files; fills {@code byTemplate} with the files of each template. */
    private List<Problem> check(Map<String, String> files, Map<String, Map<String, String>> byTemplate) {
        List<Problem> problems = new ArrayList<>();
        files.forEach((file, content) -> {
            Matcher m = FILE.matcher(file);
            if (!m.matches()) {
                problems.add(new Problem("mail/" + file, "is not a template's name: use lower-case letters, digits "
                        + "and '-', then _<language> for a translation, e.g. welcome.txt, welcome_fr.html"));
                return;
            }
            if (content.length() > MAX_FILE_CHARS) {
                problems.add(new Problem("mail/" + file, "is longer than " + MAX_FILE_CHARS + " characters"));
            }
            String base = file.substring(0, file.lastIndexOf('.'));
            String other = base + (m.group(3).equals("txt") ? ".html" : ".txt");
            if (!files.containsKey(other)) {
                problems.add(new Problem("mail/" + file, "has no mail/" + other + " beside it: a template is a text"
                        + " file (subject line, then the text) and an HTML file"));
            }
            if (m.group(2) != null && !files.containsKey(m.group(1) + ".txt")) {
                problems.add(new Problem("mail/" + file, "translates mail/" + m.group(1) + ".txt, which does not "
                        + "exist: every template has a file without language suffix, sent to any other language"));
            }
            byTemplate.computeIfAbsent(m.group(1), n -> new TreeMap<>()).put(file, content);
        });
        if (!problems.isEmpty()) {
            return problems;
        }
        byTemplate.forEach((name, templateFiles) -> templateFiles.forEach((file, content) -> {
            String problem = renderProblem(name, file, content);
            if (problem != null) {
                problems.add(new Problem("mail/" + file, problem));
            }
        }));
        Map<String, List<String>> usedBy = usedBy();
        usedBy.forEach((name, users) -> {
            if (!byTemplate.containsKey(name)) {
                problems.add(new Problem("mail/" + name + ".txt", "is missing, but " + String.join("; ", users)
                        + " sends it: put it back, or change what sends it first"));
            }
        });
        return problems;
    }

    /** Why this file does not render for a sample lead or for one without any text, or null when it does. */
    private String renderProblem(String name, String file, String content) {
        String language = file.contains("_") ? file.substring(file.indexOf('_') + 1, file.lastIndexOf('.'))
                : EmailTemplate.BASE_LANGUAGE;
        String publicUrl = settings.link("");
        var lead = TemplateValues.sampleLead(language);
        for (var sample : List.of(lead, TemplateValues.withoutText(lead))) {
            Map<String, Object> values = TemplateValues.values(sample, TemplateValues.sampleLinks(name, publicUrl),
                    publicUrl, TemplateValues.sampleParams(name, publicUrl));
            try {
                if (file.endsWith(".txt")) {
                    String subject = EmailRenderer.subjectLine(thymeleaf.text(content, values));
                    if (subject == null || subject.isBlank()) {
                        return "must start with a line 'Subject: …' (the email's subject), then the text";
                    }
                } else {
                    thymeleaf.html(content, values);
                }
            } catch (RuntimeException e) {
                return explain(e, name);
            }
        }
        return null;
    }

    /** A sentence about a template that does not render, with the line when Thymeleaf knows it. */
    static String explain(RuntimeException e, String name) {
        String where = e instanceof TemplateProcessingException t && t.getLine() != null ? "line " + t.getLine()
                + ": " : "";
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SpelEvaluationException spel) {
                SpelMessage code = spel.getMessageCode();
                Object[] inserts = spel.getInserts();
                if (code == SpelMessage.PROPERTY_OR_FIELD_NOT_READABLE && inserts.length > 0) {
                    return where + "uses '" + inserts[0] + "', which a template cannot use: lead."
                            + String.join(", lead.", TemplateValues.LEAD_FIELDS) + ", publicUrl, "
                            + (MailTemplates.isStaff(name) ? "params." + String.join(", params.",
                                    TemplateValues.STAFF_PARAMS) : "links." + String.join(", links.",
                                    TemplateValues.sampleLinks(name, "").keySet()));
                }
                if (code == SpelMessage.PROPERTY_OR_FIELD_NOT_READABLE_ON_NULL) {
                    return where + "reads into a field that is empty for some leads: test it first, e.g. "
                            + "th:if=\"${lead.company}\"";
                }
                return where + "has an expression an email template cannot use (templates show fields; they call "
                        + "no method and name no class): " + spel.getMessage();
            }
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // Thymeleaf names the template by its text, which says nothing here
        message = message.replaceAll("\\(template: \"(?s).*\"", "").trim();
        return where + message;
    }

    /** The files of one stored version, for a template's history. */
    Map<String, String> filesOf(String name, int version) {
        EmailTemplate running = all().get(name);
        if (running != null && running.version() == version) {
            return running.files();
        }
        return new LinkedHashMap<>(versions.files(name, version));
    }

    List<TemplateVersions.Version> history(String name) {
        return versions.history(name);
    }
}
