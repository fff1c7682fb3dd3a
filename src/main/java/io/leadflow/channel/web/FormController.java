package io.leadflow.channel.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.view.RedirectView;
import org.springframework.web.servlet.view.json.MappingJackson2JsonView;

import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.Lead;
import io.leadflow.lead.LeadService;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.InvalidInputException.FieldError;

/**
 * Public capture forms: {@code GET /forms/{id}} shows one, {@code POST /forms/{id}} takes a browser post or JSON
 * (the embedded form). Anyone may post any address, so the answer is the same for a new and a known one (no lead id,
 * consent state or visitor token) and a known person's data is only completed, never changed. A known visitor
 * (header {@code Leadflow-Visitor}, a token only Leadflow's own email links hand out) may leave out the address and
 * the fields we already hold.
 */
@Controller
class FormController {

    static final String VISITOR_HEADER = "Leadflow-Visitor";

    private final LeadService leads;
    private final Forms forms;
    private final String embedScript = Scripts.read("embed.js");

    FormController(LeadService leads, Forms forms) {
        this.leads = leads;
        this.forms = forms;
    }

    /** The script a site pastes where the form should appear (docs/marketers.md, "Embedded forms"). */
    @GetMapping("/forms/{formId}/embed.js")
    @ResponseBody
    ResponseEntity<String> embedScript(@PathVariable String formId) {
        forms.get(formId);
        return Scripts.serve(embedScript, Duration.ofMinutes(5));
    }

    @GetMapping("/forms/{formId}")
    String show(@PathVariable String formId, Model model) {
        FormSettings.Form form = forms.get(formId);
        model.addAttribute("formId", formId);
        model.addAttribute("form", form);
        model.addAttribute("fields", forms.questions(form, Optional.empty()));
        return "forms/form";
    }

