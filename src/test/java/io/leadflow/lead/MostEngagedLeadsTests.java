package io.leadflow.lead;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

import io.leadflow.support.ServiceTestBase;

/** An account's most engaged leads, as the desk shows them, among more ids than one query takes. */
class MostEngagedLeadsTests extends ServiceTestBase {

    @Autowired
    Leads leads;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void keepsTheMostEngagedOfThousandsOfLeadsLeavingTheErasedOut() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Timestamp now = Timestamp.from(Instant.now());
        List<Object[]> rows = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 1_234; i++) {
            String id = run + "-" + String.format("%04d", i);
            ids.add(id);
            // scores spread over every part of 500 ids; every 7th has none (counts as 0); every 50th is erased
            Double score = i % 7 == 0 ? null : (double) ((i * 37) % 1_000);
            rows.add(new Object[] {id, i % 50 == 0 ? null : run + i + "@most-engaged.io", "CONFIRMED", "NURTURE", score,
                    now, now, i % 50 == 0 ? now : null});
        }
        jdbc.batchUpdate("insert into leads (id, email, consent, stage, engagement_score, created_at, updated_at,"
                + " erased_at) values (?, ?, ?, ?, ?, ?, ?, ?)", rows);
        ids.add("no-such-lead-" + run);

        try {
            assertMostEngaged(rows, ids);
        } finally {
            // rows without the rest of a lead: gone before other tests of the shared context look at all leads
            jdbc.update("delete from leads where id like ?", run + "-%");
        }
    }

    private void assertMostEngaged(List<Object[]> rows, List<String> ids) {
        List<String> expected = rows.stream().filter(r -> r[7] == null)
                .sorted(Comparator.comparing((Object[] r) -> r[4] == null ? 0.0 : (Double) r[4]).reversed()
                        .thenComparing(r -> (String) r[0]))
                .limit(20).map(r -> (String) r[0]).toList();

        assertThat(leads.mostEngaged(ids, 20)).extracting(Lead::id).containsExactlyElementsOf(expected);
        assertThat(leads.mostEngaged(ids.subList(0, 3), 20)).as("fewer than asked for")
                .extracting(Lead::id).containsExactly(ids.get(2), ids.get(1));
    }
}
