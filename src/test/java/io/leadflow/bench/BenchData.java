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

    /**
     * A year of Leadflow's own history for the analytics reports: {@code n} leads {@code an-00000001…} created evenly
     * over the 365 days before {@code now}, from six sources and twelve campaigns; 80 % confirm (within ten hours),
     * 20 % of those become MQL, 11 % SAL, 6 % SQL; confirmed leads are in a nurture track (executive, technical,
     * general, recycled), 15 % sunset; up to six emails each (doi-confirmation, welcome, three nurture emails, a
     * re-engagement) with their clicks, unsubscribes, bounces and complaints; {@code 20 × n} engagement events in the
     * 90 days after each capture (15 % clicks, 10 % opens); consent ledger entries. For the leads list (M14) each lead
     * also has a name, one of 50,000 companies, and once confirmed a score and a last activity within those 90 days
     * ({@code updated_at}), as scoring its events would have left them.
     */
    static void analyticsHistory(JdbcTemplate jdbc, int n, java.time.Instant now) {
        long started = System.nanoTime();
        String id = "'an-' || lpad(g::text, 8, '0')";
        String created = "(timestamptz '" + now + "' - ((g::bigint * 7919) % 525600) * interval '1 minute')";
        String r = "((g::bigint * 2654435761) % 1000)";
        String confirmed = "(g % 10 < 8)";
        String until = "timestamptz '" + now + "'";
        // 50,000 companies of about 20 leads each at a million, named from syllables so that a search on a part of
        // a name finds a few of them, as in a real base (not one shared "Company N" prefix that every name matches)
        String syllables = "(array['ka', 'lo', 'mi', 'ter', 'van', 'dor', 'ex', 'ul', 'bri', 'sen', 'qua', 'rix', 'no',"
                + " 'pel', 'ta', 'gan', 'vi', 'zo', 'mar', 'cel'])";
        String c = "((g::bigint * 7919) % 50000)";
        String company = "initcap(" + syllables + "[1 + C % 20] || " + syllables + "[1 + (C / 20) % 20] || "
                + syllables + "[1 + (C / 400) % 20]) || ' ' || (array['Labs', 'Systems', 'Group', 'Industries',"
                + " 'Software', 'Partners', 'Media', 'Logistics'])[1 + (C / 8000) % 8]";
        company = company.replace("C ", c + " ");
        jdbc.update("""
                insert into leads (id, email, first_name, last_name, company, job_title, country, language, source,
                                   utm_source, utm_campaign, consent, stage, confirmed_at, suppressed_reason,
                                   suppressed_at, fit_score, engagement_score, grade, created_at, updated_at)
                select ID, 'an' || g || '@bench-analytics' || (g % 997) || '.com',
                       (array['Anna', 'Louis', 'Chloé', 'Mehdi', 'Sofia', 'Jonas', 'Inès', 'Tom', 'Priya', 'Hugo',
                              'Lena', 'Omar'])[1 + g % 12],
                       (array['Martin', 'Bernard', 'Dubois', 'Müller', 'Schmidt', 'Smith', 'García', 'Rossi', 'Lefèvre',
                              'Nguyen', 'Kowalski', 'Moreau', 'Silva'])[1 + (g / 12) % 13],
                       COMPANY,
                       (array['VP Marketing', 'CEO', 'Developer', 'Analyst'])[1 + g % 4], 'FR', 'en',
                       (array['webinar', 'website', 'ads', 'referral', 'event', 'import'])[1 + g % 6],
                       'utm' || (g % 4),
                       'campaign-' || lpad((1 + (g / 6) % 12)::text, 2, '0'),
                       case when g % 97 = 0 then 'UNSUBSCRIBED' when CONFIRMED then 'CONFIRMED' else 'PENDING' end,
                       case when not CONFIRMED then 'NEW' when R < 60 then 'SQL' when R < 110 then 'SAL'
                            when R < 200 then 'MQL' else 'NURTURE' end,
                       case when CONFIRMED then CREATED + (5 + g % 600) * interval '1 minute' end,
                       case when g % 50 = 0 then 'HARD_BOUNCE' when g % 97 = 0 then 'UNSUBSCRIBED' end,
                       case when g % 50 = 0 or g % 97 = 0 then CREATED + interval '3 days' end,
                       case when CONFIRMED then R % 91 end,
                       case when CONFIRMED then ((g * 7) % 600) / 10.0 end,
                       case when not CONFIRMED then null when R % 91 >= 70 then 'A' when R % 91 >= 50 then 'B'
                            when R % 91 >= 30 then 'C' else 'D' end,
                       CREATED, case when CONFIRMED then least(UNTIL, CREATED + ((g * 31) % 2160) * interval '1 hour')
                                     else CREATED end
                  from generate_series(1, ?) g""".replace("ID", id).replace("COMPANY", company)
                .replace("CREATED", created).replace("CONFIRMED", confirmed).replace("UNTIL", until)
                .replace("R ", r + " "), n);
        String[][] stages = {
            {"NEW", "0", "true"},
            {"NURTURE", "10", confirmed},
            {"MQL", "(30 + R % 400)", confirmed + " and R < 200"},
            {"SAL", "(500 + R % 100)", confirmed + " and R < 110"},
            {"SQL", "(700 + R % 300)", confirmed + " and R < 60"}};
        for (String[] stage : stages) {
            jdbc.update("""
                    insert into stage_history (lead_id, stage, entered_at)
                    select ID, ?, least(UNTIL, CREATED + HOURS * interval '1 hour')
                      from generate_series(1, ?) g where WHEN""".replace("ID", id).replace("CREATED", created)
                    .replace("UNTIL", until).replace("HOURS", stage[1]).replace("WHEN", stage[2]).replace("R ", r + " ")
                    .replace("R)", r + ")"), stage[0], n);
        }
        // as Leads keeps them with each stage change: the first entry into each stage, on the lead row
        jdbc.update("""
                update leads l set first_nurture_at = s.nurture, first_mql_at = s.mql, first_sal_at = s.sal,
                                   first_sql_at = s.sql
                  from (select lead_id, min(case when stage = 'NURTURE' then entered_at end) as nurture,
                               min(case when stage = 'MQL' then entered_at end) as mql,
                               min(case when stage = 'SAL' then entered_at end) as sal,
                               min(case when stage = 'SQL' then entered_at end) as sql
                          from stage_history where lead_id like 'an-%' and stage <> 'NEW' group by lead_id) s
                 where l.id = s.lead_id""");
        jdbc.update("""
                insert into nurture_status (lead_id, track, track_chosen_at, sunset_at)
                select ID, case when g % 13 = 0 then 'recycled' when R % 7 < 2 then 'executive'
                                when R % 7 < 4 then 'technical' else 'general' end,
                       CREATED + interval '10 hours',
                       case when R >= 200 and R % 100 >= 85 then least(UNTIL, CREATED + interval '40 days') end
                  from generate_series(1, ?) g where CONFIRMED""".replace("ID", id).replace("CREATED", created)
                .replace("UNTIL", until).replace("CONFIRMED", confirmed).replace("R ", r + " "), n);
        // changed_at: each email last changed when it was sent, so a year's history is not all "changed just now"
        jdbc.update("""
                insert into email_outbox (id, lead_id, purpose, template, status, attempts, next_attempt_at, created_at,
                                          sent_at, clicks, unsubscribed_at, bounced_at, complained_at, changed_at)
                select ID || '-m' || k, ID, t.template, t.template,
                       case when (g + k) % 33 = 0 then 'SKIPPED' when (g + k) % 101 = 0 then 'FAILED' else 'SENT' end,
                       1, CREATED + k * interval '5 days', CREATED + k * interval '5 days',
                       case when (g + k) % 33 <> 0 and (g + k) % 101 <> 0 then CREATED + k * interval '5 days' end,
                       case when k > 0 and (g + k) % 5 = 0 then 1 + g % 3 else 0 end,
                       case when g % 97 = 0 and k = 2 then CREATED + interval '11 days' end,
                       case when g % 50 = 0 and k = 0 then CREATED + interval '1 hour' end,
                       case when g % 499 = 0 and k = 3 then CREATED + interval '16 days' end,
                       CREATED + k * interval '5 days'
                  from generate_series(1, ?) g
                  join (values (0, 'doi-confirmation'), (1, 'welcome'), (2, 'nurture-value'), (3, 'nurture-tips'),
                               (4, 'nurture-case-study'), (5, 're-engagement')) t(k, template)
                    on t.k = 0 or CONFIRMED
                 where CREATED + k * interval '5 days' <= UNTIL""".replace("ID", id).replace("CREATED", created)
                .replace("UNTIL", until).replace("CONFIRMED", confirmed), n);
        jdbc.update("""
                insert into engagement_events (id, lead_id, type, url, occurred_at, received_at, points, scored)
                select ID || '-e' || k, ID,
                       (array['EMAIL_CLICKED', 'EMAIL_CLICKED', 'EMAIL_CLICKED', 'EMAIL_OPENED', 'EMAIL_OPENED',
                              'PAGE_VIEW', 'PAGE_VIEW', 'PAGE_VIEW', 'PAGE_VIEW', 'PAGE_VIEW', 'PAGE_VIEW', 'PAGE_VIEW',
                              'PAGE_VIEW', 'PAGE_VIEW', 'PRICING_PAGE_VIEW', 'PRICING_PAGE_VIEW', 'CONTENT_DOWNLOADED',
                              'CONTENT_DOWNLOADED', 'WEBINAR_ATTENDED', 'FORM_SUBMITTED'])[1 + (g + k) % 20],
                       'https://bench.example/page/' || ((g + k) % 50),
                       least(UNTIL, CREATED + ((g * 31 + k * 977) % 2160) * interval '1 hour'),
                       least(UNTIL, CREATED + ((g * 31 + k * 977) % 2160) * interval '1 hour'), 5, CONFIRMED
                  from generate_series(1, ?) g, generate_series(1, 20) k""".replace("ID", id).replace("CREATED", created)
                .replace("UNTIL", until).replace("CONFIRMED", confirmed), n);
        // Far above the sealer's sequence, so that entries it seals later never collide with these.
        jdbc.update("""
                insert into consent_ledger (seq, lead_id, event, occurred_at, detail, previous_hash, hash)
                select 1000000000 + g::bigint * 3 + e.k, ID, e.event, CREATED + e.k * interval '1 hour', 'bench',
                       'bench', 'bench'
                  from generate_series(1, ?) g
                  join (values (0, 'SUBMITTED'), (1, 'CONFIRMED'), (2, 'UNSUBSCRIBED')) e(k, event)
                    on e.k = 0 or (e.k = 1 and CONFIRMED) or (e.k = 2 and g % 97 = 0)""".replace("ID", id)
                .replace("CREATED", created).replace("CONFIRMED", confirmed), n);
        System.out.printf("bench: %,d leads with a year of history and %,d events written in %.1f s%n", n, 20L * n,
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
