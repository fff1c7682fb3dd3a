package io.leadflow.account;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules that tie an address to a company: its domain, the domains to look up from the most precise to the
 * company's own ({@code eu.sales.acme.com} → {@code sales.acme.com} → {@code acme.com}), and a company name reduced to
 * what two spellings of it share ("ACME, Inc." and "Acme" both give {@code acme}).
 */
final class AccountDomains {

    private static final Pattern DOMAIN = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
    /** Second levels under which a country's companies register (acme.co.uk, acme.com.au). */
    private static final Set<String> COUNTRY_SECOND_LEVELS = Set.of("co", "com", "org", "net", "ac", "gov", "edu",
            "ltd", "plc", "gouv", "asso", "or", "ne", "gv");
    private static final Set<String> LEGAL_FORMS = Set.of("inc", "incorporated", "llc", "ltd", "limited", "plc",
            "corp", "corporation", "co", "company", "gmbh", "ag", "kg", "sa", "sas", "sasu", "sarl", "eurl", "sca",
            "snc", "bv", "nv", "srl", "spa", "ab", "as", "oy", "group", "groupe", "the");

    private AccountDomains() {
    }

    /** The domain of an address, lower case; null when it has none. */
    static String ofEmail(String email) {
        if (email == null) {
            return null;
        }
        int at = email.lastIndexOf('@');
        return at < 0 ? null : normalise(email.substring(at + 1));
    }

    /** A domain as typed (any case, a trailing dot), lower case; null when it is not one. */
    static String normalise(String domain) {
        if (domain == null) {
            return null;
        }
        String d = domain.trim().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        return d.length() <= 253 && DOMAIN.matcher(d).matches() ? d : null;
    }

    /** The domains to look an account up by, most precise first, ending with the company's registered domain. */
    static List<String> lookups(String domain) {
        String[] labels = domain.split("\\.");
        int keep = registeredLabels(labels);
        List<String> lookups = new ArrayList<>();
        for (int from = 0; labels.length - from >= keep; from++) {
            lookups.add(String.join(".", java.util.Arrays.copyOfRange(labels, from, labels.length)));
        }
        return lookups;
    }

    /** The company's registered domain: {@code eu.acme.com} → {@code acme.com}, {@code mail.acme.co.uk} → {@code acme.co.uk}. */
    static String registered(String domain) {
        List<String> lookups = lookups(domain);
        return lookups.get(lookups.size() - 1);
    }

    /** Whether the domain or one it belongs to is a free-mail provider's. */
    static boolean isFreeMail(String domain, Set<String> freeMail) {
        return lookups(domain).stream().anyMatch(freeMail::contains);
    }

    /** What two spellings of a company's name share: lower case, no accents, punctuation or legal form; null if empty. */
    static String nameKey(String company) {
        if (company == null) {
            return null;
        }
        String plain = Normalizer.normalize(company, Normalizer.Form.NFD).replaceAll("\\p{M}", "")
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").trim();
        List<String> words = new ArrayList<>(List.of(plain.split(" ")));
        words.removeIf(w -> w.isEmpty() || LEGAL_FORMS.contains(w));
        String key = String.join(" ", words);
        return key.isEmpty() ? null : key;
    }

    private static int registeredLabels(String[] labels) {
        int n = labels.length;
        if (n >= 3 && labels[n - 1].length() == 2 && COUNTRY_SECOND_LEVELS.contains(labels[n - 2])) {
            return 3;
        }
        return 2;
    }
}
