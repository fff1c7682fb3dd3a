package io.leadflow.channel.email;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.platform.Hashing;

/**
 * The versions of each email template ({@code email_template_versions}, {@code email_template_files}): a content
 * differing from the template's latest version becomes the next one, stored with its files. Nodes loading the same
 * files agree on the number, and one that loses a race for a number reads the winner's.
 */
@Component
class TemplateVersions {

    /** One version of a template: when it was first loaded, and from where. */
    record Version(int version, String checksum, Instant createdAt, String source) {
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;

    TemplateVersions(JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock) {
        this.jdbc = jdbc;
        // its own transaction, whoever asks: a race lost to another node must not spoil the caller's
        this.tx = new TransactionTemplate(transactions);
        this.tx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
    }

    /** The checksum of a template's content: every file's name and text, in file name order. */
    static String checksum(Map<String, String> files) {
        StringBuilder all = new StringBuilder();
        files.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(f -> all.append(f.getKey()).append('\0').append(f.getValue()).append('\0'));
        return Hashing.sha256(all.toString());
    }

    /** The version number of this content: the latest version's if the same, else a new version stored now. */
    int versionOf(String name, Map<String, String> files, String source) {
        String checksum = checksum(files);
        for (int attempt = 1; ; attempt++) {
            try {
                return tx.execute(s -> {
                    Optional<Version> latest = latest(name);
                    if (latest.isPresent() && latest.get().checksum().equals(checksum)) {
                        return latest.get().version();
                    }
                    int next = latest.map(v -> v.version() + 1).orElse(1);
                    jdbc.sql("""
                            insert into email_template_versions (name, version, checksum, source, created_at)
                            values (?, ?, ?, ?, ?)""")
                            .params(name, next, checksum, source.length() > 500 ? source.substring(0, 500) : source,
                                    Timestamp.from(clock.instant())).update();
                    files.forEach((file, content) -> jdbc.sql(
                            "insert into email_template_files (name, version, file, content) values (?, ?, ?, ?)")
                            .params(name, next, file, content).update());
                    return next;
                });
            } catch (DuplicateKeyException raced) {
                if (attempt == 3) {
                    throw raced;
                }
                // another node stored this number first: compare with its content and take the next one if needed
            }
        }
    }

    Optional<Version> latest(String name) {
        return jdbc.sql("""
                select version, checksum, created_at, source from email_template_versions
                 where name = ? order by version desc fetch first 1 rows only""")
                .param(name).query(TemplateVersions::version).optional();
    }

    /** Every version of the template, the newest first. */
    List<Version> history(String name) {
        return jdbc.sql("""
                select version, checksum, created_at, source from email_template_versions
                 where name = ? order by version desc""").param(name).query(TemplateVersions::version).list();
    }

    /** The files of one version, as it was loaded; empty when there is no such version. */
    Map<String, String> files(String name, int version) {
        Map<String, String> files = new LinkedHashMap<>();
        jdbc.sql("select file, content from email_template_files where name = ? and version = ? order by file")
                .params(name, version).query((rs, n) -> files.put(rs.getString("file"), rs.getString("content")))
                .list();
        return files;
    }

    private static Version version(ResultSet rs, int row) throws SQLException {
        return new Version(rs.getInt("version"), rs.getString("checksum"), rs.getTimestamp("created_at").toInstant(),
                rs.getString("source"));
    }
}
