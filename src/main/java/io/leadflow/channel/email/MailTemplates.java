package io.leadflow.channel.email;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The email templates: {@code mail/<name>.txt} (a subject line, then the text) and {@code mail/<name>.html}, with
 * translations {@code <name>_<language>}. The code itself names the double opt-in's; every other template is a
 * marketing email a journey chose.
 */
public final class MailTemplates {

    /** The double opt-in's confirmation request. */
    public static final String CONFIRMATION = "doi-confirmation";
    /** The double opt-in's reminder. */
    public static final String REMINDER = "doi-reminder";
    /** Sent to pending leads; everything else is marketing and needs confirmed consent. */
    public static final List<String> DOUBLE_OPT_IN = List.of(CONFIRMATION, REMINDER);

    private MailTemplates() {
    }

    public static boolean isDoubleOptIn(String template) {
        return DOUBLE_OPT_IN.contains(template);
    }

    /** Whether a template of that name exists, in text and HTML. */
    public static boolean exists(String name) {
        return !name.isBlank() && new ClassPathResource("mail/" + name + ".txt").exists()
                && new ClassPathResource("mail/" + name + ".html").exists();
    }

    /** The names of every template (translations not counted), sorted. */
    public static List<String> names() {
        try {
            Resource[] texts = new PathMatchingResourcePatternResolver().getResources("classpath*:mail/*.txt");
            return Arrays.stream(texts).map(Resource::getFilename).filter(n -> n != null && !n.contains("_"))
                    .map(n -> n.substring(0, n.length() - ".txt".length())).filter(MailTemplates::exists).sorted()
                    .distinct().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
