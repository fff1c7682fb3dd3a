package io.leadflow.channel.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import io.leadflow.platform.Hashing;

/** The scripts other sites embed: read once from {@code web/} on the classpath, served cacheable by any page. */
final class Scripts {

    private static final MediaType JAVASCRIPT = new MediaType("text", "javascript", StandardCharsets.UTF_8);

    private Scripts() {
    }

    static String read(String name) {
        try (InputStream in = new ClassPathResource("web/" + name).getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("web/" + name + " is missing from the build", e);
        }
    }

    static ResponseEntity<String> serve(String body, Duration maxAge) {
        return ResponseEntity.ok().contentType(JAVASCRIPT).cacheControl(CacheControl.maxAge(maxAge).cachePublic())
                .eTag(Hashing.sha256(body).substring(0, 16)).body(body);
    }
}
