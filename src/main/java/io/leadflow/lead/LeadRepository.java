package io.leadflow.lead;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import io.leadflow.lead.Lead.Consent;
import io.leadflow.lead.Lead.Stage;

/** The {@code leads} and {@code stage_history} tables; other modules reach them through {@link Leads}. */
@Repository
class LeadRepository {

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batch;

    LeadRepository(JdbcClient jdbc, NamedParameterJdbcTemplate batch) {
        this.jdbc = jdbc;
        this.batch = batch;
    }

    Optional<Lead> find(String id) {
        return jdbc.sql("select * from leads where id = ?").param(id).query(LeadRepository::map).optional();
    }

    List<Lead> findAll(Collection<String> ids) {
        return byParts(ids, "");
    }

    /** The leads of these ids matching {@code more} (SQL after the id list), read 500 ids a query. */
    private List<Lead> byParts(Collection<String> ids, String more) {
        List<String> all = List.copyOf(ids);
        List<Lead> found = new java.util.ArrayList<>();
        for (int from = 0; from < all.size(); from += 500) {
            List<String> part = all.subList(from, Math.min(all.size(), from + 500));
            found.addAll(jdbc.sql("select * from leads where id in ("
                    + String.join(",", java.util.Collections.nCopies(part.size(), "?")) + ")" + more).params(part)
                    .query(LeadRepository::map).list());
        }
        return found;
    }

    /**
     * The {@code limit} most engaged of these leads (engagement score, none counting as 0, then id), erased ones left
     * out. An account's leads may be thousands: each part of 500 ids gives its own best, of which the best are kept,
     * so no more than {@code limit} leads a part are read.
     */
    List<Lead> mostEngaged(Collection<String> ids, int limit) {
        Comparator<Lead> order = Comparator
                .comparing((Lead l) -> l.engagementScore() == null ? 0 : l.engagementScore()).reversed()
                .thenComparing(Lead::id);
        return byParts(ids, " and erased_at is null order by coalesce(engagement_score, 0) desc, id fetch first "
                + limit + " rows only").stream().sorted(order).limit(limit).toList();
    }

    Lead get(String id) {
        return find(id).orElseThrow(() -> new IllegalStateException("Lead " + id + " does not exist"));
    }

    /** Leads of that consent, not erased, after {@code afterId} in id order: keyset pages for long scans. */
    List<Lead> page(Consent consent, String afterId, int size) {
        return jdbc.sql("select * from leads where consent = ? and erased_at is null and id > ? order by id fetch first "
                + size + " rows only").params(consent.name(), afterId).query(LeadRepository::map).list();
    }

    long count(Consent consent) {
        return jdbc.sql("select count(*) from leads where consent = ? and erased_at is null").param(consent.name())
                .query(Long.class).single();
    }

    /**
     * The lead, its row locked until the transaction ends. Whoever changes a lead's consent, score or stage, and every
     * journey step that ends in a wait for one of those changes, takes this first: the step and the change then see
     * each other whole, never half-way, on one node or several (the change commits first and the step sees it, or
     * the step's wait is committed when the change looks for it).
     */
    Optional<Lead> lock(String id) {
        return jdbc.sql("select * from leads where id = ? for update").param(id).query(LeadRepository::map).optional();
    }

