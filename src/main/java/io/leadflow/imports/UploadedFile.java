package io.leadflow.imports;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

import io.leadflow.platform.PayloadTooLargeException;

/**
 * An upload on this node's disk, for the moments between receiving it and storing it with its import: streamed, so a
 * large file never sits in memory, counted against the size limit as it comes, and hashed (SHA-256) on the way, so
 * the same file uploaded again is recognised before anything is stored.
 */
record UploadedFile(Path path, String sha256) {

    private static final Logger log = LoggerFactory.getLogger(UploadedFile.class);

    /** Writes {@code body} to a temporary file; refused once larger than {@code max}. */
    static UploadedFile receive(InputStream body, DataSize max) {
        Path file;
        String sha;
        try {
            file = Files.createTempFile("leadflow-import-", ".csv");
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            long limit = max.toBytes();
            try (InputStream in = body;
                    OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                    if (total > limit) {
                        Files.deleteIfExists(file);
                        throw new PayloadTooLargeException("The file is larger than leadflow.imports.max-size ("
                                + max.toMegabytes() + " MB): split it");
                    }
                    out.write(buffer, 0, n);
                }
            }
            sha = HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("The upload could not be stored: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new UploadedFile(file, sha);
    }

    /** Deletes the temporary file; a file that stays behind is only logged. */
    void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("Temporary import file {} could not be deleted: {}", path, e.getMessage());
        }
    }
}
