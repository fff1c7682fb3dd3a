package io.leadflow.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.leadflow.handoff.Handoff.Status;
import io.leadflow.platform.InvalidInputException;

/** The report's arithmetic on a known set of handoffs, each due one hour after it was created. */
class HandoffReportsTests {

    private static final Instant T0 = Instant.parse("2026-11-02T09:00:00Z");
    private static final Instant NOW = T0.plus(Duration.ofHours(5));

    @Test
    void countsAnswersComplianceAndTheMedianTimeToAnswer() {
        List<Handoff> handoffs = List.of(
                handoff(Status.ACCEPTED, 30, null, null),
                handoff(Status.QUALIFIED, 90, 90, null),
                handoff(Status.REJECTED, null, 10, "NOT_A_FIT"),
                handoff(Status.REJECTED, null, 50, "NOT_A_FIT"),
                handoff(Status.OPEN, null, null, null),
                handoffDueLater(Status.OPEN));

        HandoffReports.Row row = HandoffReports.row("enterprise", "alice", handoffs, NOW);

        assertThat(row.handoffs()).isEqualTo(6);
        assertThat(row.accepted()).isEqualTo(1);
        assertThat(row.qualified()).isEqualTo(1);
        assertThat(row.rejected()).isEqualTo(2);
        assertThat(row.waiting()).isEqualTo(2);
        assertThat(row.breached()).as("answered at 90 min, and one still waiting past due").isEqualTo(2);
        assertThat(row.medianMinutesToAccept()).as("median of 10, 30, 50, 90").isEqualTo(40.0);
        assertThat(row.slaCompliancePercent()).as("3 in time of 5 answered or past due").isEqualTo(60.0);
        assertThat(row.rejectionReasons()).isEqualTo(Map.of("NOT_A_FIT", 2));
    }

    @Test
    void addsUpPipelineAndWonRevenuePerCurrencyAndTheMedianWorkingTimeToFirstTouch() {
        Handoff a = handoff(Status.QUALIFIED, 30, 90, null);
        Handoff b = handoff(Status.QUALIFIED, 20, 60, null);
        Handoff c = handoff(Status.ACCEPTED, 10, null, null);
        Handoff d = handoff(Status.OPEN, null, null, null);
        Map<Handoff, List<Opportunity>> opportunities = Map.of(
                a, List.of(opportunity(a, "WON", "15000.00", "EUR"), opportunity(a, "LOST", "5000", "EUR")),
                b, List.of(opportunity(b, "WON", "2500.50", "EUR"), opportunity(b, "OPEN", "8000", "USD")),
                c, List.of(opportunity(c, "OPEN", null, null)));
        // working minutes to the first call: 45, 15 and 120; d not touched yet
        Map<Handoff, Duration> touches = Map.of(a, Duration.ofMinutes(45), b, Duration.ofMinutes(15),
                c, Duration.ofMinutes(120));
        HandoffReports.AfterHandoff after = new HandoffReports.AfterHandoff() {
            @Override
            public List<Opportunity> opportunities(Handoff h) {
                return opportunities.getOrDefault(h, List.of());
            }

            @Override
            public Duration toFirstTouch(Handoff h) {
                return touches.get(h);
            }
        };

        HandoffReports.Row row = HandoffReports.row("enterprise", "alice", List.of(a, b, c, d), NOW, after);

        assertThat(row.touched()).isEqualTo(3);
        assertThat(row.medianBusinessMinutesToFirstTouch()).as("median of 15, 45, 120").isEqualTo(45.0);
        assertThat(row.opportunities()).isEqualTo(5);
        assertThat(row.won()).isEqualTo(2);
        assertThat(row.pipeline()).as("won, lost and open together; no amount counts 0")
                .containsOnlyKeys("EUR", "USD", "unknown");
        assertThat(row.pipeline().get("EUR")).isEqualByComparingTo("22500.50");
        assertThat(row.pipeline().get("USD")).isEqualByComparingTo("8000");
        assertThat(row.pipeline().get("unknown")).isEqualByComparingTo("0");
        assertThat(row.wonRevenue()).containsOnlyKeys("EUR");
        assertThat(row.wonRevenue().get("EUR")).isEqualByComparingTo("17500.50");
    }

    private static Opportunity opportunity(Handoff h, String status, String amount, String currency) {
        return new Opportunity("o-" + Math.random(), h.id(), status, amount == null ? null : new java.math.BigDecimal(amount),
                currency, null, null, T0, "OPEN".equals(status) ? null : NOW);
    }

    @Test
    void answersWithoutNumbersForAnEmptyPeriod() {
        HandoffReports.Row row = HandoffReports.row("smb", null, List.of(), NOW);

        assertThat(row.handoffs()).isZero();
        assertThat(row.medianMinutesToAccept()).isNull();
        assertThat(row.slaCompliancePercent()).isNull();
        assertThat(row.rejectionReasons()).isEmpty();
    }

    @Test
    void leavesComplianceOpenForASingleHandoffNotYetDue() {
        HandoffReports.Row row = HandoffReports.row("smb", "bob", List.of(handoffDueLater(Status.OPEN)), NOW);

        assertThat(row.waiting()).isEqualTo(1);
        assertThat(row.breached()).isZero();
        assertThat(row.slaCompliancePercent()).isNull();
    }

    @Test
    void refusesAPeriodThatIsBackwardsTooLongOrUnreadableNamingTheField() {
        HandoffReports reports = new HandoffReports(null, java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC), null,
                null);

        assertThatThrownBy(() -> reports.report("2026-11-30", "2026-11-01")).isInstanceOf(InvalidInputException.class)
                .satisfies(e -> assertThat(((InvalidInputException) e).errors().get(0).field()).isEqualTo("from"));
        assertThatThrownBy(() -> reports.report("2024-01-01", "2026-11-01"))
                .satisfies(e -> assertThat(((InvalidInputException) e).errors().get(0).field()).isEqualTo("to"));
        assertThatThrownBy(() -> reports.report("last week", null))
                .satisfies(e -> assertThat(((InvalidInputException) e).errors().get(0).field()).isEqualTo("from"));
    }

    /** Created at T0, due an hour later; answered (accepted or closed) that many minutes after creation. */
    private static Handoff handoff(Status status, Integer acceptedAfter, Integer closedAfter, String reason) {
        return new Handoff("h-" + Math.random(), "lead", "enterprise", "alice", "A", status, T0,
                T0.plus(Duration.ofHours(1)), null, null, 0, at(acceptedAfter), at(closedAfter), reason, null,
                new Handoff.Ladder(null, null, null, null, null, null), null);
    }

    private static Handoff handoffDueLater(Status status) {
        return new Handoff("h-" + Math.random(), "lead", "enterprise", "alice", "A", status, NOW.minusSeconds(60),
                NOW.plus(Duration.ofHours(1)), null, null, 0, null, null, null, null,
                new Handoff.Ladder(null, null, null, null, null, null), null);
    }

    private static Instant at(Integer minutes) {
        return minutes == null ? null : T0.plus(Duration.ofMinutes(minutes));
    }
}
