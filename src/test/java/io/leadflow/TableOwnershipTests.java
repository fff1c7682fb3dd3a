package io.leadflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every table has one owning module, and only its owner writes or reads it; other modules ask the owner through its
 * API (the architecture test sees those calls, it cannot see SQL). Four modules are declared read models:
 * {@code analytics}, {@code portability}, {@code workspace} and {@code retention} read the tables of others to
 * report, export, show people a lead (its timeline, the leads list) and find the leads silent for too long, and write
 * only their own.
 *
 * <p>The test reads every string literal and text block of the main sources, takes the tables each names after
 * {@code from}, {@code join}, {@code into}, {@code update} or {@code table}, and checks them against {@link #OWNERS};
 * the tables come from the Flyway migrations, so a new table without an owner fails here.
 */
class TableOwnershipTests {

    /** Each table and the module (package below {@code io.leadflow}) that owns it. */
    static final Map<String, String> OWNERS = Map.ofEntries(
            Map.entry("leads", "lead"),
            Map.entry("stage_history", "lead"),
            Map.entry("consent_ledger", "consent"),
            Map.entry("consent_ledger_head", "consent"),
            Map.entry("consent_ledger_pending", "consent"),
            Map.entry("consent_tokens", "consent"),
            Map.entry("lead_preferences", "consent"),
            Map.entry("engagement_events", "scoring"),
            Map.entry("score_changes", "scoring"),
            Map.entry("scoring_rescores", "scoring"),
            Map.entry("nurture_status", "nurture"),
            Map.entry("handoffs", "handoff"),
            Map.entry("team_cursor", "handoff"),
            Map.entry("handoff_routings", "handoff"),
            Map.entry("opportunities", "handoff"),
            Map.entry("email_outbox", "channel.email"),
            Map.entry("email_template_versions", "channel.email"),
            Map.entry("email_template_files", "channel.email"),
            Map.entry("email_bounces", "channel.email"),
            Map.entry("crm_failures", "channel.crm"),
            Map.entry("crm_pending_events", "channel.crm"),
            Map.entry("sandbox_crm_records", "channel.crm"),
            // Spring Integration's metadata store: the CRM channel keeps applied events and taken pushes in it
            Map.entry("int_metadata_store", "channel.crm"),
            Map.entry("web_anonymous_visits", "channel.web"),
            Map.entry("imports", "imports"),
            Map.entry("import_file_parts", "imports"),
            Map.entry("import_merges", "imports"),
            Map.entry("import_rejections", "imports"),
            Map.entry("import_repermissions", "imports"),
            Map.entry("email_report_days", "analytics"),
            Map.entry("email_report_state", "analytics"),
            Map.entry("rate_limit_windows", "platform"),
            Map.entry("suppressions", "lead"),
            Map.entry("sending_pauses", "channel.email"),
            Map.entry("experiments", "experiment"),
            Map.entry("experiment_variants", "experiment"),
            Map.entry("experiment_assignments", "experiment"),
            Map.entry("retention_runs", "retention"),
            Map.entry("retention_notices", "retention"),
            Map.entry("accounts", "account"),
            Map.entry("account_domains", "account"),
            Map.entry("account_members", "account"),
            Map.entry("qualifications", "qualification"));

    /** Modules that may read (never write) any table, to report and to export. */
    static final Set<String> READ_MODELS = Set.of("analytics", "portability", "workspace", "retention");

    private static final Path MAIN = Path.of("src/main/java/io/leadflow");
    private static final Path MIGRATIONS = Path.of("src/main/resources/db/migration");
    private static final Pattern LITERAL = Pattern.compile("\"\"\"(.*?)\"\"\"|\"((?:[^\"\\\\\\n]|\\\\.)*)\"",
            Pattern.DOTALL);
    private static final Pattern TABLE_AFTER_KEYWORD = Pattern.compile(
            "\\b(delete\\s+from|from|join|into|update|table)\\s+(\\w+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern CREATED_TABLE = Pattern.compile(
            "create\\s+table\\s+(?:if\\s+not\\s+exists\\s+)?(\\w+)", Pattern.CASE_INSENSITIVE);

    /** One table named in one string of one source file. */
    record Use(String module, String file, String table, boolean writes) {
    }

    @Test
    void everyTableOfTheMigrationsHasAnOwner() throws IOException {
        Set<String> created = new TreeSet<>();
        for (Path migration : files(MIGRATIONS, ".sql")) {
            Matcher m = CREATED_TABLE.matcher(Files.readString(migration));
            while (m.find()) {
                created.add(m.group(1).toLowerCase(Locale.ROOT));
            }
        }
        created.removeIf(t -> t.startsWith("flyway_"));
        assertThat(OWNERS.keySet()).as("the owner map names exactly the tables the migrations create")
                .containsExactlyInAnyOrderElementsOf(created);
    }

    @Test
    void onlyItsOwnerTouchesATableAndTheReadModelsOnlyRead() throws IOException {
        List<Use> uses = uses();
        assertThat(uses).as("the scan finds the SQL of the main sources").hasSizeGreaterThan(50);
        assertThat(uses).extracting(Use::module).contains("lead", "consent", "scoring", "channel.email");
        List<String> trespasses = new ArrayList<>();
        for (Use use : uses) {
            String owner = OWNERS.get(use.table());
            boolean allowed = use.module().equals(owner) || READ_MODELS.contains(use.module()) && !use.writes();
            if (!allowed) {
                trespasses.add(use.file() + " (" + use.module() + ") " + (use.writes() ? "writes" : "reads") + " "
                        + use.table() + ", which " + owner + " owns: ask " + owner + " through its API");
            }
        }
        assertThat(trespasses).isEmpty();
    }

    @Test
    void theScanTellsReadsFromWrites() {
        assertThat(usesIn("x", "X.java", "\"delete from leads where id = ?\"")).containsExactly(
                new Use("x", "X.java", "leads", true));
        assertThat(usesIn("x", "X.java", "\"\"\"\n select l.* from handoffs h join leads l on l.id = h.lead_id\"\"\""))
                .containsExactly(new Use("x", "X.java", "handoffs", false), new Use("x", "X.java", "leads", false));
        assertThat(usesIn("x", "X.java", "\"update leads set stage = ?\" + \"insert into stage_history\""))
                .extracting(Use::table, Use::writes).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("leads", true),
                        org.assertj.core.groups.Tuple.tuple("stage_history", true));
        assertThat(usesIn("x", "X.java", "\"No lead with id \" + id + \" from the form\"")).isEmpty();
    }

    private static List<Use> uses() throws IOException {
        List<Use> uses = new ArrayList<>();
        for (Path source : files(MAIN, ".java")) {
            String module = MAIN.relativize(source.getParent()).toString().replace('/', '.').replace('\\', '.');
            uses.addAll(usesIn(module, source.getFileName().toString(), Files.readString(source)));
        }
        return uses;
    }

    private static List<Use> usesIn(String module, String file, String source) {
        List<Use> uses = new ArrayList<>();
        Matcher literal = LITERAL.matcher(source);
        while (literal.find()) {
            String text = literal.group(1) != null ? literal.group(1) : literal.group(2);
            Matcher m = TABLE_AFTER_KEYWORD.matcher(text);
            while (m.find()) {
                String table = m.group(2).toLowerCase(Locale.ROOT);
                if (OWNERS.containsKey(table)) {
                    String keyword = m.group(1).toLowerCase(Locale.ROOT);
                    boolean writes = !keyword.equals("from") && !keyword.equals("join");
                    uses.add(new Use(module, file, table, writes));
                }
            }
        }
        return uses;
    }

    private static List<Path> files(Path root, String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
