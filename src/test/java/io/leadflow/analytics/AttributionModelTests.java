package io.leadflow.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.leadflow.analytics.AttributionModel.By;
import io.leadflow.analytics.AttributionModel.Case;
import io.leadflow.analytics.AttributionModel.Model;
import io.leadflow.analytics.AttributionModel.Row;
import io.leadflow.analytics.AttributionModel.Touch;
import io.leadflow.platform.InvalidInputException;

/** The credit of an opportunity's amount, by each model, on two leads whose story is known. */
class AttributionModelTests {

    private static final Instant T = Instant.parse("2026-06-01T10:00:00Z");

    /** Captured by a webinar (june), clicked an email, came back from LinkedIn; then won 900 EUR; then a tweet. */
    private static final Case WON = new Case("o-1", "WON", new BigDecimal("900.00"), "EUR", T.plusSeconds(600),
            "executive", List.of(
                    Touch.of(T, "webinar", "june"),
                    Touch.experiment(T.plusSeconds(50), "subject-line:B"),
                    Touch.of(T.plusSeconds(100), "email", null),
                    Touch.of(T.plusSeconds(200), "linkedin", "retarget"),
                    Touch.of(T.plusSeconds(900), "twitter", "late")));

    /** Captured by ads (may), an open opportunity of 100 EUR, in no track and no experiment. */
    private static final Case OPEN = new Case("o-2", "OPEN", new BigDecimal("100"), "EUR", T.plusSeconds(600),
            null, List.of(Touch.of(T, "ads", "may")));

    @Test
    void sharesEachOpportunityAmongTheTouchesBeforeItByTheModel() {
        assertThat(AttributionModel.shares(WON, By.source, Model.first)).isEqualTo(Map.of("webinar", 1.0));
        assertThat(AttributionModel.shares(WON, By.source, Model.last)).as("the tweet came after the opportunity")
                .isEqualTo(Map.of("linkedin", 1.0));
        assertThat(AttributionModel.shares(WON, By.source, Model.linear))
                .isEqualTo(Map.of("webinar", 1.0 / 3, "email", 1.0 / 3, "linkedin", 1.0 / 3));
        assertThat(AttributionModel.shares(WON, By.campaign, Model.linear))
                .isEqualTo(Map.of("june", 1.0 / 3, "(none)", 1.0 / 3, "retarget", 1.0 / 3));
        assertThat(AttributionModel.shares(WON, By.experiment, Model.linear)).isEqualTo(Map.of("subject-line:B", 1.0));
        assertThat(AttributionModel.shares(OPEN, By.experiment, Model.first)).isEqualTo(Map.of("(none)", 1.0));
        assertThat(AttributionModel.shares(WON, By.track, Model.last)).isEqualTo(Map.of("executive", 1.0));
        assertThat(AttributionModel.shares(OPEN, By.track, Model.linear)).isEqualTo(Map.of("(none)", 1.0));
    }

    @Test
    void addsUpPipelineAndWonRevenueToTheCentWithTheMostWonFirst() {
        List<Row> linear = AttributionModel.attribute(List.of(WON, OPEN), By.source, Model.linear);

        assertThat(linear).extracting(Row::key).containsExactly("email", "linkedin", "webinar", "ads");
        Row webinar = linear.get(2);
        assertThat(webinar.pipeline()).isEqualByComparingTo("300.00");
        assertThat(webinar.won()).isEqualByComparingTo("300.00");
        assertThat(webinar.opportunities()).isEqualTo(0.333);
        assertThat(webinar.wonOpportunities()).isEqualTo(0.333);
        Row ads = linear.get(3);
        assertThat(ads.pipeline()).isEqualByComparingTo("100.00");
        assertThat(ads.won()).isEqualByComparingTo("0");
        assertThat(ads.opportunities()).isEqualTo(1.0);
        assertThat(linear.stream().map(Row::pipeline).reduce(BigDecimal.ZERO, BigDecimal::add))
                .as("nothing lost or invented by the shares").isEqualByComparingTo("1000.00");

        List<Row> first = AttributionModel.attribute(List.of(WON, OPEN), By.source, Model.first);
        assertThat(first).extracting(Row::key).containsExactly("webinar", "ads");
        assertThat(first.get(0).won()).isEqualByComparingTo("900.00");
    }

    @Test
    void keepsCurrenciesApartAndCountsAMissingAmountAsNothing() {
        Case dollars = new Case("o-3", "LOST", new BigDecimal("50"), "USD", T.plusSeconds(10), null,
                List.of(Touch.of(T, "ads", "may")));
        Case noAmount = new Case("o-4", "WON", null, null, T.plusSeconds(10), null, List.of(Touch.of(T, "ads", "may")));

        List<Row> rows = AttributionModel.attribute(List.of(OPEN, dollars, noAmount), By.campaign, Model.first);

        assertThat(rows).extracting(r -> r.key() + " " + r.currency() + " " + r.pipeline() + " " + r.won())
                .containsExactly("may EUR 100.00 0.00", "may USD 50.00 0.00", "may unknown 0.00 0.00");
        assertThat(rows.get(2).wonOpportunities()).isEqualTo(1.0);
    }

    @Test
    void namesAnUnknownDimensionOrModel() {
        assertThat(By.of(null)).isEqualTo(By.source);
        assertThat(Model.of("")).isEqualTo(Model.linear);
        assertThat(Model.of("First")).isEqualTo(Model.first);
        assertThatThrownBy(() -> By.of("country")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("source, campaign, track or experiment");
        assertThatThrownBy(() -> Model.of("u-shaped")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("first, last or linear");
    }
}
