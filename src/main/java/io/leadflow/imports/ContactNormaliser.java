package io.leadflow.imports;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;

/**
 * Cleans one imported contact before it meets our tables: country names to ISO codes (English and French names),
 * phone numbers to E.164 (libphonenumber, in the row's country), and addresses whose domain is an obvious typo of a
 * big mailbox provider flagged, since mailing them would bounce and hurt deliverability.
 */
final class ContactNormaliser {

    private static final Map<String, String> COUNTRIES = new HashMap<>();
    private static final Map<String, String> DOMAIN_TYPOS = Map.ofEntries(
            Map.entry("gmial.com", "gmail.com"), Map.entry("gmai.com", "gmail.com"), Map.entry("gmal.com", "gmail.com"),
            Map.entry("gamil.com", "gmail.com"), Map.entry("gmail.con", "gmail.com"), Map.entry("gmail.co", "gmail.com"),
            Map.entry("gnail.com", "gmail.com"), Map.entry("hotmial.com", "hotmail.com"),
            Map.entry("hotmai.com", "hotmail.com"), Map.entry("hotmail.con", "hotmail.com"),
            Map.entry("hotmal.fr", "hotmail.fr"), Map.entry("hotmial.fr", "hotmail.fr"),
            Map.entry("yaho.com", "yahoo.com"), Map.entry("yahooo.com", "yahoo.com"), Map.entry("yahoo.con", "yahoo.com"),
            Map.entry("yahou.fr", "yahoo.fr"), Map.entry("outlok.com", "outlook.com"),
            Map.entry("outloo.com", "outlook.com"), Map.entry("outlook.con", "outlook.com"),
            Map.entry("orange.fe", "orange.fr"), Map.entry("oragne.fr", "orange.fr"), Map.entry("wanadoo.fe", "wanadoo.fr"),
            Map.entry("wanado.fr", "wanadoo.fr"), Map.entry("free.fe", "free.fr"), Map.entry("laposte.ne", "laposte.net"),
            Map.entry("icloud.co", "icloud.com"), Map.entry("iclod.com", "icloud.com"));
    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();

    static {
        for (String iso : Locale.getISOCountries()) {
            Locale country = new Locale("", iso);
            COUNTRIES.put(key(iso), iso);
            COUNTRIES.put(key(country.getISO3Country()), iso);
            COUNTRIES.put(key(country.getDisplayCountry(Locale.ENGLISH)), iso);
            COUNTRIES.put(key(country.getDisplayCountry(Locale.FRENCH)), iso);
        }
        COUNTRIES.put(key("UK"), "GB");
        COUNTRIES.put(key("England"), "GB");
        COUNTRIES.put(key("Angleterre"), "GB");
        COUNTRIES.put(key("USA"), "US");
        COUNTRIES.put(key("United States of America"), "US");
        COUNTRIES.put(key("Etats-Unis"), "US");
        COUNTRIES.put(key("Holland"), "NL");
    }

    private ContactNormaliser() {
    }

    /** The ISO 3166 code of a country written as a code or a name (English or French, accents optional). */
    static Optional<String> country(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.ofNullable(COUNTRIES.get(key(value)));
    }

    /** A phone number as E.164 ({@code +33612345678}), read in the row's country; empty if it is no number. */
    static Optional<String> phone(String value, String countryIso) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            var number = PHONES.parse(value, countryIso == null ? "FR" : countryIso);
            return PHONES.isValidNumber(number)
                    ? Optional.of(PHONES.format(number, PhoneNumberUtil.PhoneNumberFormat.E164)) : Optional.empty();
        } catch (NumberParseException e) {
            return Optional.empty();
        }
    }

    /** The provider an address's domain was probably meant to be, when it looks like a typo of a big one. */
    static Optional<String> domainTypo(String email) {
        int at = email == null ? -1 : email.lastIndexOf('@');
        return at < 0 ? Optional.empty()
                : Optional.ofNullable(DOMAIN_TYPOS.get(email.substring(at + 1).trim().toLowerCase(Locale.ROOT)));
    }

    static String key(String value) {
        return Normalizer.normalize(value.trim(), Normalizer.Form.NFD).replaceAll("\\p{M}", "")
                .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }
}
