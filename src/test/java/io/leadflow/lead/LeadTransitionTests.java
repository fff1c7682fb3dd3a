package io.leadflow.lead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.lead.Lead.Consent;
import io.leadflow.lead.Lead.Stage;
import io.leadflow.platform.ConflictException;
import io.leadflow.support.ServiceTestBase;

/**
 * A lead's stage and consent change only through {@link Transition}'s table: each transition moves the lead from
 * the states it names, leaves it in the states it names, and refuses every other state with an error naming the
 * lead, the from and the to. The leads are written straight into the table, without journeys, so that nothing but
 * the transitions under test moves them.
 */
class LeadTransitionTests extends ServiceTestBase {

    @Autowired
    Leads leads;

    @Autowired
    LeadRepository repository;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    JdbcClient jdbc;

    @Test
    void theTableNamesWhatEachTransitionDoesInEveryState() {
        for (Transition t : Transition.values()) {
            assertThat(t.from()).as(t + " moves from somewhere").isNotEmpty();
            assertThat(t.from()).as(t + ": a state both moves and stays").doesNotContainAnyElementsOf(
                    List.copyOf(t.stays()));
            assertThat(t.stays()).as(t + " repeated leaves the lead where it is").contains(t.to());
            Set<Enum<?>> all = new HashSet<>(t.ofStage() ? EnumSet.allOf(Stage.class) : EnumSet.allOf(Consent.class));
            for (Enum<?> state : all) {
                Transition.Effect effect = t.effectOn(state);
                assertThat(effect == Transition.Effect.MOVES).isEqualTo(t.from().contains(state));
                assertThat(effect == Transition.Effect.STAYS).isEqualTo(t.stays().contains(state));
            }
        }
        // the funnel only goes forward: nothing leads back to NEW, and an SQL is never recycled or disqualified
        assertThat(Transition.values()).noneMatch(t -> t.to() == Stage.NEW);
        assertThat(Transition.RECYCLE.effectOn(Stage.SQL)).isEqualTo(Transition.Effect.ILLEGAL);
        assertThat(Transition.DISQUALIFY.effectOn(Stage.SQL)).isEqualTo(Transition.Effect.ILLEGAL);
    }

    @Test
    void aLeadWalksTheFunnelAndEachStageIsKeptOnceInItsHistory() {
        String id = newLead();
        assertThat(inTx(() -> leads.confirmConsent(id, now()))).isTrue();
        assertThat(inTx(() -> leads.confirmConsent(id, now()))).as("a second confirmation changes nothing").isFalse();
        assertThat(inTx(() -> leads.enterNurture(id, now()))).isTrue();
        assertThat(inTx(() -> leads.qualify(id, now()))).isTrue();
        assertThat(inTx(() -> leads.qualify(id, now()))).as("an MQL scored again stays an MQL").isFalse();
        assertThat(inTx(() -> leads.enterNurture(id, now()))).as("a later nurture journey keeps the stage").isFalse();
        assertThat(inTx(() -> leads.acceptBySales(id, now()))).isTrue();
        assertThat(inTx(() -> leads.convert(id, now()))).isTrue();

        Lead lead = leads.get(id);
        assertThat(lead.stage()).isEqualTo(Stage.SQL);
        assertThat(lead.consent()).isEqualTo(Consent.CONFIRMED);
        assertThat(lead.confirmedAt()).isNotNull();
        assertThat(jdbc.sql("select stage from stage_history where lead_id = ? order by entered_at, stage").param(id)
                .query(String.class).list()).containsExactlyInAnyOrder("NEW", "NURTURE", "MQL", "SAL", "SQL");
        assertThat(jdbc.sql("select count(*) from stage_history where lead_id = ? and left_at is null").param(id)
                .query(Integer.class).single()).as("only the current stage is open").isEqualTo(1);
        assertThat(jdbc.sql("select first_nurture_at, first_mql_at, first_sal_at, first_sql_at from leads where id = ?")
                .param(id).query((rs, n) -> List.of(rs.getTimestamp(1) != null, rs.getTimestamp(2) != null,
                        rs.getTimestamp(3) != null, rs.getTimestamp(4) != null)).single())
                .containsOnly(true);
    }

    @Test
    void anIllegalTransitionNamesTheLeadTheFromAndTheToAndChangesNothing() {
        String id = newLead();
        assertThatThrownBy(() -> inTx(() -> leads.acceptBySales(id, now())))
                .isInstanceOfSatisfying(IllegalTransition.class, e -> {
                    assertThat(e.leadId()).isEqualTo(id);
                    assertThat(e.from()).isEqualTo(Stage.NEW);
                    assertThat(e.transition().to()).isEqualTo(Stage.SAL);
                })
                .hasMessageContaining(id).hasMessageContaining("NEW").hasMessageContaining("SAL");
        assertThat(leads.get(id).stage()).isEqualTo(Stage.NEW);

        inTx(() -> leads.qualify(id, now()));
        inTx(() -> leads.convert(id, now()));
        assertThatThrownBy(() -> inTx(() -> leads.recycle(id, now()))).isInstanceOf(IllegalTransition.class)
                .hasMessageContaining("from SQL to RECYCLED");
        assertThat(leads.get(id).stage()).isEqualTo(Stage.SQL);
        // a request that runs into one answers 409, as any conflict with the current state does
        assertThat(new IllegalTransition(id, Transition.RECYCLE, Stage.SQL)).isInstanceOf(ConflictException.class);
    }

    @Test
    void anUnsubscribedPersonIsSuppressedAndNeverConfirmedAgain() {
        String id = newLead();
        assertThat(inTx(() -> leads.unsubscribe(id, now()))).isTrue();
        Lead lead = leads.get(id);
        assertThat(lead.consent()).isEqualTo(Consent.UNSUBSCRIBED);
        assertThat(lead.suppressedReason()).isEqualTo("UNSUBSCRIBED");
        assertThat(inTx(() -> leads.confirmConsent(id, now()))).as("an import's proof of opt-in").isFalse();
        assertThat(inTx(() -> leads.expireConsent(id, now()))).isFalse();
        assertThat(inTx(() -> leads.unsubscribe(id, now()))).isFalse();
        assertThat(leads.get(id).consent()).isEqualTo(Consent.UNSUBSCRIBED);
    }

    @Test
    void anErasedLeadIsNeverMoved() {
        String id = newLead();
        tx.executeWithoutResult(s -> repository.erase(id, now(), false));
        for (Transition t : Transition.values()) {
            assertThat(inTx(() -> leads.move(id, t, now()))).as(t.name()).isFalse();
        }
        Lead lead = leads.get(id);
        assertThat(lead.stage()).isEqualTo(Stage.NEW);
        assertThat(lead.consent()).isEqualTo(Consent.PENDING);
        assertThat(inTx(() -> leads.qualify(UUID.randomUUID().toString(), now()))).as("an unknown lead").isFalse();
    }

    private String newLead() {
        String id = UUID.randomUUID().toString();
        String email = "transition." + id.substring(0, 8) + "@acme-corp.io";
        tx.executeWithoutResult(s -> repository.insert(id, LeadValidator.validate(new CaptureRequest(email, "Jane",
                "Doe", "Acme", "VP Marketing", "software", "1200", "FR", null, "test", null, null, null, "Yes", "en",
                null)), now()));
        return id;
    }

    private <T> T inTx(Supplier<T> work) {
        return tx.execute(s -> work.get());
    }

    /** Distinct instants, so that the stage history's order is the order of the calls. */
    private Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
