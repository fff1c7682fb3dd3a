package io.leadflow.channel.web;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** The home page (the pages of the signed-in person's roles, platform/Navigation) and the sign-in page. */
@Controller
class PagesController {

    private final boolean demoUsers;

    PagesController(@Value("${leadflow.demo-users.enabled:false}") boolean demoUsers) {
        this.demoUsers = demoUsers;
    }

    @GetMapping("/")
    String home(Model model) {
        model.addAttribute("demoUsers", demoUsers);
        return "home";
    }

    @GetMapping("/login")
    String login() {
        return "login";
    }
}
