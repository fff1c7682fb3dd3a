package io.leadflow.scoring;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.leadflow.lead.Lead;

/**
 * Derives the values the DMN tables read from a lead: categories (seniority, email domain type), never the raw
 * name or address.
 */
public final class LeadAttributes {

    private static final Set<String> FREE_DOMAINS = Set.of("gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr",
            "hotmail.com", "hotmail.fr", "outlook.com", "outlook.fr", "live.com", "live.fr", "msn.com", "icloud.com",
            "me.com", "aol.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "orange.fr", "wanadoo.fr", "free.fr",
            "laposte.net", "sfr.fr", "protonmail.com", "proton.me", "yandex.com", "mail.com", "zoho.com");

    // Compiled once: seniority is derived on every scoring, and String.matches would compile each pattern per call.
    private static final Pattern NON_ALPHANUMERIC = Pattern.compile("[^a-z0-9]+");
    private static final Pattern C_LEVEL = Pattern.compile(
            ".*\\b(ceo|cto|cfo|cmo|coo|cio|cro|chief|founder|co founder|president|owner|pdg|dg)\\b.*");
    private static final Pattern VP = Pattern.compile(".*\\b(vp|vice president|svp|evp)\\b.*");
    private static final Pattern DIRECTOR = Pattern.compile(".*\\b(director|directeur|directrice|head)\\b.*");
    private static final Pattern MANAGER = Pattern.compile(".*\\b(manager|responsable|lead|team lead)\\b.*");

    private LeadAttributes() {
    }

    public static String seniority(String jobTitle) {
        if (jobTitle == null || jobTitle.isBlank()) {
            return "UNKNOWN";
        }
        String t = " " + NON_ALPHANUMERIC.matcher(jobTitle.toLowerCase(Locale.ROOT)).replaceAll(" ") + " ";
        if (C_LEVEL.matcher(t).matches() && !t.contains(" vice president ")) {
            return "C_LEVEL";
        }
        if (VP.matcher(t).matches()) {
            return "VP";
        }
        if (DIRECTOR.matcher(t).matches()) {
            return "DIRECTOR";
        }
        if (MANAGER.matcher(t).matches()) {
            return "MANAGER";
        }
        return "INDIVIDUAL";
    }

    public static String emailDomainType(String domain) {
        return domain == null || FREE_DOMAINS.contains(domain.toLowerCase(Locale.ROOT)) ? "FREE" : "BUSINESS";
    }

    /** Inputs of {@code lead-fit-score}. */
    public static Map<String, Object> fitInputs(Lead lead) {
        Map<String, Object> in = new HashMap<>();
        in.put("seniority", seniority(lead.jobTitle()));
        in.put("companySize", lead.companySize());
        in.put("industry", lead.industry());
        in.put("country", lead.country());
        in.put("emailDomainType", emailDomainType(lead.emailDomain()));
        return in;
    }
}
