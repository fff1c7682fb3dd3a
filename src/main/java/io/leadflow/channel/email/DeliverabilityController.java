package io.leadflow.channel.email;

import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/deliverability}: whether marketing email is paused and why, the last emails' hard bounces and
 * complaints against their lines, the warm-up's allowance today and each throttled domain's last hour;
 * {@code POST /api/deliverability/resume} ends a pause ({@link SendingLimits}).
 */
@RestController
class DeliverabilityController {

    private final SendingLimits limits;
    private final java.time.Clock clock;

    DeliverabilityController(SendingLimits limits, java.time.Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    record Status(boolean paused, SendingLimits.SendingPause pause, Recent recent, WarmUp warmUp,
            List<DomainRate> domainRates, List<SendingLimits.SendingPause> pauses) {
    }

    /** The last emails since the last resume, against the lines that pause marketing email. */
    record Recent(int emails, int hardBounces, int complaints, double hardBounceRate, double complaintRate,
            double hardBounceLine, double complaintLine, int lastEmails, int minEmails) {
    }

    record WarmUp(String domain, LocalDate start, long allowedToday, long sentToday) {
    }

    record DomainRate(String domain, int perHour, long lastHour) {
    }

    @GetMapping(value = "/api/deliverability", produces = MediaType.APPLICATION_JSON_VALUE)
    Status status() {
        Instant now = clock.instant();
        var pause = limits.activePause().orElse(null);
        var recent = limits.recent();
        var lines = limits.settings().pause();
        var ramp = limits.settings().warmUp().get(limits.senderDomain());
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        WarmUp warmUp = ramp == null ? null : new WarmUp(limits.senderDomain(), ramp.start(), ramp.limitOn(today),
                limits.sentSince(today.atStartOfDay(ZoneOffset.UTC).toInstant(), now));
        List<DomainRate> rates = limits.settings().domainRates().entrySet().stream().sorted(java.util.Map.Entry
                .comparingByKey()).map(e -> new DomainRate(e.getKey(), e.getValue(),
                        limits.sentSince(now.minus(Duration.ofHours(1)), now, e.getKey()))).toList();
        return new Status(pause != null, pause, new Recent(recent.emails(), recent.hardBounces(), recent.complaints(),
                recent.hardBounceRate(), recent.complaintRate(), lines.hardBounceRate(), lines.complaintRate(),
                lines.lastEmails(), lines.minEmails()), warmUp, rates, limits.history(10));
    }

    @PostMapping(value = "/api/deliverability/resume", produces = MediaType.APPLICATION_JSON_VALUE)
    Status resume(Principal user) {
        limits.resume(user.getName());
        return status();
    }
}