    /** A plain HTML form post: browsers (Accept: text/html) get pages, scripts get JSON like the API. */
    @PostMapping(value = "/forms/{formId}", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ModelAndView submitForm(@PathVariable String formId, @RequestParam MultiValueMap<String, String> fields,
            HttpServletRequest http) {
        FormSettings.Form form = forms.get(formId);
        String accept = http.getHeader("Accept");
        if (accept == null || !accept.contains("text/html")) {
            capture(formId, form, request(fields.toSingleValueMap(), form), Optional.empty(), http);
            Map<String, ?> answer = answer(form);
            // only the answer: the page header's model attributes (platform.Navigation) are no part of it
            MappingJackson2JsonView view = new MappingJackson2JsonView();
            view.setModelKeys(answer.keySet());
            ModelAndView json = new ModelAndView(view, answer);
            json.setStatus(HttpStatus.ACCEPTED);
            return json;
        }
        try {
            capture(formId, form, request(fields.toSingleValueMap(), form), Optional.empty(), http);
        } catch (InvalidInputException e) {
            ModelAndView page = new ModelAndView("forms/form");
            page.addObject("formId", formId);
            page.addObject("form", form);
            page.addObject("fields", forms.questions(form, Optional.empty()));
            page.addObject("errors", e.errors());
            page.addObject("values", fields.toSingleValueMap());
            page.setStatus(HttpStatus.BAD_REQUEST);
            return page;
        }
        if (form.redirect() != null) {
            RedirectView redirect = new RedirectView(form.redirect().toString());
            redirect.setStatusCode(HttpStatus.SEE_OTHER);
            return new ModelAndView(redirect);
        }
        ModelAndView page = new ModelAndView("forms/thanks");
        page.addObject("formId", formId);
        page.addObject("form", form);
        return page;
    }

    @PostMapping(value = "/forms/{formId}", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    ResponseEntity<Map<String, Object>> submitJson(@PathVariable String formId, @RequestBody CaptureRequest body,
            @RequestHeader(value = VISITOR_HEADER, required = false) String visitor, HttpServletRequest http) {
        FormSettings.Form form = forms.get(formId);
        Optional<Lead> known = forms.knownVisitor(visitor);
        CaptureRequest request = body;
        boolean noEmail = body.email() == null || body.email().isBlank();
        if (body.consentText() == null || body.language() == null || (noEmail && known.isPresent())) {
            request = new CaptureRequest(noEmail && known.isPresent() ? known.get().email() : body.email(),
                    body.firstName(), body.lastName(), body.company(), body.jobTitle(), body.industry(),
                    body.companySize(), body.country(), body.phone(), body.source(), body.utmSource(),
                    body.utmMedium(), body.utmCampaign(),
                    body.consentText() != null ? body.consentText() : form.consentRecord(),
                    body.language() != null ? body.language() : form.language(), body.website());
        }
        capture(formId, form, request, known, http);
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(answer(form));
    }

    /**
     * What the embedded form asks: a new visitor the form's fields; a known one (header {@code Leadflow-Visitor})
     * the fields we do not hold yet, as many as the form has, taken from its fields and then its progressive ones.
     * Only the names of the fields are used, never their values: nothing of the person leaves.
     */
    @GetMapping(value = "/forms/{formId}/definition", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Map<String, Object> definition(@PathVariable String formId,
            @RequestHeader(value = VISITOR_HEADER, required = false) String visitor) {
        FormSettings.Form form = forms.get(formId);
        Optional<Lead> known = forms.knownVisitor(visitor);
        String language = form.language();
        List<Map<String, Object>> fields = new ArrayList<>();
        for (FormFields.Field f : forms.questions(form, known)) {
            Map<String, Object> field = new LinkedHashMap<>();
            field.put("name", f.name());
            field.put("label", f.label(language));
            field.put("type", f.type());
            field.put("maxLength", f.maxLength());
            field.put("required", form.required().contains(f.name()));
            fields.add(field);
        }
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("id", formId);
        definition.put("title", form.title());
        definition.put("intro", form.intro());
        definition.put("language", language == null ? "en" : language);
        definition.put("known", known.isPresent());
        definition.put("fields", fields);
        definition.put("consentText", form.consentText());
        definition.put("submit", language != null && language.startsWith("fr") ? "Envoyer" : "Send");
        definition.put("thankYou", forms.thankYou(form));
        definition.put("redirect", form.redirect() == null ? null : form.redirect().toString());
        return definition;
    }

    private void capture(String formId, FormSettings.Form form, CaptureRequest request, Optional<Lead> known,
            HttpServletRequest http) {
        if (request.looksLikeBot()) {
            return;
        }
        List<FieldError> missing = new ArrayList<>();
        for (String field : form.required()) {
            boolean given = value(request, field) != null && !value(request, field).isBlank();
            boolean held = known.isPresent() && known.get().email() != null
                    && known.get().email().equalsIgnoreCase(request.email() == null ? "" : request.email().strip())
                    && FormFields.held(known.get(), field);
            if (!given && !held && !"email".equals(field)) {
                missing.add(new FieldError(field, "is required by form " + formId));
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException(missing);
        }
        leads.capture(request, new CaptureContext(formId, http.getRemoteAddr(), http.getHeader("User-Agent"), true));
    }

    /** The same for every submission, a bot's included: nothing in it tells whether the address was known. */
    private Map<String, Object> answer(FormSettings.Form form) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("thankYou", forms.thankYou(form));
        if (form.redirect() != null) {
            answer.put("redirect", form.redirect().toString());
        }
        return answer;
    }

    private static String value(CaptureRequest r, String field) {
        return switch (field) {
            case "email" -> r.email();
            case "firstName" -> r.firstName();
            case "lastName" -> r.lastName();
            case "company" -> r.company();
            case "jobTitle" -> r.jobTitle();
            case "companySize" -> r.companySize();
            case "country" -> r.country();
            case "industry" -> r.industry();
            case "phone" -> r.phone();
            default -> null;
        };
    }

    private static CaptureRequest request(Map<String, String> f, FormSettings.Form form) {
        return new CaptureRequest(f.get("email"), f.get("firstName"), f.get("lastName"), f.get("company"),
                f.get("jobTitle"), f.get("industry"), f.get("companySize"), f.get("country"), f.get("phone"),
                f.get("source"), f.get("utmSource"), f.get("utmMedium"), f.get("utmCampaign"),
                f.getOrDefault("consentText", form.consentRecord()), f.getOrDefault("language", form.language()),
                f.get("website"));
    }
}
