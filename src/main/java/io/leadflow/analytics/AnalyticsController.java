package io.leadflow.analytics;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import io.leadflow.platform.Csv;
import io.leadflow.platform.NotFoundException;

/**
 * {@code /analytics} (MARKETER, SALES_MANAGER): the funnel with conversion and velocity, MQLs per week against the
 * target, sources and campaigns, nurture tracks, double opt-in, emails, deliverability. Each chart reads one JSON
 * endpoint ({@code GET /api/analytics/funnel|sources|tracks|doi|emails|deliverability?from=&to=}) and has its CSV
 * ({@code GET /api/analytics/<report>.csv}). The deliverability section also reads whether marketing email is paused
 * ({@code GET /api/deliverability}, io.leadflow.channel.email), and a MARKETER or ADMIN resumes it from the page. The
 * experiments of the journeys come from
 * {@code GET /api/analytics/experiments} (io.leadflow.experiment); a MARKETER or ADMIN stops one or chooses its winner
 * from the page.
 */
@Controller
class AnalyticsController {

    private final Analytics analytics;
    private final DeliverabilityReport deliverability;
    private final Attribution attribution;

    AnalyticsController(Analytics analytics, DeliverabilityReport deliverability, Attribution attribution) {
        this.analytics = analytics;
        this.deliverability = deliverability;
        this.attribution = attribution;
    }