    /** On PostgreSQL through {@code ix_leads_person} (V37_1): its expressions are this query's, keep them identical. */
    List<Lead> sameNameAndCompany(Lead lead, int limit) {
        if (blank(lead.firstName()) || blank(lead.lastName()) || blank(lead.company())) {
            return List.of();
        }
        return jdbc.sql("""
                select * from leads
                 where id <> ? and erased_at is null and stage <> 'DISQUALIFIED' and lower(last_name) = ?
                   and lower(first_name) = ?
                   and lower(company) = ?
                 order by created_at fetch first ? rows only""")
                .params(lead.id(), lower(lead.lastName()), lower(lead.firstName()), lower(lead.company()), limit)
                .query(LeadRepository::map).list();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String lower(String s) {
        return s.trim().toLowerCase(java.util.Locale.ROOT);
    }

    Optional<Lead> findByEmail(String email) {
        return jdbc.sql("select * from leads where email = ?").param(LeadValidator.normaliseEmail(email))
                .query(LeadRepository::map).optional();
    }

    /**
     * Moves the lead's stage or consent to the transition's target when it is in one of its {@code from} states and
     * not erased; true when this call moved it. One conditional update: a racing change either commits first and this
     * one finds nothing to move, or waits for this one.
     */
    boolean move(String id, Transition transition, Instant now) {
        String to = transition.to().name();
        if (!transition.ofStage()) {
            String confirmedAt = transition.to() == Consent.CONFIRMED ? ", confirmed_at = :now" : "";
            return jdbc.sql("update leads set consent = :to, updated_at = :now" + confirmedAt
                            + " where id = :id and consent in (:from) and erased_at is null")
                    .param("to", to).param("from", transition.fromNames()).param("now", ts(now)).param("id", id)
                    .update() == 1;
        }
        Stage stage = (Stage) transition.to();
        boolean moved = jdbc.sql(stageUpdate(stage) + " where id = :id and stage in (:from) and erased_at is null")
                .param("to", to).param("from", transition.fromNames()).param("now", ts(now)).param("id", id)
                .update() == 1;
        if (moved) {
            enterStage(id, stage, now);
        }
        return moved;
    }

    /**
     * The update of a lead's stage ({@code :to} at {@code :now}); entering a funnel stage also keeps the first entry
     * into it on the lead row, which the reports read instead of joining the history.
     */
    private static String stageUpdate(Stage to) {
        String first = FIRST_ENTRY.get(to);
        return "update leads set stage = :to, updated_at = :now"
                + (first == null ? "" : ", " + first + " = coalesce(" + first + ", :now)");
    }

    /** Closes the stage the lead was in and opens the new one, for funnel reports. */
    private void enterStage(String id, Stage stage, Instant now) {
        jdbc.sql("update stage_history set left_at = ? where lead_id = ? and left_at is null").params(ts(now), id)
                .update();
        jdbc.sql("insert into stage_history (lead_id, stage, entered_at) values (?, ?, ?)")
                .params(id, stage.name(), ts(now)).update();
    }

    /** The column holding when a lead first entered each funnel stage after NEW (NEW is {@code created_at}). */
    static final Map<Stage, String> FIRST_ENTRY = Map.of(Stage.NURTURE, "first_nurture_at",
            Stage.MQL, "first_mql_at", Stage.SAL, "first_sal_at", Stage.SQL, "first_sql_at");

    void updateScore(String id, int fit, double engagement, String grade, Instant now) {
        jdbc.sql("update leads set fit_score = ?, engagement_score = ?, grade = ?, updated_at = ? where id = ?")
                .params(fit, engagement, grade, ts(now), id).update();
    }

    void assign(String id, String team, String owner, Instant now) {
        jdbc.sql("update leads set team = ?, owner = ?, updated_at = ? where id = ?")
                .params(team, owner, ts(now), id).update();
    }

    /** The lead the CRM knows under this id (the one its push answered with). */
    Optional<Lead> findByCrmId(String crmId) {
        return jdbc.sql("select * from leads where crm_id = ? and erased_at is null").param(crmId)
                .query(LeadRepository::map).list().stream().findFirst();
    }

    void setCrmId(String id, String crmId) {
        jdbc.sql("update leads set crm_id = ? where id = ?").params(crmId, id).update();
    }

    void markConfirmationSent(String id, Instant now) {
        jdbc.sql("update leads set confirmation_sent_at = ? where id = ?").params(ts(now), id).update();
    }

    void suppress(String id, String reason, Instant now) {
        jdbc.sql("update leads set suppressed_reason = ?, suppressed_at = ?, updated_at = ? where id = ? and suppressed_reason is null")
                .params(reason, ts(now), ts(now), id).update();
    }

    private static final String INSERT = """
            insert into leads (id, email, first_name, last_name, company, job_title, industry, company_size,
                               country, phone, source, utm_source, utm_medium, utm_campaign, language,
                               consent_text, consent, confirmed_at, stage, created_at, updated_at)
            values (:id, :email, :firstName, :lastName, :company, :jobTitle, :industry, :companySize,
                    :country, :phone, :source, :utmSource, :utmMedium, :utmCampaign, :language,
                    :consentText, :consent, :confirmedAt, 'NEW', :now, :now)""";

    void insert(String id, LeadValidator.CleanCapture c, Instant now) {
        jdbc.sql(INSERT).params(params(c, id, now)).param("consent", Consent.PENDING.name())
                .param("confirmedAt", null).update();
        jdbc.sql("insert into stage_history (lead_id, stage, entered_at) values (?, 'NEW', ?)").params(id, ts(now))
                .update();
    }

    /** A new lead of an import: its id and cleaned values. */
    record NewLead(String id, LeadValidator.CleanCapture values) {
    }

    /**
     * Inserts an import chunk's new leads in two batches (the leads, their first stage), confirmed when the import
     * holds proof of their opt-in.
     */
    void insertAll(List<NewLead> news, boolean confirmed, Instant now) {
        if (news.isEmpty()) {
            return;
        }
        SqlParameterSource[] rows = news.stream().map(n -> new MapSqlParameterSource(params(n.values(), n.id(), now))
                .addValue("consent", (confirmed ? Consent.CONFIRMED : Consent.PENDING).name())
                .addValue("confirmedAt", confirmed ? ts(now) : null)).toArray(SqlParameterSource[]::new);
        batch.batchUpdate(INSERT, rows);
        batch.batchUpdate("insert into stage_history (lead_id, stage, entered_at) values (:id, 'NEW', :now)", rows);
    }

    /** The leads holding these normalised addresses, by address: one query for a whole import chunk. */
    Map<String, Lead> findByEmails(Collection<String> emails) {
        if (emails.isEmpty()) {
            return Map.of();
        }
        return jdbc.sql("select * from leads where email in (:emails)").param("emails", emails)
                .query(LeadRepository::map).list().stream()
                .collect(Collectors.toMap(Lead::email, Function.identity(), (a, b) -> a));
    }

    /** An import's values fill only what we do not hold yet: what a person typed in a form stays. */
    void fillBlanks(String id, LeadValidator.CleanCapture c, Instant now) {
        jdbc.sql("""
                update leads set
                  first_name = coalesce(first_name, :firstName), last_name = coalesce(last_name, :lastName),
                  company = coalesce(company, :company), job_title = coalesce(job_title, :jobTitle),
                  industry = coalesce(industry, :industry), company_size = coalesce(company_size, :companySize),
                  country = coalesce(country, :country), phone = coalesce(phone, :phone),
                  source = coalesce(source, :source), utm_source = coalesce(utm_source, :utmSource),
                  utm_medium = coalesce(utm_medium, :utmMedium), utm_campaign = coalesce(utm_campaign, :utmCampaign),
                  language = coalesce(language, :language), consent_text = coalesce(consent_text, :consentText),
                  updated_at = :now
                where id = :id""")
                .params(params(c, id, now)).update();
    }

    /** Newly submitted non-empty values win; empty ones never wipe what we already hold. */
    void merge(String id, LeadValidator.CleanCapture c, Instant now) {
        jdbc.sql("""
                update leads set
                  first_name = coalesce(:firstName, first_name), last_name = coalesce(:lastName, last_name),
                  company = coalesce(:company, company), job_title = coalesce(:jobTitle, job_title),
                  industry = coalesce(:industry, industry), company_size = coalesce(:companySize, company_size),
                  country = coalesce(:country, country), phone = coalesce(:phone, phone),
                  source = coalesce(source, :source), utm_source = coalesce(utm_source, :utmSource),
                  utm_medium = coalesce(utm_medium, :utmMedium), utm_campaign = coalesce(utm_campaign, :utmCampaign),
                  language = coalesce(:language, language), consent_text = coalesce(:consentText, consent_text),
                  updated_at = :now
                where id = :id""")
                .params(params(c, id, now)).update();
    }

    private static Map<String, Object> params(LeadValidator.CleanCapture c, String id, Instant now) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", id);
        p.put("now", ts(now));
        p.put("email", c.email());
        p.put("firstName", c.firstName());
        p.put("lastName", c.lastName());
        p.put("company", c.company());
        p.put("jobTitle", c.jobTitle());
        p.put("industry", c.industry());
        p.put("companySize", c.companySize());
        p.put("country", c.country());
        p.put("phone", c.phone());
        p.put("source", c.source());
        p.put("utmSource", c.utmSource());
        p.put("utmMedium", c.utmMedium());
        p.put("utmCampaign", c.utmCampaign());
        p.put("language", c.language());
        p.put("consentText", c.consentText());
        return p;
    }

