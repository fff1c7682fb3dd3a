package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

import io.leadflow.support.ServiceTestBase;

/**
 * The header and the home page show each person the pages of their roles: every page listed opens for them, and every
 * Leadflow page they may not open is left out.
 */
class NavigationTests extends ServiceTestBase {

    private static final Pattern LISTED = Pattern.compile("data-path=\"([^\"]+)\"");
    /** One user per role besides demo (every role) and alice (SALES). */
    private static final Map<String, List<String>> USERS = Map.of("nav-marketer", List.of("MARKETER"),
            "nav-integrator", List.of("INTEGRATOR"), "nav-manager", List.of("SALES_MANAGER"),
            "nav-qualifier", List.of("QUALIFIER"),
            "demo", List.of("ADMIN", "MARKETER", "SALES_MANAGER", "SALES", "INTEGRATOR", "QUALIFIER"),
            "alice", List.of("SALES"));

    @Autowired
    IdentityService identity;

    @Autowired
    Environment env;

    @BeforeEach
    void usersOfEachRole() {
        USERS.forEach((id, roles) -> {
            if (identity.createUserQuery().userId(id).singleResult() == null) {
                User user = identity.newUser(id);
                user.setPassword("demo");
                identity.saveUser(user);
                roles.forEach(role -> identity.createMembership(id, role));
            }
        });
    }

    @Test
    void listsForEachRoleThePagesItOpensAndNoneItCannot() {
        USERS.forEach((user, roles) -> {
            var home = get("/", user);
            assertThat(home.getStatusCode().value()).isEqualTo(200);
            Set<String> listed = listed(home.getBody());

            Set<String> expected = new TreeSet<>();
            Navigation.pagesFor(roles, p -> env.getProperty(p, Boolean.class, false))
                    .forEach(p -> expected.add(p.path()));
            assertThat(listed).as(user).isEqualTo(expected);
            for (Navigation.Page page : Navigation.PAGES) {
                int status = get(page.path(), user).getStatusCode().value();
                if (listed.contains(page.path())) {
                    assertThat(status).as(user + " opens " + page.path()).isBetween(200, 399);
                } else if (!page.path().startsWith("/camunda/")) {
                    // Camunda's own pages open for anyone signed in and show what Camunda's authorizations allow
                    assertThat(status).as(user + " may not open " + page.path()).isIn(403, 404);
                }
            }
        });
    }

    @Test
    void showsAVisitorNoPageOfTheBackOfficeButTheSignIn() {
        var home = get("/", null);
        var form = get("/forms/newsletter", null);

        assertThat(listed(home.getBody())).isEmpty();
        assertThat(home.getBody()).contains("href=\"/login\"").doesNotContain("Sign out");
        assertThat(listed(form.getBody())).as("a lead on a public form").isEmpty();
        assertThat(form.getBody()).doesNotContain("/mailbox").doesNotContain("/sandbox-crm");
    }

    private static Set<String> listed(String html) {
        Set<String> paths = new TreeSet<>();
        Matcher m = LISTED.matcher(html);
        while (m.find()) {
            paths.add(m.group(1));
        }
        return paths;
    }
}
