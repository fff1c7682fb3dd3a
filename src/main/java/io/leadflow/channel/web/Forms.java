package io.leadflow.channel.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Component;

import io.leadflow.lead.Lead;
import io.leadflow.lead.Leads;
import io.leadflow.platform.NotFoundException;

/** The configured forms, and progressive profiling: what to ask a visitor we know. */
@Component
class Forms {

    private final FormSettings settings;
    private final VisitorTokens visitors;
    private final Leads leads;

    Forms(FormSettings settings, VisitorTokens visitors, Leads leads) {
        this.settings = settings;
        this.visitors = visitors;
        this.leads = leads;
    }

    FormSettings.Form get(String formId) {
        FormSettings.Form form = settings.forms().get(formId);
        if (form == null) {
            throw new NotFoundException("No form '" + formId + "': configure leadflow.forms." + formId);
        }
        return form;
    }

    /** The lead a visitor token names, unless it is not ours or the lead was erased (then the visitor is new). */
    Optional<Lead> knownVisitor(String token) {
        return visitors.leadId(token).flatMap(leads::find).filter(l -> !l.erased() && l.email() != null);
    }

    /**
     * A new visitor is asked the form's fields. A known one is asked, in place of those, the fields of the form and
     * then its progressive fields that we do not hold yet: as many questions as the form has (every missing
     * required one included), never the address.
     */
    List<FormFields.Field> questions(FormSettings.Form form, Optional<Lead> known) {
        if (known.isEmpty()) {
            return form.fields().stream().map(FormFields.KNOWN::get).toList();
        }
        Lead lead = known.get();
        int questions = Math.max(1, form.fields().size() - 1);
        List<String> missing = new ArrayList<>();
        for (String f : form.fields()) {
            if (!"email".equals(f) && !FormFields.held(lead, f)) {
                missing.add(f);
            }
        }
        for (String f : form.progressiveFields()) {
            if (!FormFields.held(lead, f)) {
                missing.add(f);
            }
        }
        List<String> asked = new ArrayList<>();
        for (String f : missing) {
            if (asked.size() < questions || form.required().contains(f)) {
                asked.add(f);
            }
        }
        return asked.stream().map(FormFields.KNOWN::get).toList();
    }

    String thankYou(FormSettings.Form form) {
        if (form.thankYou() != null && !form.thankYou().isBlank()) {
            return form.thankYou();
        }
        return form.language() != null && form.language().startsWith("fr")
                ? "Merci ! Si c'est votre première inscription, un e-mail de confirmation vous attend."
                : "Thank you! If this is your first time, check your inbox: a confirmation link is waiting for you.";
    }
}
