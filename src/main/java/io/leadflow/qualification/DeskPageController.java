package io.leadflow.qualification;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import io.leadflow.platform.Texts;

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

    /** The reasons in words: {@link Texts#words} but for these, which say more. */
    static final Map<String, String> REASON_WORDS = reasonWords(Map.of("NOT_READY", "Not ready yet", "PARTNER",
            "Partner request", "INTERNAL", "Colleague or internal", "SPAM", "Spam or fake"));

    /** A code the form offers and its words. */
    record Choice(String code, String label) {
    }

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
        model.addAttribute("budgets", choices(Qualifications.BUDGETS));
        model.addAttribute("authorities", choices(Qualifications.AUTHORITIES));
        model.addAttribute("timelines", choices(Qualifications.TIMELINES));
        return "desk";
    }

    private static List<Choice> choices(List<String> codes) {
        return codes.stream().map(code -> new Choice(code, Texts.words(code))).toList();
    }

    private static Map<String, String> reasonWords(Map<String, String> better) {
        Map<String, String> words = new LinkedHashMap<>();
        java.util.stream.Stream.concat(Qualifications.NURTURE_REASONS.stream(),
                Qualifications.DISQUALIFY_REASONS.stream())
                .forEach(code -> words.put(code, better.getOrDefault(code, Texts.words(code))));
        return words;
    }
}
