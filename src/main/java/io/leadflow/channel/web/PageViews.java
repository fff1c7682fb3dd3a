package io.leadflow.channel.web;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.platform.GoneException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.scoring.ScoringService;

/**
 * Page views from the tracking snippet. A known visitor's view is an engagement event of the lead, scored by
 * {@code engagement-points} like any other; an anonymous one waits under its first-party id, and becomes the lead's
 * the moment that browser is identified (a form submission or a tracked email link), or is purged after
 * {@code leadflow.web.tracking.anonymous-retention}.
 */
@Service
class PageViews {

    private static final Logger log = LoggerFactory.getLogger(PageViews.class);

    private final AnonymousVisits anonymous;
    private final ScoringService scoring;
    private final WebSettings settings;
    private final Clock clock;
    /** When each browser last viewed each page (per node: a reload hitting another node may count twice). */
    private final Map<String, Instant> lastViews = new ConcurrentHashMap<>();

    PageViews(AnonymousVisits anonymous, ScoringService scoring, WebSettings settings, Clock clock) {
        this.anonymous = anonymous;
        this.scoring = scoring;
        this.settings = settings;
        this.clock = clock;
    }

    /** {@code PRICING_PAGE_VIEW} for the configured pricing pages, else {@code PAGE_VIEW}. */
    String type(String path) {
        return settings.tracking().isPricingPage(path) ? "PRICING_PAGE_VIEW" : "PAGE_VIEW";
    }

    /**
     * Records one page view; with a lead, the browser's anonymous views first become the lead's events, in their
     * order and at their time. A view of the page this browser viewed within {@code repeat-view-window} is not
     * recorded again (the linking still happens).
     */
    @Transactional
    void record(String anonymousId, String url, String path, Optional<String> leadId) {
        String type = type(path);
        Instant now = clock.instant();
        boolean repeated = repeated(anonymousId + " " + url, now);
        if (leadId.isEmpty()) {
            if (!repeated) {
                anonymous.add(anonymousId, type, url, now);
            }
            return;
        }
        int linked = 0;
        for (AnonymousVisits.Visit visit : anonymous.take(anonymousId)) {
            if (event(leadId.get(), visit.type(), visit.url(), visit.occurredAt())) {
                linked++;
            }
        }
        if (linked > 0) {
            log.info("{} anonymous page views linked to lead {}", linked, leadId.get());
        }
        if (!repeated) {
            event(leadId.get(), type, url, now);
        }
    }

    private boolean repeated(String browserAndPage, Instant now) {
        Instant within = now.minus(settings.tracking().repeatViewWindow());
        boolean[] repeated = {false};
        lastViews.compute(browserAndPage, (key, last) -> {
            repeated[0] = last != null && last.isAfter(within) && !last.isAfter(now);
            return repeated[0] ? last : now;
        });
        if (lastViews.size() > 100_000) {
            lastViews.values().removeIf(last -> last.isBefore(within));
        }
        return repeated[0];
    }

    private boolean event(String leadId, String type, String url, Instant at) {
        try {
            scoring.record(new ScoringService.EventRequest(leadId, null, type, url, at.toString()));
            return true;
        } catch (InvalidInputException tooOld) {
            return false;
        } catch (NotFoundException | GoneException erased) {
            return false;
        }
    }

    /** Deletes anonymous page views older than the retention; runs every {@code leadflow.web.tracking.purge-every}. */
    @Scheduled(fixedDelayString = "${leadflow.web.tracking.purge-every:PT1H}", initialDelayString = "PT1M")
    int purge() {
        int purged = anonymous.deleteOlderThan(clock.instant().minus(settings.tracking().anonymousRetention()));
        if (purged > 0) {
            log.info("Purged {} anonymous page views older than {}", purged, settings.tracking().anonymousRetention());
        }
        return purged;
    }
}
