package io.leadflow.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/**
 * M8: a marketing-operations lead importing a contact file of {@code n} rows through {@code POST /api/imports} (with
 * proof of opt-in, so every new lead is confirmed and gets its ledger entry), then following it at
 * {@code GET /api/imports/{id}} until it is done. The file is what a CRM export looks like: country names, phone
 * numbers in national format, about 3% duplicates within the file, 1% invalid addresses, 0.5% domain typos.
 * Baseline: the same rows split on commas and written with plain JDBC batches of 500, one commit a batch, into a
 * table shaped like {@code leads}: no cleaning, no merge, no ledger.
 * <p>
 * M8H: the heap after a full GC, sampled while the import runs: the import streams, so the last sample should sit
 * near the first.
 */
final class ImportBench {

    private static final Pattern FIELD = Pattern.compile(
            "\"(id|status|rowsRead|created|merged|rejected|percent|finishedAt)\":\"?([A-Za-z0-9_:.\\-]+)\"?");
    private static final String[] COUNTRIES = {"France", "Germany", "FR", "Belgique", "United Kingdom", "Spain",
            "Italie", "DE", "Netherlands", "Suisse"};
    private static final String[] TITLES = {"VP Marketing", "Head of Growth", "Marketing Manager", "CMO",
            "Directeur commercial", "Sales Operations Analyst", "CEO", "Product Marketing Lead", "Intern",
            "Responsable marketing"};

    private ImportBench() {
    }

    static List<Metric> run(BenchApp app, int rows) throws Exception {
        System.out.printf("bench: M8 import of %,d rows…%n", rows);
        Path file = Files.createTempFile("leadflow-bench-import-", ".csv");
        try {
            write(file, rows, app.run());
            System.out.printf("bench: M8 file %,d MB%n", Files.size(file) / (1024 * 1024));
            double rawPerSecond = baseline(app.ctx().getBean(DataSource.class), file);
            System.out.printf("bench: M8 baseline: plain JDBC batches %,.0f rows/s%n", rawPerSecond);

            String base = "http://127.0.0.1:" + app.ctx().getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newHttpClient();
            String auth = "Basic " + Base64.getEncoder().encodeToString("demo:demo".getBytes(StandardCharsets.UTF_8));
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            long heapBefore = heapAfterGc(memory);
            // the import's own clock, which stamps its end (the bench moves it for other benchmarks)
            java.time.Clock clock = app.bean(java.time.Clock.class);
            java.time.Instant requested = clock.instant();
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(base
                    + "/api/imports?legalBasis=CONSENT_PROOF&fileName=bench.csv")).header("Authorization", auth)
                    .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofFile(file)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (accepted.statusCode() != 202) {
                throw new IllegalStateException("POST /api/imports answered " + accepted.statusCode() + ": "
                        + accepted.body());
            }
            String id = field(accepted.body(), "id");
            List<Long> heap = new ArrayList<>();
            String view = accepted.body();
            int shownPercent = -10;
            long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
            while (field(view, "status").equals("RUNNING")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Import " + id + " still running after 15 minutes: " + view);
                }
                Thread.sleep(2000);
                view = http.send(HttpRequest.newBuilder(URI.create(base + "/api/imports/" + id))
                        .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString()).body();
                heap.add(heapAfterGc(memory));
                int percent = Integer.parseInt(field(view, "percent"));
                if (percent >= shownPercent + 10) {
                    shownPercent = percent;
                    System.out.printf("bench: M8 %d%%: %s rows read, heap after GC %d MB%n", percent,
                            field(view, "rowsRead"), heap.get(heap.size() - 1) / (1024 * 1024));
                }
            }
            if (!field(view, "status").equals("DONE")) {
                throw new IllegalStateException("Import " + id + " ended " + view);
            }
            // from the request to the import's last commit, not to the poll that saw it (up to 2 s later)
            double seconds = Duration.between(requested, java.time.Instant.parse(field(view, "finishedAt")))
                    .toMillis() / 1e3;
            int read = Integer.parseInt(field(view, "rowsRead"));
            double perSecond = read / seconds;
            System.out.printf("bench: M8 %s rows in %.0f s: %s created, %s merged, %s rejected%n", read, seconds,
                    field(view, "created"), field(view, "merged"), field(view, "rejected"));

