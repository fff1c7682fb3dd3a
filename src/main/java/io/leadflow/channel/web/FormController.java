package io.leadflow.channel.web;

import java.util.Map;

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
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.view.json.MappingJackson2JsonView;

import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

/** Public capture forms: {@code GET /forms/{id}} shows one, {@code POST /forms/{id}} takes a browser post or JSON. */
@Controller
class FormController {

    private final LeadService leads;
    private final FormSettings forms;

    FormController(LeadService leads, FormSettings forms) {
        this.leads = leads;
        this.forms = forms;
    }

    @GetMapping("/forms/{formId}")
    String show(@PathVariable String formId, Model model) {
        model.addAttribute("formId", formId);
        model.addAttribute("form", form(formId));
        return "forms/form";
    }

    /** A plain HTML form post: browsers (Accept: text/html) get pages, scripts get JSON like the API. */
    @PostMapping(value = "/forms/{formId}", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ModelAndView submitForm(@PathVariable String formId, @RequestParam MultiValueMap<String, String> fields,
            HttpServletRequest http) {
        FormSettings.Form form = form(formId);
        String accept = http.getHeader("Accept");
        if (accept == null || !accept.contains("text/html")) {
            var result = capture(formId, request(fields.toSingleValueMap(), form), http);
            ModelAndView json = new ModelAndView(new MappingJackson2JsonView(),
                    Map.of("id", result.id(), "consent", result.consent()));
            json.setStatus(HttpStatus.ACCEPTED);
            return json;
        }
        ModelAndView page = new ModelAndView("forms/thanks");
        page.addObject("formId", formId);
        page.addObject("form", form);
        try {
            capture(formId, request(fields.toSingleValueMap(), form), http);
        } catch (InvalidInputException e) {
            page.setViewName("forms/form");
            page.addObject("errors", e.errors());
            page.addObject("values", fields.toSingleValueMap());
            page.setStatus(HttpStatus.BAD_REQUEST);
        }
        return page;
    }

    @PostMapping(value = "/forms/{formId}", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    ResponseEntity<Map<String, Object>> submitJson(@PathVariable String formId, @RequestBody CaptureRequest body,
            HttpServletRequest http) {
        FormSettings.Form form = form(formId);
        CaptureRequest withConsent = body.consentText() != null ? body : new CaptureRequest(body.email(),
                body.firstName(), body.lastName(), body.company(), body.jobTitle(), body.industry(),
                body.companySize(), body.country(), body.phone(), body.source(), body.utmSource(), body.utmMedium(),
                body.utmCampaign(), form.consentText(), body.language(), body.website());
        return accepted(capture(formId, withConsent, http));
    }

    private LeadService.CaptureResult capture(String formId, CaptureRequest request, HttpServletRequest http) {
        if (request.looksLikeBot()) {
            return new LeadService.CaptureResult(java.util.UUID.randomUUID().toString(),
                    io.leadflow.lead.Lead.Consent.PENDING, true);
        }
        return leads.capture(request, new CaptureContext(formId, http.getRemoteAddr(), http.getHeader("User-Agent")));
    }

    private static ResponseEntity<Map<String, Object>> accepted(LeadService.CaptureResult result) {
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("id", result.id(), "consent", result.consent()));
    }

    private FormSettings.Form form(String formId) {
        FormSettings.Form form = forms.forms().get(formId);
        if (form == null) {
            throw new NotFoundException("No form '" + formId + "': configure leadflow.forms." + formId);
        }
        return form;
    }

    private static CaptureRequest request(Map<String, String> f, FormSettings.Form form) {
        return new CaptureRequest(f.get("email"), f.get("firstName"), f.get("lastName"), f.get("company"),
                f.get("jobTitle"), f.get("industry"), f.get("companySize"), f.get("country"), f.get("phone"),
                f.get("source"), f.get("utmSource"), f.get("utmMedium"), f.get("utmCampaign"),
                f.getOrDefault("consentText", form.consentText()), f.get("language"), f.get("website"));
    }
}
