package io.leadflow.workspace;

import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * An account's page {@code /accounts/{id}} and the JSON it is rendered from ({@code GET /api/accounts/{id}/overview}):
 * its score and owner, its contacts and their open handoffs (docs/api.md §13).
 */
@Controller
class AccountPages {

    private final AccountOverviews overviews;

    AccountPages(AccountOverviews overviews) {
        this.overviews = overviews;
    }

    @GetMapping("/api/accounts/{id}/overview")
    @ResponseBody
    AccountOverview overview(@PathVariable String id, Authentication user) {
        return overviews.of(id, user);
    }

    @GetMapping("/accounts/{id}")
    String page(@PathVariable String id, Authentication user, Model model) {
        model.addAttribute("o", overviews.of(id, user));
        return "account";
    }
}
