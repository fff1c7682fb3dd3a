package io.leadflow.imports;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;

import io.leadflow.support.UpgradeTests;

/**
 * The upgrade to V20, on H2 and on PostgreSQL: an import RUNNING when the new version is installed was started by a
 * node that kept its file on its own disk, which no node of the new version can read. It ends FAILED with the row
 * reached and what to do; finished imports keep their status and error.
 */
class ResumableImportsMigrationTests extends UpgradeTests {

    @Override
    protected String versionBefore() {
        return "19";
    }

    @Override
    protected void given(JdbcClient jdbc) {
        insert(jdbc, "I1", "RUNNING", 1500, null);
        insert(jdbc, "I2", "DONE", 800, null);
        insert(jdbc, "I3", "CANCELLED", 500, "Cancelled after row 500; rows before it are imported");
    }

    @Override
    protected void upgraded(JdbcClient jdbc) {
        Map<String, Object> running = row(jdbc, "I1");
        assertThat(running.get("status")).isEqualTo("FAILED");
        assertThat(running.get("finished_at")).isNotNull();
        assertThat((String) running.get("error")).contains("after row 1500")
                .contains("Upload the file again to import the rest");
        assertThat(row(jdbc, "I2")).containsEntry("status", "DONE").containsEntry("error", null);
        assertThat(row(jdbc, "I3")).containsEntry("status", "CANCELLED")
                .containsEntry("error", "Cancelled after row 500; rows before it are imported");
        assertThat(running.get("resumed")).isEqualTo(0);
        assertThat(running.get("cancel_requested")).isEqualTo(false);
    }

    private static void insert(JdbcClient jdbc, String id, String status, int rows, String error) {
        jdbc.sql("""
                insert into imports (id, file_sha256, file_name, status, legal_basis, repermission, conflict, created_at,
                                     rows_read, created, error)
                values (?, ?, 'contacts.csv', ?, 'NONE', false, 'KEEP_EXISTING', ?, ?, ?, ?)""")
                .params(id, "sha-" + id, status, Timestamp.from(Instant.parse("2026-11-30T10:00:00Z")), rows, rows,
                        error)
                .update();
    }

    private static Map<String, Object> row(JdbcClient jdbc, String id) {
        Map<String, Object> row = new java.util.HashMap<>();
        jdbc.sql("select status, finished_at, error, resumed, cancel_requested from imports where id = ?").param(id)
                .query().singleRow().forEach((k, v) -> row.put(k.toLowerCase(), v));
        return row;
    }
}
