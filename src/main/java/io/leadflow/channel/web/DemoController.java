package io.leadflow.channel.web;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

import io.leadflow.platform.LeadflowSettings;
import io.leadflow.platform.NotFoundException;

/**
 * {@code /demo/site}: a small company web site as a marketer's would be, with a cookie banner, the tracking snippet
 * and the embedded {@code product-tour} form, so that a new user sees the whole loop on a laptop (off in prod).
 */
@Controller
class DemoController {

    private final WebSettings settings;
    private final LeadflowSettings leadflow;

    DemoController(WebSettings settings, LeadflowSettings leadflow) {
        this.settings = settings;
        this.leadflow = leadflow;
    }

    @GetMapping({"/demo/site", "/demo/site/"})
    String home(Model model) {
        return page("home", model);
    }

    @GetMapping("/demo/site/{page:pricing|docs}")
    String page(@PathVariable String page, Model model) {
        if (!settings.demoPage()) {
            throw new NotFoundException("The demo site is off (leadflow.web.demo-page)");
        }
        model.addAttribute("page", page);
        model.addAttribute("base", leadflow.link(""));
        return "demo/site";
    }
}
