package io.leadflow.consent;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.bind.annotation.ResponseStatus;

/**
 * Public pages behind the links in our emails. GET only shows a page (link scanners and previews follow links);
 * only a POST changes anything.
 */
@Controller
@RequestMapping("/optin")
class OptInController {

    private final ConsentService consent;
    private final Preferences preferences;

    OptInController(ConsentService consent, Preferences preferences) {
        this.consent = consent;
        this.preferences = preferences;
    }

    @GetMapping("/confirm")
    String confirmPage(@RequestParam(required = false) String token, Model model) {
        model.addAttribute("token", token);
        return "optin/confirm";
    }

    @PostMapping("/confirm")
    String confirm(@RequestParam(required = false) String token, HttpServletRequest request,
            HttpServletResponse response, Model model) {
        var outcome = consent.confirm(token, request.getRemoteAddr(), request.getHeader("User-Agent"));
        model.addAttribute("outcome", outcome.name());
        if (outcome == ConsentService.ConfirmOutcome.GONE) {
            response.setStatus(HttpStatus.GONE.value());
            return "optin/expired";
        }
        return "optin/confirmed";
    }

    /** The button behind a retention email's "keep me" link. */
    @GetMapping("/keep")
    String keepPage(@RequestParam(required = false) String token, Model model) {
        model.addAttribute("token", token);
        return "optin/keep";
    }

    @PostMapping("/keep")
    String keep(@RequestParam(required = false) String token, HttpServletRequest request,
            HttpServletResponse response, Model model) {
        var outcome = consent.keep(token, request.getRemoteAddr(), request.getHeader("User-Agent"));
        if (outcome == ConsentService.ConfirmOutcome.GONE) {
            response.setStatus(HttpStatus.GONE.value());
            return "optin/expired";
        }
        model.addAttribute("outcome", outcome.name());
        return "optin/kept";
    }

    @PostMapping("/resend")
    @ResponseStatus(HttpStatus.ACCEPTED)
    String resend(@RequestParam(required = false) String email, Model model) {
        if (email != null && !email.isBlank() && email.length() <= 254) {
            consent.requestNewLink(email);
        }
        return "optin/resent";
    }

    /** The unsubscribe button and the preference centre (topics, frequency) behind every unsubscribe link. */
    @GetMapping("/unsubscribe")
    String unsubscribePage(@RequestParam(required = false) String token, Model model, HttpServletResponse response) {
        var leadId = consent.leadOfUnsubscribeLink(token);
        if (leadId.isEmpty()) {
            response.setStatus(HttpStatus.GONE.value());
            return "optin/expired";
        }
        model.addAttribute("token", token);
        model.addAttribute("choice", preferences.of(leadId.get()));
        model.addAttribute("topics", Preferences.TOPICS);
        model.addAttribute("frequencies", Preferences.FREQUENCIES);
        return "optin/unsubscribe";
    }

    @PostMapping("/preferences")
    String savePreferences(@RequestParam(required = false) String token,
            @RequestParam(required = false) List<String> topics,
            @RequestParam(required = false) String frequency, HttpServletRequest request,
            HttpServletResponse response, Model model) {
        Set<String> chosen = new LinkedHashSet<>();
        if (topics != null) {
            topics.stream().filter(Preferences.TOPICS::contains).forEach(chosen::add);
        }
        String often = Preferences.FREQUENCIES.contains(frequency) ? frequency : "all";
        if (!consent.savePreferences(token, new Preferences.Choice(chosen, often), request.getRemoteAddr(),
                request.getHeader("User-Agent"))) {
            response.setStatus(HttpStatus.GONE.value());
            return "optin/expired";
        }
        model.addAttribute("choice", new Preferences.Choice(chosen, often));
        return "optin/preferences-saved";
    }

    /** RFC 8058 one-click: the mail client posts {@code List-Unsubscribe=One-Click} to the link itself. */
    @PostMapping(value = "/unsubscribe", params = "List-Unsubscribe")
    @ResponseBody
    String oneClickUnsubscribe(@RequestParam String token, HttpServletRequest request) {
        consent.unsubscribe(token, request.getRemoteAddr(), request.getHeader("User-Agent"), "one-click (RFC 8058)");
        return "You are unsubscribed.";
    }

    @PostMapping("/unsubscribe")
    String unsubscribe(@RequestParam(required = false) String token, HttpServletRequest request,
            HttpServletResponse response) {
        if (!consent.unsubscribe(token, request.getRemoteAddr(), request.getHeader("User-Agent"), "preference centre")) {
            response.setStatus(HttpStatus.GONE.value());
            return "optin/expired";
        }
        return "optin/unsubscribed";
    }
}
