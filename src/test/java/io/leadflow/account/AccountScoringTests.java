package io.leadflow.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;

import com.fasterxml.jackson.databind.JsonNode;

import io.leadflow.support.OwnContext;
import io.leadflow.support.ServiceTestBase;

/**
 * The {@code account-score} table on a company's engaged contacts, and the MQA's handoff of its best contact, in a
 * context of its own: the suite's shared context keeps the handoff off (its leads share one company domain).
 */
@Tag(OwnContext.TAG)
@TestPropertySource(properties = {"leadflow.accounts.mqa-handoff=true", "leadflow.accounts.rescore-every=PT0.2S",
        "leadflow.accounts.owner-on-accept=true",
        "camunda.bpm.generate-unique-process-engine-name=true"})
class AccountScoringTests extends ServiceTestBase {

    private final String domain = "s" + UUID.randomUUID().toString().substring(0, 8) + "-corp.io";

    @Test
    void makesAnAccountWithTwoEngagedLevelsAnMqaAndHandsItsBestContactToSales() {
        String vp = confirmed("vera@" + domain, "VP Marketing");
        String manager = confirmed("max@" + domain, "Marketing Manager");
        String quiet = confirmed("quinn@" + domain, "Marketing Manager");
        String accountId = read(get("/api/accounts?domain=" + domain, "demo")).get(0).path("id").asText();

        for (String lead : new String[] {vp, manager}) {
            postJson("/api/events", "demo", Map.of("leadId", lead, "type", "WEBINAR_ATTENDED"));
            postJson("/api/events", "demo", Map.of("leadId", lead, "type", "PRICING_PAGE_VIEW"));
        }

        JsonNode account = await().atMost(Duration.ofSeconds(30)).until(
                () -> read(get("/api/accounts/" + accountId, "demo")), a -> a.path("mqa").asBoolean());
        assertThat(account.path("score").asInt()).isEqualTo(75);
        assertThat(account.path("scoreReason").asText()).contains("two engaged contacts at two levels");
        JsonNode why = read(get("/api/accounts/" + accountId + "/score", "demo"));
        assertThat(why.path("inputs").path("engagedContacts").asInt()).isEqualTo(2);
        assertThat(why.path("inputs").path("seniorityLevels").asInt()).isEqualTo(2);
        assertThat(why.path("ruleId").asText()).isEqualTo("Rule_AccountScore_02");
        assertThat(why.path("decisionVersion").asInt()).isPositive();

        assertThat(read(get("/api/leads/" + vp, "demo")).path("stage").asText())
                .as("the best contact, though not an MQL by its own score").isEqualTo("MQL");
        await().atMost(Duration.ofSeconds(30)).until(() -> read(get("/api/handoffs?status=open", "demo"))
                .findParents("leadId").stream().anyMatch(h -> h.path("leadId").asText().equals(vp)));
        assertThat(read(get("/api/leads/" + manager, "demo")).path("stage").asText()).isEqualTo("NURTURE");
        assertThat(read(get("/api/leads/" + quiet, "demo")).path("stage").asText()).isEqualTo("NURTURE");
    }

    @Test
    void theRepWhoAcceptsAContactsHandoffOwnsTheAccountAndGetsItsNextMql() {
        String owned = "o" + UUID.randomUUID().toString().substring(0, 8) + "-corp.io";
        JsonNode first = handoffOfAnMql("ola", Map.of("email", "ola@" + owned));
        String owner = first.path("owner").asText();
        String accountId = read(get("/api/accounts?domain=" + owned, "demo")).get(0).path("id").asText();
        assertThat(read(get("/api/accounts/" + accountId, "demo")).path("owner").isMissingNode())
                .as("no owner before sales accepts").isTrue();

        // the handoff waits for sales once its CRM push is through: until then the API answers 409, try again
        await().atMost(Duration.ofSeconds(30)).until(() -> postJson("/api/handoffs/" + first.path("id").asText()
                + "/accept", owner, Map.of()).getStatusCode().is2xxSuccessful());

        JsonNode account = await().atMost(Duration.ofSeconds(30)).until(
                () -> read(get("/api/accounts/" + accountId, "demo")), a -> a.path("owner").asText().equals(owner));
        assertThat(account.path("ownerSetBy").asText()).isEqualTo("HANDOFF");
        // round robin would give the next lead to the other rep of the team: the account keeps its owner
        JsonNode second = handoffOfAnMql("per", Map.of("email", "per@" + owned));
        assertThat(second.path("owner").asText()).isEqualTo(owner);
        JsonNode why = read(get("/api/handoffs/" + second.path("id").asText(), "demo")).path("routing").get(0);
        assertThat(why.path("reason").asText()).isEqualTo(owner + " owns account " + owned + " (sticky)");
    }

    /** Captured from the newsletter form at this address and confirmed through the emailed link; its lead id. */
    private String confirmed(String email, String jobTitle) {
        postForm("/forms/newsletter", Map.of("email", email, "firstName", "Sam", "jobTitle", jobTitle, "company",
                "Scored Corp", "companySize", "1200", "country", "FR", "industry", "software"),
                MediaType.APPLICATION_JSON);
        postForm("/optin/confirm", Map.of("token", confirmationToken(email)), MediaType.TEXT_HTML);
        return leadIdOf(email);
    }
}
