package io.leadflow.consent;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What a person still wants from us: topics and frequency, set in the preference centre. */
@Component
public class Preferences {

    public static final List<String> TOPICS = List.of("newsletter", "product-news", "events");
    public static final List<String> FREQUENCIES = List.of("all", "weekly", "monthly");

    public record Choice(Set<String> topics, String frequency) {

        static final Choice DEFAULT = new Choice(new LinkedHashSet<>(TOPICS), "all");
    }

    private final JdbcClient jdbc;

    Preferences(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Choice of(String leadId) {
        Optional<Choice> stored = jdbc.sql("select topics, frequency from lead_preferences where lead_id = ?")
                .param(leadId)
                .query((rs, n) -> new Choice(new LinkedHashSet<>(Arrays.asList(rs.getString(1).split(","))),
                        rs.getString(2)))
                .optional();
        return stored.orElse(Choice.DEFAULT);
    }

    void save(String leadId, Choice choice, Instant now) {
        String topics = String.join(",", choice.topics());
        int updated = jdbc.sql("update lead_preferences set topics = ?, frequency = ?, updated_at = ? where lead_id = ?")
                .params(topics, choice.frequency(), Timestamp.from(now), leadId).update();
        if (updated == 0) {
            jdbc.sql("insert into lead_preferences (lead_id, topics, frequency, updated_at) values (?, ?, ?, ?)")
                    .params(leadId, topics, choice.frequency(), Timestamp.from(now)).update();
        }
    }
}
