package io.leadflow.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.leadflow.lead.LeadImporter;
import io.leadflow.support.EmbeddedDatabase;
import io.leadflow.support.LeadflowNode;
import io.leadflow.support.OwnContext;

/**
 * A node that stops (a deployment, a SIGTERM) in the middle of a large import: the import ends between two chunks and
 * says where and what to do, instead of showing RUNNING for ever; every row it counted is in the database.
 */
@Tag(OwnContext.TAG)
class ImportShutdownTests {

    @Test
    void endsARunningImportBetweenTwoChunksWhenTheNodeStops() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        StringBuilder csv = new StringBuilder("email,first name\n");
        for (int i = 0; i < 200 * ImportService.CHUNK; i++) {
            csv.append("stop").append(i).append('.').append(tag).append("@acme-corp.io,Stella\n");
        }
        JdbcTemplate db = new JdbcTemplate(new DriverManagerDataSource(EmbeddedDatabase.jdbcUrl("import-stop-tests"),
                "postgres", ""));
        LeadflowNode node = LeadflowNode.start("import-stop", Map.of("spring.main.banner-mode", "off",
                "logging.level.io.leadflow", "WARN"));
        String id;
        try {
            id = node.bean(ImportService.class).start(new ByteArrayInputStream(csv.toString()
                    .getBytes(StandardCharsets.UTF_8)), new ImportService.Options(ImportService.LegalBasis.CONSENT_PROOF,
                            false, LeadImporter.Conflict.KEEP_EXISTING, Map.of(), "big.csv"), "demo").id();
            await().atMost(Duration.ofSeconds(30)).until(() -> db.queryForObject(
                    "select rows_read from imports where id = ?", Integer.class, id) >= 2 * ImportService.CHUNK);
        } finally {
            node.close();
        }

        Map<String, Object> after = db.queryForMap("select status, rows_read, created, error from imports where id = ?",
                id);
        assertThat(after.get("status")).isEqualTo("FAILED");
        int read = (Integer) after.get("rows_read");
        assertThat(read).isLessThan(200 * ImportService.CHUNK);
        assertThat(read % ImportService.CHUNK).as("whole chunks only").isZero();
        assertThat((String) after.get("error")).startsWith("The service stopped after row " + read)
                .contains("Upload the file again");
        assertThat(db.queryForObject("select count(*) from leads where email like ?", Integer.class,
                "%." + tag + "@acme-corp.io")).isEqualTo(after.get("created")).isEqualTo(read);
    }
}