    Set<String> erasedAmong(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(jdbc.sql("select id from leads where id in (:ids) and erased_at is not null")
                .param("ids", ids).query(String.class).list());
    }

    /** Erased leads whose engine history is not deleted yet (PostgreSQL: through {@code ix_leads_erased_unpurged}). */
    List<String> erasedAwaitingEnginePurge(int limit) {
        return jdbc.sql("select id from leads where erased_at is not null and engine_purged_at is null order by erased_at fetch first "
                + limit + " rows only").query(String.class).list();
    }

    void markEnginePurged(String id, Instant now) {
        jdbc.sql("update leads set engine_purged_at = ? where id = ?").params(ts(now), id).update();
    }

    /**
     * Wipes every personal field; the row stays as a tombstone so the id answers 410. With {@code keepCampaign} the
     * lead's source and UTM tags (which name no one) stay, so that the funnel by source and campaign counts the
     * anonymous lead as before (retention); without, they go too (an erasure).
     */
    void erase(String id, Instant now, boolean keepCampaign) {
        jdbc.sql("""
                update leads set email = null, first_name = null, last_name = null, company = null, job_title = null,
                       industry = null, company_size = null, country = null, phone = null, language = null,
                       consent_text = null, crm_id = null, erased_at = ?, updated_at = ?"""
                + (keepCampaign ? "" : ", source = null, utm_source = null, utm_medium = null, utm_campaign = null")
                + " where id = ?").params(ts(now), ts(now), id).update();
    }

