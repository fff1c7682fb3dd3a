package io.leadflow.channel.email;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One email template as loaded from {@code mail/}: {@code <name>.txt} (a {@code Subject:} line, then the text) and
 * {@code <name>.html}, and a translation {@code <name>_<language>.txt/.html} per other language. The version numbers
 * each distinct content of the template (all its files together), in the order Leadflow first loaded them.
 *
 * @param files every file of the template by its name ({@code welcome_fr.html}), in file name order
 */
public record EmailTemplate(String name, int version, String checksum, Map<String, String> files) {

    /** The language of the files without a suffix. */
    public static final String BASE_LANGUAGE = "en";

    public EmailTemplate {
        files = Map.copyOf(files);
    }

    /** The base language first, then the translations in alphabetical order. */
    public List<String> languages() {
        List<String> languages = new ArrayList<>(List.of(BASE_LANGUAGE));
        files.keySet().stream().filter(f -> f.endsWith(".txt")).map(f -> f.substring(0, f.length() - 4))
                .filter(f -> f.startsWith(name + "_")).map(f -> f.substring(name.length() + 1)).sorted()
                .filter(l -> !languages.contains(l)).forEach(languages::add);
        return languages;
    }

    /** Whether a lead writing in this language ({@code fr}, {@code fr-CA}) gets its own version, not the base one. */
    public boolean speaks(String language) {
        String lang = primary(language);
        return lang == null || lang.equals(BASE_LANGUAGE) || files.containsKey(name + "_" + lang + ".txt");
    }

    /** The file name, without extension, a lead of that language is sent: its translation if any, else the base. */
    public String fileFor(String language) {
        String lang = primary(language);
        return lang != null && files.containsKey(name + "_" + lang + ".txt") ? name + "_" + lang : name;
    }

    public String text(String language) {
        return files.get(fileFor(language) + ".txt");
    }

    public String html(String language) {
        return files.get(fileFor(language) + ".html");
    }

    /** {@code fr} of {@code fr-CA} or {@code FR_fr}; null for none. */
    public static String primary(String language) {
        if (language == null || language.isBlank()) {
            return null;
        }
        return language.toLowerCase(Locale.ROOT).split("[-_]")[0];
    }
}