    /**
     * Pipeline and won revenue of the opportunities created in the period, credited to what brought their leads
     * ({@code by} source, campaign, track or experiment) by a {@code model} (first, last or linear touch).
     */
    @GetMapping(value = "/api/analytics/attribution", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Attribution.Report attribution(@RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String by,
            @RequestParam(required = false) String model) {
        return attribution.report(analytics.period(from, to), AttributionModel.By.of(by),
                AttributionModel.Model.of(model));
    }

    @GetMapping("/analytics")
    String page(@RequestParam(required = false) String from, @RequestParam(required = false) String to, Model model,
            HttpServletRequest request) {
        model.addAttribute("period", analytics.period(from, to));
        // the experiments' buttons, and the one resuming marketing email, only for those the API lets use them
        model.addAttribute("mayDecide", request.isUserInRole("MARKETER") || request.isUserInRole("ADMIN"));
        return "analytics";
    }

    @GetMapping(value = "/api/analytics/funnel", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Analytics.Funnel funnel(@RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        return analytics.funnel(analytics.period(from, to));
    }

    @GetMapping(value = "/api/analytics/sources", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    List<Analytics.Source> sources(@RequestParam(required = false) String from,
            @RequestParam(required = false) String to) {
        return analytics.sources(analytics.period(from, to));
    }

    @GetMapping(value = "/api/analytics/tracks", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    List<Analytics.Track> tracks(@RequestParam(required = false) String from,
            @RequestParam(required = false) String to) {
        return analytics.tracks(analytics.period(from, to));
    }

    @GetMapping(value = "/api/analytics/doi", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Analytics.Doi doi(@RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        return analytics.doi(analytics.period(from, to));
    }

    @GetMapping(value = "/api/analytics/emails", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Analytics.Emails emails(@RequestParam(required = false) String from, @RequestParam(required = false) String to) {
        return analytics.emails(analytics.period(from, to));
    }

    @GetMapping(value = "/api/analytics/deliverability", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    DeliverabilityReport.Deliverability deliverability(@RequestParam(required = false) String from,
            @RequestParam(required = false) String to) {
        return deliverability.report(analytics.period(from, to));
    }

    @GetMapping(value = "/api/analytics/{report}.csv", produces = "text/csv")
    ResponseEntity<byte[]> csv(@PathVariable String report, @RequestParam(required = false) String from,
            @RequestParam(required = false) String to, @RequestParam(required = false) String by,
            @RequestParam(required = false) String model) {
        Analytics.Period p = analytics.period(from, to);
        StringBuilder csv = new StringBuilder();
        switch (report) {
            case "funnel" -> {
                Analytics.Funnel f = analytics.funnel(p);
                csv.append("stage,reached,conversion_percent,median_hours_from_previous\r\n");
                f.stages().forEach(s -> row(csv, s.stage(), s.reached(), s.conversionPercent(),
                        s.medianHoursFromPrevious()));
                csv.append("\r\nweek,mql,target\r\n");
                f.mqlPerWeek().forEach(w -> row(csv, w.week(), w.mql(), w.target()));
            }
            case "sources" -> {
                csv.append("source,campaign,leads,mql,sql,mql_percent\r\n");
                analytics.sources(p).forEach(s -> row(csv, s.source(), s.campaign(), s.leads(), s.mql(), s.sql(),
                        s.mqlPercent()));
            }
            case "tracks" -> {
                csv.append("track,leads,mql,sql,sunset,mql_percent,sql_percent\r\n");
                analytics.tracks(p).forEach(t -> row(csv, t.track(), t.leads(), t.mql(), t.sql(), t.sunset(),
                        t.mqlPercent(), t.sqlPercent()));
            }
            case "doi" -> {
                Analytics.Doi d = analytics.doi(p);
                csv.append("submitted,confirmed,confirmation_percent,median_minutes_to_confirm\r\n");
                row(csv, d.submitted(), d.confirmed(), d.confirmationPercent(), d.medianMinutesToConfirm());
            }
            case "emails" -> {
                Analytics.Emails e = analytics.emails(p);
                csv.append("template,sent,failed,skipped,clicks,unsubscribes,bounces,complaints\r\n");
                e.templates().forEach(t -> row(csv, t.template(), t.sent(), t.failed(), t.skipped(), t.clicks(),
                        t.unsubscribes(), t.bounces(), t.complaints()));
                csv.append("\r\nclicks,unsubscribes,bounced_addresses,complaints,opens,sunsets\r\n");
                row(csv, e.clicks(), e.unsubscribes(), e.bouncedAddresses(), e.complaints(), e.opens(), e.sunsets());
            }
            case "deliverability" -> {
                DeliverabilityReport.Deliverability d = deliverability.report(p);
                csv.append("day,sent,hard_bounces,complaints,hard_bounce_rate,complaint_rate\r\n");
                d.days().forEach(x -> row(csv, x.day(), x.sent(), x.hardBounces(), x.complaints(),
                        plain(x.hardBounceRate()), plain(x.complaintRate())));
                csv.append("\r\ndomain,sent,hard_bounces,complaints,hard_bounce_rate,complaint_rate\r\n");
                d.providers().forEach(x -> row(csv, x.domain(), x.sent(), x.hardBounces(), x.complaints(),
                        plain(x.hardBounceRate()), plain(x.complaintRate())));
                csv.append("\r\nunsubscribes,marketing_emails_sent_after,longest_minutes_to_honour\r\n");
                row(csv, d.unsubscribes().count(), d.unsubscribes().marketingEmailsSentAfter(),
                        d.unsubscribes().longestMinutesToHonour());
            }
            case "attribution" -> {
                Attribution.Report a = attribution.report(p, AttributionModel.By.of(by),
                        AttributionModel.Model.of(model));
                csv.append(a.by()).append(",currency,opportunities,pipeline,won_opportunities,won,model\r\n");
                a.rows().forEach(r -> row(csv, r.key(), r.currency(), r.opportunities(), r.pipeline().toPlainString(),
                        r.wonOpportunities(), r.won().toPlainString(), a.model()));
                csv.append("\r\ncurrency,opportunities,pipeline,won_opportunities,won\r\n");
                a.total().forEach(t -> row(csv, t.currency(), t.opportunities(), t.pipeline().toPlainString(),
                        t.wonOpportunities(), t.won().toPlainString()));
            }
            default -> throw new NotFoundException("No report '" + report
                    + "': funnel, sources, tracks, doi, emails, deliverability or attribution");
        }
        return ResponseEntity.ok().contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header("Content-Disposition", "attachment; filename=\"" + report + "-" + p.from() + "-" + p.to()
                        + ".csv\"")
                .body(csv.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A fraction as a spreadsheet reads it: 0.0005, not 5.0E-4. */
    private static String plain(Double fraction) {
        return fraction == null ? null : java.math.BigDecimal.valueOf(fraction).stripTrailingZeros().toPlainString();
    }

    private static void row(StringBuilder csv, Object... cells) {
        for (int i = 0; i < cells.length; i++) {
            csv.append(i == 0 ? "" : ",").append(Csv.cell(cells[i] == null ? "" : cells[i].toString()));
        }
        csv.append("\r\n");
    }
}
