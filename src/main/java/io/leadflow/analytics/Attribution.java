package io.leadflow.analytics;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.leadflow.handoff.Revenue;

/**
 * Pipeline and won revenue by what brought the leads: the opportunities the CRM reported in a period (created in it),
 * each credited to its lead's sources, campaigns, nurture track or experiments by {@link AttributionModel}. Reads the
 * opportunities (handoff), the leads' capture (lead), their scored events (scoring), tracks (nurture) and experiments
 * (experiment); a read model, it never writes.
 *
 * <p>A lead's touches: its capture (source: the form, {@code import} or {@code api}; campaign: {@code utm_campaign}),
 * then each scored event with points before the opportunity was created (source: the {@code utm_source} of its URL,
 * else {@code email} for email events, {@code webinar} for webinar events, {@code web} otherwise; campaign: the
 * {@code utm_campaign} of its URL).
 */
@Component
class Attribution {

    /** Ids per query when reading the leads of many opportunities. */
    private static final int CHUNK = 500;

    record Report(Analytics.Period period, AttributionModel.By by, AttributionModel.Model model,
            List<AttributionModel.Row> rows, List<Total> total) {
    }

    /** Every opportunity of the period, per currency, credited once whatever the model. */
    record Total(String currency, int opportunities, BigDecimal pipeline, BigDecimal won, int wonOpportunities) {
    }

    private final JdbcClient jdbc;

    Attribution(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Report report(Analytics.Period period, AttributionModel.By by, AttributionModel.Model model) {
        List<AttributionModel.Case> cases = cases(period, by);
        Map<String, Total> totals = new java.util.TreeMap<>();
        for (AttributionModel.Case c : cases) {
            String currency = Revenue.currencyOf(c.currency());
            BigDecimal amount = Revenue.amountOf(c.amount());
            boolean won = "WON".equals(c.status());
            totals.merge(currency, new Total(currency, 1, amount, won ? amount : BigDecimal.ZERO, won ? 1 : 0),
                    (a, b) -> new Total(currency, a.opportunities() + b.opportunities(), a.pipeline().add(b.pipeline()),
                            a.won().add(b.won()), a.wonOpportunities() + b.wonOpportunities()));
        }
        return new Report(period, by, model, AttributionModel.attribute(cases, by, model),
                totals.values().stream().map(t -> new Total(t.currency(), t.opportunities(),
                        t.pipeline().setScale(2, java.math.RoundingMode.HALF_EVEN),
                        t.won().setScale(2, java.math.RoundingMode.HALF_EVEN), t.wonOpportunities())).toList());
    }

    private List<AttributionModel.Case> cases(Analytics.Period period, AttributionModel.By by) {
        record Opp(String id, String leadId, String status, BigDecimal amount, String currency, Instant createdAt) {
        }
        List<Opp> opportunities = jdbc.sql("""
                select id, lead_id, status, amount, currency, created_at from opportunities
                 where created_at >= ? and created_at < ? order by created_at, id""")
                .params(period.start(), period.end())
                .query((rs, n) -> new Opp(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBigDecimal(4),
                        rs.getString(5), rs.getTimestamp(6).toInstant()))
                .list();
        List<String> leadIds = opportunities.stream().map(Opp::leadId).distinct().toList();
        Map<String, List<AttributionModel.Touch>> touches = new HashMap<>();
        Map<String, String> tracks = new HashMap<>();
        for (int i = 0; i < leadIds.size(); i += CHUNK) {
            List<String> chunk = leadIds.subList(i, Math.min(leadIds.size(), i + CHUNK));
            if (by == AttributionModel.By.track) {
                jdbc.sql("select lead_id, track from nurture_status where lead_id in (:ids)").param("ids", chunk)
                        .query(rs -> {
                            tracks.put(rs.getString(1), rs.getString(2));
                        });
                continue;
            }
            if (by == AttributionModel.By.experiment) {
                jdbc.sql("""
                        select lead_id, experiment_key, variant, assigned_at from experiment_assignments
                         where lead_id in (:ids) order by assigned_at""").param("ids", chunk)
                        .query(rs -> {
                            touches.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(
                                    AttributionModel.Touch.experiment(rs.getTimestamp(4).toInstant(),
                                            rs.getString(2) + ":" + rs.getString(3)));
                        });
                continue;
            }
            jdbc.sql("select id, source, utm_campaign, created_at from leads where id in (:ids)").param("ids", chunk)
                    .query(rs -> {
                        touches.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(0,
                                AttributionModel.Touch.of(rs.getTimestamp(4).toInstant(), rs.getString(2),
                                        rs.getString(3)));
                    });
            jdbc.sql("""
                    select lead_id, type, url, occurred_at from engagement_events
                     where lead_id in (:ids) and scored = true and points > 0 order by occurred_at""")
                    .param("ids", chunk)
                    .query(rs -> {
                        String url = rs.getString(3);
                        touches.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(
                                AttributionModel.Touch.of(rs.getTimestamp(4).toInstant(),
                                        utm(url, "utm_source", channel(rs.getString(2))), utm(url, "utm_campaign", null)));
                    });
        }
        return opportunities.stream().map(o -> new AttributionModel.Case(o.id(), o.status(), o.amount(),
                o.currency(), o.createdAt(), tracks.get(o.leadId()), touches.getOrDefault(o.leadId(), List.of())))
                .toList();
    }

    /** The channel of an event that names none in its URL. */
    static String channel(String eventType) {
        String type = eventType == null ? "" : eventType.toUpperCase(Locale.ROOT);
        return type.startsWith("EMAIL") ? "email" : type.startsWith("WEBINAR") ? "webinar" : "web";
    }

    /** A UTM parameter of the URL, or the fallback. */
    static String utm(String url, String parameter, String fallback) {
        if (url == null || !url.contains("?")) {
            return fallback;
        }
        try {
            String query = URI.create(url.trim()).getRawQuery();
            if (query != null) {
                for (String pair : query.split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && pair.substring(0, eq).equalsIgnoreCase(parameter) && eq < pair.length() - 1) {
                        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    }
                }
            }
        } catch (IllegalArgumentException unreadable) {
            return fallback;
        }
        return fallback;
    }
}