    static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /** Maps a row of {@code leads}. */
    static Lead map(ResultSet rs, int row) throws SQLException {
        int size = rs.getInt("company_size");
        Integer companySize = rs.wasNull() ? null : size;
        int fit = rs.getInt("fit_score");
        Integer fitScore = rs.wasNull() ? null : fit;
        double eng = rs.getDouble("engagement_score");
        Double engagement = rs.wasNull() ? null : eng;
        return new Lead(rs.getString("id"), rs.getString("email"), rs.getString("first_name"),
                rs.getString("last_name"), rs.getString("company"), rs.getString("job_title"),
                rs.getString("industry"), companySize, rs.getString("country"), rs.getString("phone"),
                rs.getString("source"), rs.getString("utm_source"), rs.getString("utm_medium"),
                rs.getString("utm_campaign"), rs.getString("language"), rs.getString("consent_text"),
                Consent.valueOf(rs.getString("consent")), Stage.valueOf(rs.getString("stage")), fitScore, engagement,
                rs.getString("grade"), rs.getString("owner"), rs.getString("team"), rs.getString("crm_id"),
                instant(rs, "confirmation_sent_at"), instant(rs, "confirmed_at"), rs.getString("suppressed_reason"),
                instant(rs, "suppressed_at"), instant(rs, "erased_at"), instant(rs, "created_at"),
                instant(rs, "updated_at"));
    }
}
