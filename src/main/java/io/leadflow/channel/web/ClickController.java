package io.leadflow.channel.web;

import java.net.URI;
import java.time.Clock;
import java.util.Base64;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.channel.email.EmailOutbox;
import io.leadflow.channel.email.EmailSettings;
import io.leadflow.channel.email.TrackedLinks;
import io.leadflow.platform.GoneException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.scoring.ScoringService;

/**
 * {@code GET /r/{token}}: a click on a link of a marketing email. Records {@code EMAIL_CLICKED} (scored like any
 * event, through {@code engagement-points}), counts the click on the email it came from and redirects to the URL the email carried; a token Leadflow did not
 * sign gets {@code 400}, so nobody can use us to redirect elsewhere. A link to a site of
 * {@code leadflow.web.allowed-origins} carries the visitor token after {@code #lf_v=}, where only
 * the tracking snippet on that page reads it: the fragment never reaches a server, a log or a {@code Referer}.
 * An expired link ({@code leadflow.mail.click-links-valid-for}), or one of the first format that carries no end,
 * still takes the person to Leadflow's own address or a site of {@code allowed-origins}, recording nothing; to any
 * other address it answers {@code 410}.
 * {@code GET /r/o/{token}}: the image of open tracking, which records {@code EMAIL_OPENED} while
 * {@code leadflow.mail.open-tracking} is on (and nothing when it is off, even for an image of an email sent while it
 * was on).
 */
@RestController
class ClickController {

    private static final Logger log = LoggerFactory.getLogger(ClickController.class);

    /** The smallest transparent GIF. */
    private static final byte[] PIXEL = Base64.getDecoder()
            .decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    private final TrackedLinks links;
    private final ScoringService scoring;
    private final EmailSettings mail;
    private final SiteOrigins sites;
    private final VisitorTokens visitors;
    private final EmailOutbox outbox;
    private final Clock clock;

    ClickController(TrackedLinks links, ScoringService scoring, EmailSettings mail, SiteOrigins sites,
            VisitorTokens visitors, EmailOutbox outbox, Clock clock) {
        this.outbox = outbox;
        this.clock = clock;
        this.links = links;
        this.scoring = scoring;
        this.mail = mail;
        this.sites = sites;
        this.visitors = visitors;
    }

    @GetMapping("/r/o/{token}")
    ResponseEntity<byte[]> open(@PathVariable String token) {
        TrackedLinks.Open open = links.verifyOpen(token).orElseThrow(() -> InvalidInputException.of("token",
                "is not an image Leadflow put in an email"));
        if (mail.openTracking()) {
            try {
                scoring.record(new ScoringService.EventRequest(open.leadId(), null, "EMAIL_OPENED", null, null));
            } catch (RuntimeException notRecorded) {
                log.info("Open of lead {} not recorded: {}", open.leadId(), notRecorded.getMessage());
            }
        }
        return ResponseEntity.ok().contentType(MediaType.IMAGE_GIF)
                .cacheControl(CacheControl.noStore()).body(PIXEL);
    }

    @GetMapping("/r/{token}")
    ResponseEntity<Void> click(@PathVariable String token) {
        TrackedLinks.Click click = links.verify(token).orElseThrow(() -> InvalidInputException.of("token",
                "is not a link Leadflow wrote: it may have been cut or altered; open the link from the email again"));
        if (!click.validAt(clock.instant())) {
            if (!sites.ours(click.url())) {
                throw new GoneException("This link of an email has expired: open the site from a newer email");
            }
            return ResponseEntity.status(HttpStatus.FOUND).location(URI.create(click.url())).build();
        }
        try {
            scoring.record(new ScoringService.EventRequest(click.leadId(), null, "EMAIL_CLICKED", click.url(), null));
            outbox.recordClick(click.leadId(), click.purpose());
        } catch (RuntimeException notRecorded) {
            // an erased lead, or a database hiccup: the person still gets where they wanted to go
            log.info("Click of lead {} not recorded: {}", click.leadId(), notRecorded.getMessage());
        }
        URI target;
        try {
            target = URI.create(click.url());
            if (target.getRawFragment() == null && sites.configured(click.url())) {
                target = URI.create(click.url() + "#lf_v=" + visitors.issue(click.leadId()));
            }
        } catch (IllegalArgumentException unusable) {
            throw InvalidInputException.of("token", "points to an address a browser cannot open");
        }
        return ResponseEntity.status(HttpStatus.FOUND).location(target).build();
    }
}
