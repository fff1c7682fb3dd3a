package io.leadflow.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Stored data in bulk, written by PostgreSQL itself ({@code generate_series}) so that preparing a benchmark over
 * 100,000 leads takes seconds: varied job titles, sizes, industries, countries, domains and event types, the way
 * a year of captures would leave them.
 */
final class BenchData {

    private BenchData() {
    }

    /** {@code n} confirmed leads {@code <prefix>-00000001…} with {@code events} scored events each. */
    static void confirmedLeads(JdbcTemplate jdbc, String prefix, int n, int events) {
        long started = System.nanoTime();
        jdbc.update("""
                insert into leads (id, email, job_title, industry, company_size, country, language, source, consent,
                                   stage, confirmed_at, created_at, updated_at)
                select ? || '-' || lpad(g::text, 8, '0'),
                       ? || g || '@' || (array['acme', 'globex', 'initech', 'gmail', 'umbrella'])[1 + g % 5]
                              || (g % 997) || '.com',
                       (array['VP Marketing', 'CEO', 'Marketing Manager', 'Developer', 'Head of Sales', 'Analyst',
                              'Directrice marketing'])[1 + g % 7],
                       (array['software', 'finance', 'retail', 'manufacturing', 'education'])[1 + g % 5],
                       (array[8, 40, 250, 1200, 8000, 120])[1 + g % 6],
                       (array['FR', 'DE', 'US', 'GB', 'ES', 'BR', 'BE'])[1 + g % 7],
                       'en', 'bench', 'CONFIRMED', 'NURTURE',
                       now() - (g % 300) * interval '1 day', now() - (g % 300) * interval '1 day', now()
                  from generate_series(1, ?) g""", prefix, prefix, n);
        jdbc.update("""
                insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored)
                select ? || '-' || g || '-' || k, ? || '-' || lpad(g::text, 8, '0'),
                       (array['PAGE_VIEW', 'EMAIL_CLICKED', 'WEBINAR_ATTENDED', 'PAGE_VIEW', 'CONTENT_DOWNLOADED',
                              'DEMO_REQUESTED'])[1 + (g + k) % 6],
                       (array['https://bench.example/pricing', 'https://bench.example/blog/automation', null,
                              'https://bench.example/careers', null, null])[1 + (g + k) % 6],
                       now() - ((g * 7 + k * 13) % 2000) * interval '1 hour', now(), 0, true
                  from generate_series(1, ?) g, generate_series(1, ?) k""", prefix + "e", prefix, n, events);
        System.out.printf("bench: %,d leads with %,d events each written in %.1f s%n", n, events,
                (System.nanoTime() - started) / 1e9);
    }

    static InputStream stream(Path file) {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InputStream stream(String xml) {
        return new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8));
    }
}