            // Flat: what the heap holds after GC late in the import against early in it (the first sample already
            // carries the chunk being written, the HTTP client's buffers and the JIT's code).
            long first = heap.isEmpty() ? heapBefore : heap.get(0);
            long last = heap.isEmpty() ? heapBefore : heap.get(heap.size() - 1);
            long peak = heap.stream().mapToLong(Long::longValue).max().orElse(heapBefore);
            double growthMb = (peak - first) / (1024.0 * 1024);
            System.out.printf("bench: M8H heap after GC: %d MB before, %d MB first sample, %d MB last, %d MB peak%n",
                    heapBefore >> 20, first >> 20, last >> 20, peak >> 20);
            return List.of(new Metric("M8", perSecond, "rows/s", rawPerSecond, perSecond / rawPerSecond,
                            ">=5000rows/s for " + (rows / 1000) + "k rows", perSecond >= 5000),
                    new Metric("M8H", peak >> 20, "MB", first >> 20, (double) peak / Math.max(1, first),
                            "peak-first<=32MB (flat)", growthMb <= 32));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A CRM export: header in French and English words, country names, national phone numbers, some mess. */
    private static void write(Path file, int rows, String run) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("Email,Prénom,Last name,Company,Job title,Country,Phone,Company size\n");
            for (int i = 0; i < rows; i++) {
                // every 33rd row repeats an address of the file; 1% invalid, 0.5% a typo of a big domain
                int person = i % 33 == 32 ? i - 17 : i;
                String email = i % 100 == 7 ? "not-an-address-" + i
                        : i % 200 == 11 ? "person" + i + "-" + run + "@gmial.com"
                                : "person" + person + "-" + run + "@company" + (person % 5000) + ".example";
                String country = COUNTRIES[person % COUNTRIES.length];
                String phone = i % 4 == 0 ? "" : "01 " + (10 + person % 90) + " " + (10 + person / 90 % 90) + " 45 67";
                out.write(email + ",First" + person + ",Last" + person + ",Company " + (person % 5000) + ","
                        + TITLES[person % TITLES.length] + "," + country + "," + phone + "," + (10 + person % 2000)
                        + "\n");
            }
        }
    }

    private static double baseline(DataSource ds, Path file) throws Exception {
        try (Connection c = ds.getConnection()) {
            c.createStatement().execute("create table if not exists bench_import_raw (like leads including defaults)");
            c.createStatement().execute("truncate bench_import_raw");
        }
        long started = System.nanoTime();
        int rows = 0;
        try (Connection c = ds.getConnection(); BufferedReader in = Files.newBufferedReader(file)) {
            c.setAutoCommit(false);
            PreparedStatement insert = c.prepareStatement("""
                    insert into bench_import_raw (id, email, first_name, last_name, company, job_title, country, phone,
                                                  company_size, source, consent, stage, created_at, updated_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'import', 'CONFIRMED', 'NEW', ?, ?)""");
            in.readLine();
            String line;
            int batch = 0;
            Timestamp now = Timestamp.from(Instant.now());
            while ((line = in.readLine()) != null) {
                String[] cells = line.split(",", -1);
                insert.setString(1, UUID.randomUUID().toString());
                for (int i = 0; i < 7; i++) {
                    insert.setString(i + 2, cells[i].isEmpty() ? null : cells[i]);
                }
                insert.setString(7, cells[5].substring(0, 2)); // a country code's width, no lookup
                insert.setInt(9, Integer.parseInt(cells[7]));
                insert.setTimestamp(10, now);
                insert.setTimestamp(11, now);
                insert.addBatch();
                rows++;
                if (++batch == 500) {
                    insert.executeBatch();
                    c.commit();
                    batch = 0;
                }
            }
            insert.executeBatch();
            c.commit();
        }
        double perSecond = rows / ((System.nanoTime() - started) / 1e9);
        try (Connection c = ds.getConnection()) {
            c.createStatement().execute("drop table bench_import_raw");
        }
        return perSecond;
    }

    private static long heapAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static String field(String json, String name) {
        Matcher m = FIELD.matcher(json);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return m.group(2);
            }
        }
        throw new IllegalStateException("No " + name + " in " + json);
    }
}
