package io.leadflow.qualification;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * {@code /desk}: the qualification desk's page. The leads waiting, soonest deadline first, each with its hints, its
 * account's other leads, possible duplicates and the decision form (which posts to the API); the latest decisions;
 * the last 30 days' figures.
 */
@Controller
class DeskPageController {

    /** The hints in words, for people. */
    static final Map<String, String> FLAG_WORDS = Map.of("COMPETITOR", "Competitor", "CAREERS_PAGES",
            "Visited careers pages", "FREE_MAIL", "Personal mailbox", "OPEN_OPPORTUNITY",
            "Open opportunity on the account", "POSSIBLE_DUPLICATE", "Possible duplicate");

    static final Map<String, String> REASON_WORDS = words(
            "NOT_READY", "Not ready yet", "NO_BUDGET", "No budget", "NO_NEED", "No need", "TIMING", "Timing",
            "NO_RESPONSE", "No response", "COMPETITOR", "Competitor", "JOB_SEEKER", "Job seeker", "STUDENT", "Student",
            "PARTNER", "Partner request", "DUPLICATE", "Duplicate", "INTERNAL", "Colleague or internal", "SPAM",
            "Spam or fake");

    /** Leads shown at once: the desk works from the top. */
    static final int SHOWN = 50;

    private final Qualifications qualifications;
    private final DeskViews views;
    private final DeskReports reports;

    DeskPageController(Qualifications qualifications, DeskViews views, DeskReports reports) {
        this.qualifications = qualifications;
        this.views = views;
        this.reports = reports;
    }

    @GetMapping("/desk")
    String desk(Model model) {
        List<Qualification> open = qualifications.list(Qualification.OPEN, SHOWN);
        model.addAttribute("rows", open.stream().map(views::detail).toList());
        model.addAttribute("done", qualifications.list(Qualification.DONE, 20).stream().map(views::detail).toList());
        model.addAttribute("report", reports.report(null, null));
        model.addAttribute("flagWords", FLAG_WORDS);
        model.addAttribute("reasonWords", REASON_WORDS);
        model.addAttribute("nurtureReasons", Qualifications.NURTURE_REASONS);
        model.addAttribute("disqualifyReasons", Qualifications.DISQUALIFY_REASONS);
        model.addAttribute("budgets", Qualifications.BUDGETS);
        model.addAttribute("authorities", Qualifications.AUTHORITIES);
        model.addAttribute("timelines", Qualifications.TIMELINES);
        return "desk";
    }

    private static Map<String, String> words(String... pairs) {
        Map<String, String> words = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            words.put(pairs[i], pairs[i + 1]);
        }
        return words;
    }
}
