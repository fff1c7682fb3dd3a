package io.leadflow.experiment;

/**
 * The arithmetic of a decision, on counts of leads and of those who reached the metric: Wilson's score interval for
 * a rate, and the two-sided two-proportion z-test (pooled) for a difference between two rates. Both are the textbook
 * forms; they hold when each variant has some tens of leads and successes, which the minimum sample ensures.
 */
final class Statistics {

    private Statistics() {
    }

    /** A rate with its interval at a confidence level. */
    record Interval(double rate, double low, double high) {
    }

    /** Wilson's score interval of {@code successes / n} at {@code confidence} (0.95); [0, 0] for no lead. */
    static Interval wilson(long successes, long n, double confidence) {
        if (n == 0) {
            return new Interval(0, 0, 0);
        }
        double z = zFor(confidence);
        double p = (double) successes / n;
        double z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new Interval(p, Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /**
     * The two-sided p-value of "both variants have the same rate" given {@code s1 / n1} and {@code s2 / n2}: 1 when the
     * rates cannot differ (no lead, or nobody or everybody reached the metric in both).
     */
    static double pValue(long s1, long n1, long s2, long n2) {
        if (n1 == 0 || n2 == 0) {
            return 1;
        }
        double pooled = (double) (s1 + s2) / (n1 + n2);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        if (se == 0) {
            return 1;
        }
        double z = Math.abs((double) s1 / n1 - (double) s2 / n2) / se;
        return 2 * (1 - cdf(z));
    }

    /** The z of a two-sided interval at {@code confidence}: 1.96 for 0.95. */
    static double zFor(double confidence) {
        double target = 1 - (1 - confidence) / 2;
        double low = 0;
        double high = 10;
        for (int i = 0; i < 100; i++) {
            double mid = (low + high) / 2;
            if (cdf(mid) < target) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return (low + high) / 2;
    }

    /** The standard normal distribution function (Abramowitz and Stegun 26.2.17, error below 7.5e-8). */
    static double cdf(double x) {
        if (x < 0) {
            return 1 - cdf(-x);
        }
        double t = 1 / (1 + 0.2316419 * x);
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978
                + t * 1.330274429))));
        return 1 - Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI) * poly;
    }
}
