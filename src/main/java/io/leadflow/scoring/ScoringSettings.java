package io.leadflow.scoring;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param engagementHalfLife each event's points halve every this long
 * @param maxEventAge        events older than this are refused (400)
 * @param history            what is kept of past scores
 * @param backtest           how long a backtest request waits for its result before it answers with its progress
 */
@ConfigurationProperties("leadflow.scoring")
public record ScoringSettings(Duration engagementHalfLife, Duration maxEventAge, History history, Backtest backtest) {

    public ScoringSettings {
        history = history == null ? new History(true, Duration.ofDays(180)) : history;
        backtest = backtest == null ? new Backtest(Duration.ofSeconds(20)) : backtest;
    }

    /**
     * @param enabled   keep a row per grade or MQL change and per manual rescore (never one per event)
     * @param retention how long those rows are kept
     */
    public record History(boolean enabled, Duration retention) {
    }

    public record Backtest(Duration answerWithin) {
    }
}
