package io.leadflow.channel.email;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.springframework.http.HttpStatus;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.ConflictException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;
import io.leadflow.platform.ServiceBusyException;

/**
 * {@code /api/emails}: the email templates as they run now, each with its languages, its versions and the steps that
 * send it; a preview for a made-up lead in each language; a test sent to the signed-in user's own address
 * (docs/api.md §12).
 */
@RestController
class EmailTemplatesController {

    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2}([-_][A-Za-z0-9]{1,8})?");

    /** One template: its languages, its running version, and who sends it. */
    record TemplateView(String name, List<String> languages, int version, List<String> usedBy) {
    }

    record VersionView(int version, Instant loadedAt, String source, boolean running) {
    }

    record TemplateDetail(String name, List<String> languages, int version, List<String> usedBy, String source,
            List<VersionView> versions) {
    }

    /** @param file the file it was rendered from, without extension ({@code welcome_fr}) */
    record Preview(String name, int version, String language, String file, String subject, String text,
            String html) {
    }

    record TestRequest(String language) {
    }

    record TestSent(String to, String subject, int version, String language) {
    }

    private final TemplateLibrary library;
    private final EmailRenderer renderer;
    private final StaffAddresses staff;
    private final JavaMailSender mailSender;
    private final EmailSettings settings;

    EmailTemplatesController(TemplateLibrary library, EmailRenderer renderer, StaffAddresses staff,
            JavaMailSender mailSender, EmailSettings settings) {
        this.library = library;
        this.renderer = renderer;
        this.staff = staff;
        this.mailSender = mailSender;
        this.settings = settings;
    }

    @GetMapping("/api/emails")
    List<TemplateView> list() {
        Map<String, List<String>> usedBy = library.usedBy();
        return library.all().values().stream().map(t -> new TemplateView(t.name(), t.languages(), t.version(),
                usedBy.getOrDefault(t.name(), List.of()))).toList();
    }

    @GetMapping("/api/emails/{name}")
    TemplateDetail detail(@PathVariable String name) {
        EmailTemplate template = running(name);
        List<VersionView> versions = library.history(name).stream().map(v -> new VersionView(v.version(),
                v.createdAt(), v.source(), v.version() == template.version())).toList();
        return new TemplateDetail(name, template.languages(), template.version(),
                library.usedBy().getOrDefault(name, List.of()), library.source(), versions);
    }

    /** @param version an earlier version to look at; the running one by default */
    @GetMapping("/api/emails/{name}/preview")
    Preview preview(@PathVariable String name, @RequestParam(required = false) String language,
            @RequestParam(required = false) Integer version) {
        return preview(version == null ? running(name) : stored(name, version), language(language));
    }

    /** Sends the running template, rendered for the sample lead, to the signed-in user's own address. */
    @PostMapping("/api/emails/{name}/test")
    @ResponseStatus(HttpStatus.ACCEPTED)
    TestSent test(@PathVariable String name, @RequestBody(required = false) TestRequest body, Authentication user) {
        EmailTemplate template = running(name);
        String language = language(body == null ? null : body.language());
        String to = staff.emailOf(user.getName()).orElseThrow(() -> new ConflictException("User '" + user.getName()
                + "' has no email address to send the test to: add one in Camunda Admin (Users → " + user.getName()
                + " → Profile), or leadflow.users." + user.getName() + ".email"));
        Preview preview = preview(template, language);
        try {
            MimeMessage mime = mailSender.createMimeMessage();
            MimeMessageHelper helper = new MimeMessageHelper(mime, true, StandardCharsets.UTF_8.name());
            helper.setFrom(settings.from());
            helper.setTo(to);
            helper.setSubject("[Test] " + preview.subject());
            helper.setText(preview.text(), preview.html());
            mime.setHeader("Auto-Submitted", "auto-generated");
            mailSender.send(mime);
        } catch (MessagingException | MailException e) {
            throw new ServiceBusyException("The SMTP server did not take the test email (" + e.getMessage()
                    + "); check leadflow's mail settings (spring.mail.*) and try again", e);
        }
        return new TestSent(to, "[Test] " + preview.subject(), template.version(), preview.language());
    }

    private Preview preview(EmailTemplate template, String language) {
        String lang = language == null ? EmailTemplate.BASE_LANGUAGE : language;
        try {
            EmailRenderer.Rendered rendered = renderer.sample(template, lang);
            return new Preview(template.name(), template.version(), lang, template.fileFor(lang), rendered.subject(),
                    rendered.text(), rendered.html());
        } catch (RuntimeException e) {
            // only an earlier version can fail here: the running ones passed this very rendering when loaded
            throw new ConflictException("Version " + template.version() + " of " + template.name()
                    + " does not render any more: " + TemplateLibrary.explain(e, template.name()));
        }
    }

    private EmailTemplate running(String name) {
        return library.find(name).orElseThrow(() -> new NotFoundException("No email template '" + name
                + "': GET /api/emails lists them"));
    }

    private EmailTemplate stored(String name, int version) {
        Map<String, String> files = library.filesOf(name, version);
        if (files.isEmpty()) {
            throw new NotFoundException("No version " + version + " of email template '" + name
                    + "': GET /api/emails/" + name + " lists its versions");
        }
        return new EmailTemplate(name, version, TemplateVersions.checksum(files), files);
    }

    private static String language(String language) {
        if (language == null || language.isBlank()) {
            return null;
        }
        if (!LANGUAGE.matcher(language).matches()) {
            throw InvalidInputException.of("language", "must be a language code such as 'fr' or 'fr-CA'");
        }
        return EmailTemplate.primary(language);
    }
}
