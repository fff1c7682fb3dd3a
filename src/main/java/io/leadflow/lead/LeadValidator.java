package io.leadflow.lead;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.InvalidInputException.FieldError;

/** Checks a submission field by field and returns it normalised, or throws with every field error at once. */
final class LeadValidator {

    static final int MAX_EMAIL = 254;
    static final int MAX_TEXT = 200;
    private static final Pattern EMAIL = Pattern.compile(
            "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cc}");
    private static final Pattern COUNTRY = Pattern.compile("^[A-Z]{2}$");
    private static final Pattern LANGUAGE = Pattern.compile("^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$");

    private LeadValidator() {
    }

    static String normaliseEmail(String email) {
        return email == null ? null : email.strip().toLowerCase(Locale.ROOT);
    }

    static CleanCapture validate(CaptureRequest r) {
        List<FieldError> errors = new ArrayList<>();
        String email = normaliseEmail(r.email());
        if (email == null || email.isEmpty()) {
            errors.add(new FieldError("email", "is required"));
        } else if (email.length() > MAX_EMAIL) {
            errors.add(new FieldError("email", "must be at most " + MAX_EMAIL + " characters"));
        } else if (CONTROL.matcher(email).find() || !EMAIL.matcher(email).matches()) {
            errors.add(new FieldError("email", "is not a valid email address"));
        }
        String firstName = text("firstName", r.firstName(), errors);
        String lastName = text("lastName", r.lastName(), errors);
        String company = text("company", r.company(), errors);
        String jobTitle = text("jobTitle", r.jobTitle(), errors);
        // lower-cased before the length check: 'İ' becomes two characters and must still fit the column
        String industry = text("industry", r.industry() == null ? null : r.industry().toLowerCase(Locale.ROOT), errors);
        String phone = text("phone", r.phone(), errors);
        String source = text("source", r.source(), errors);
        String utmSource = text("utmSource", r.utmSource(), errors);
        String utmMedium = text("utmMedium", r.utmMedium(), errors);
        String utmCampaign = text("utmCampaign", r.utmCampaign(), errors);
        String consentText = text("consentText", r.consentText(), errors);
        String sizeText = text("companySize", r.companySize(), errors);
        Integer companySize = null;
        if (sizeText != null) {
            try {
                companySize = Integer.valueOf(sizeText);
                if (companySize < 0) {
                    errors.add(new FieldError("companySize", "must not be negative"));
                }
            } catch (NumberFormatException e) {
                errors.add(new FieldError("companySize", "must be a whole number of employees"));
            }
        }
        String country = text("country", r.country(), errors);
        if (country != null) {
            country = country.toUpperCase(Locale.ROOT);
            if (!COUNTRY.matcher(country).matches()) {
                errors.add(new FieldError("country", "must be an ISO 3166-1 alpha-2 code such as FR or US"));
            }
        }
        String language = text("language", r.language(), errors);
        if (language != null && !LANGUAGE.matcher(language).matches()) {
            errors.add(new FieldError("language", "must be a BCP 47 language tag such as en or fr-FR"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new CleanCapture(email, firstName, lastName, company, jobTitle,
                industry, companySize, country, phone, source,
                utmSource, utmMedium, utmCampaign, language, consentText);
    }

    private static String text(String field, String value, List<FieldError> errors) {
        if (value == null) {
            return null;
        }
        String trimmed = value.strip();
        if (trimmed.isEmpty()) {
            return null;
        }
        if (trimmed.length() > MAX_TEXT) {
            errors.add(new FieldError(field, "must be at most " + MAX_TEXT + " characters"));
        } else if (CONTROL.matcher(trimmed).find()) {
            errors.add(new FieldError(field, "must not contain control characters"));
        }
        return trimmed;
    }

    record CleanCapture(String email, String firstName, String lastName, String company, String jobTitle,
            String industry, Integer companySize, String country, String phone, String source, String utmSource,
            String utmMedium, String utmCampaign, String language, String consentText) {
    }
}
