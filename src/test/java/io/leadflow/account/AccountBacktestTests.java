package io.leadflow.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.ServiceTestBase;

/**
 * The {@code account-score} table's backtest over every account of the shared database: the deployed table against
 * itself changes nothing, and a candidate that makes every account an MQA says exactly which ones it moves. Nothing is
 * written either way.
 */
class AccountBacktestTests extends ServiceTestBase {

    @Test
    void comparesTheDeployedTableWithACandidateOnEveryAccountWritingNothing() throws IOException {
        // one account of our own, so that the database holds at least one
        leadIdOf(confirmedDecisionMaker("bt"));
        JsonNode tables = read(postJson("/api/accounts/backtest", "demo", Map.of("decision", shipped())));
        assertThat(tables.path("status").asText()).isEqualTo("DONE");
        JsonNode same = tables.path("result");
        assertThat(same.path("table").asText()).isEqualTo("account-score");
        assertThat(same.path("accounts").asLong()).isPositive().isEqualTo(tables.path("total").asLong());
        assertThat(same.path("becomingMqa").asLong()).as("the deployed table against itself").isZero();
        assertThat(same.path("stoppingBeingMqa").asLong()).isZero();
        assertThat(same.path("scoreChanges").asLong()).isZero();
        assertThat(same.path("candidateVersion").isMissingNode()).as("a candidate is not deployed").isTrue();

        String everyoneIn = shipped().replace("<rule id=\"Rule_AccountScore_01\">", """
                <rule id="Rule_AccountScore_All">
                        <inputEntry id="InputEntry_All_1"><text></text></inputEntry>
                        <inputEntry id="InputEntry_All_2"><text></text></inputEntry>
                        <inputEntry id="InputEntry_All_3"><text></text></inputEntry>
                        <inputEntry id="InputEntry_All_4"><text></text></inputEntry>
                        <outputEntry id="OutputEntry_All_1"><text>99</text></outputEntry>
                        <outputEntry id="OutputEntry_All_2"><text>true</text></outputEntry>
                        <outputEntry id="OutputEntry_All_3"><text>"every account"</text></outputEntry>
                      </rule>
                      <rule id="Rule_AccountScore_01">""");
        ResponseEntity<String> answered = postJson("/api/accounts/backtest", "demo", Map.of("decision", everyoneIn));
        assertThat(answered.getStatusCode()).as(answered.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(answered.getHeaders().getLocation().toString()).startsWith("/api/accounts/backtest/");
        JsonNode all = read(answered).path("result");
        long accounts = all.path("accounts").asLong();
        assertThat(all.path("mqaCandidate").asLong()).isEqualTo(accounts);
        assertThat(all.path("becomingMqa").asLong()).isEqualTo(accounts - all.path("mqaNow").asLong());
        assertThat(all.path("stoppingBeingMqa").asLong()).isZero();
        assertThat(all.path("scoreChanges").asLong()).isEqualTo(accounts);
        assertThat(all.path("becomeMqa").size()).isEqualTo((int) Math.min(10, all.path("becomingMqa").asLong()));
        all.path("becomeMqa").forEach(m -> {
            assertThat(m.path("scoreCandidate").asInt()).isEqualTo(99);
            assertThat(m.path("mqaNow").asBoolean()).isFalse();
            assertThat(m.path("reasonCandidate").asText()).isEqualTo("every account");
        });
        JsonNode again = read(get(answered.getHeaders().getLocation().toString(), "demo"));
        assertThat(again.path("result")).isEqualTo(all);
        assertThat(read(get("/api/accounts/" + all.path("becomeMqa").get(0).path("accountId").asText(), "demo"))
                .path("mqa").asBoolean()).as("nothing written").isFalse();
    }

    @Test
    void namesWhatItCannotUse() {
        assertProblem(postJson("/api/accounts/backtest", "demo", Map.of()), HttpStatus.BAD_REQUEST, "decision");
        assertProblem(postJson("/api/accounts/backtest", "demo", Map.of("decision", "<definitions/>")),
                HttpStatus.BAD_REQUEST, "decision");
        assertProblem(postJson("/api/accounts/backtest", "demo", Map.of("version", 0)), HttpStatus.BAD_REQUEST,
                "version");
        assertThat(postJson("/api/accounts/backtest", "demo", Map.of("version", 999)).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(postJson("/api/accounts/backtest", "bob", Map.of("version", 1)).getStatusCode())
                .as("marketers and admins").isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(get("/api/accounts/backtest/nope", "demo").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    private static String shipped() throws IOException {
        return Files.readString(Path.of("dmn/account-score.dmn"));
    }

    private void assertProblem(ResponseEntity<String> response, HttpStatus status, String field) {
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(status);
        assertThat(response.getBody()).contains("\"field\":\"" + field + "\"");
    }
}
