package io.leadflow.imports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The uploaded file of a running import, kept in {@code import_file_parts} rather than on a node's disk: any node can
 * then read it, so any node can finish the import. It is stored with the import's row and deleted when the import
 * ends.
 * <p>
 * The file is compressed (gzip) and cut in parts of {@value #PART} bytes: a CSV of contacts shrinks several times over
 * (7x for a generated 150,000-row file), so a large import writes its file to the database for a fraction of what its
 * rows cost, and no part is too large for one row.
 */
@Component
class ImportFiles {

    /** The stored file is compressed (gzip) and kept in parts of this size. */
    static final int PART = 256 * 1024;

    private final JdbcClient jdbc;
    private final JdbcTemplate batch;

    ImportFiles(JdbcClient jdbc, JdbcTemplate batch) {
        this.jdbc = jdbc;
        this.batch = batch;
    }

    /** Stores the upload of import {@code id}, in the caller's transaction. */
    void store(String id, Path file) {
        try (OutputStream out = new GZIPOutputStream(new PartWriter(id), 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            Files.copy(file, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The stored file of import {@code id}, uncompressed, read from the database a part at a time. gzip checks the
     * file read back whole: a missing part or a changed byte fails the read.
     */
    InputStream read(String id) throws IOException {
        return new GZIPInputStream(new StoredFile(id), 64 * 1024);
    }

    /** Drops the stored file of import {@code id}, in the caller's transaction. */
    void delete(String id) {
        jdbc.sql("delete from import_file_parts where import_id = ?").param(id).update();
    }

    /** Writes what it is given as rows of {@code import_file_parts}, {@value #PART} bytes each but the last. */
    private final class PartWriter extends OutputStream {
        private final String id;
        private final ByteArrayOutputStream part = new ByteArrayOutputStream(PART);
        private int next;

        PartWriter(String id) {
            this.id = id;
        }

        @Override
        public void write(int b) {
            part.write(b);
            if (part.size() == PART) {
                store();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            while (len > 0) {
                int n = Math.min(len, PART - part.size());
                part.write(b, off, n);
                off += n;
                len -= n;
                if (part.size() == PART) {
                    store();
                }
            }
        }

        @Override
        public void close() {
            if (part.size() > 0) {
                store();
            }
        }

        private void store() {
            batch.update("insert into import_file_parts (import_id, part_no, data) values (?, ?, ?)", id, next++,
                    part.toByteArray());
            part.reset();
        }
    }

    /** The stored upload as it was stored (compressed), read back a part at a time. */
    private final class StoredFile extends InputStream {
        private final String id;
        private int next;
        private byte[] part = new byte[0];
        private int at;
        private boolean end;

        StoredFile(String id) {
            this.id = id;
        }

        private boolean fill() {
            while (at == part.length && !end) {
                Optional<byte[]> data = jdbc.sql("""
                        select data from import_file_parts where import_id = ? and part_no = ?""")
                        .params(id, next).query((rs, n) -> rs.getBytes(1)).optional();
                end = data.isEmpty();
                part = data.orElse(new byte[0]);
                at = 0;
                next++;
            }
            return at < part.length;
        }

        @Override
        public int read() {
            return fill() ? part[at++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, part.length - at);
            System.arraycopy(part, at, b, off, n);
            at += n;
            return n;
        }
    }
}
