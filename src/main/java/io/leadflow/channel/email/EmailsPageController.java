package io.leadflow.channel.email;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /emails}: the marketers' view of their email templates, drawn from the same answers as {@code /api/emails}:
 * every template with its languages, version and senders; one template's preview (HTML and text side by side) in a
 * chosen language and version; its versions; and a test sent to the viewer.
 */
@Controller
class EmailsPageController {

    private final EmailTemplatesController api;
    private final TemplateLibrary library;

    EmailsPageController(EmailTemplatesController api, TemplateLibrary library) {
        this.api = api;
        this.library = library;
    }

    @GetMapping("/emails")
    String emails(@RequestParam(required = false) String name, @RequestParam(required = false) String language,
            @RequestParam(required = false) Integer version, Model model) {
        model.addAttribute("templates", api.list());
        model.addAttribute("source", library.source());
        model.addAttribute("folder", library.folder().toAbsolutePath().normalize().toString());
        model.addAttribute("hasFolder", library.hasFolder());
        if (name != null && library.exists(name)) {
            var detail = api.detail(name);
            var preview = api.preview(name, language, version);
            model.addAttribute("detail", detail);
            model.addAttribute("preview", preview);
            model.addAttribute("running", preview.version() == detail.version());
        }
        return "emails";
    }
}
