package io.leadflow.platform;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.springframework.core.env.Environment;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * The pages a signed-in person may open, by role: the header of every page and the home page list these and nothing
 * else, so a sales rep is not shown the mailbox and a visitor of a public form sees no link into the back office.
 * {@code NavigationTests} keeps this table equal to what {@link SecurityConfig} lets each role open.
 */
@ControllerAdvice
public class Navigation {

    /**
     * @param requires a property that must be {@code true} for the page to exist (the dev mail catcher, the sandbox
     *                 CRM), or null
     */
    public record Page(String path, String label, String description, Set<String> roles, String requires) {
    }

    /** Anyone signed in. */
    private static final Set<String> ANYONE = Set.of();

    public static final List<Page> PAGES = List.of(
            new Page("/leads", "Leads", "Find a lead and see everything that happened to it",
                    Set.of("MARKETER", "SALES_MANAGER", "SALES", "QUALIFIER", "ADMIN"), null),
            new Page("/emails", "Emails",
                    "Your email templates: preview each language, versions, send a test to yourself",
                    Set.of("MARKETER", "ADMIN"), null),
            new Page("/journeys", "Journeys",
                    "Each journey's versions, where its leads wait, and moving them to the latest",
                    Set.of("MARKETER", "ADMIN"), null),
            new Page("/scoring", "Scoring lab",
                    "Backtest a scoring table on every lead, then rescore everyone under the deployed tables",
                    Set.of("MARKETER", "ADMIN"), null),
            new Page("/analytics", "Analytics", "The funnel, sources, nurture tracks, double opt-in and emails",
                    Set.of("MARKETER", "SALES_MANAGER", "ADMIN"), null),
            new Page("/imports", "Import", "Upload a contact file with its legal basis",
                    Set.of("MARKETER", "INTEGRATOR", "ADMIN"), null),
            new Page("/my-leads", "My leads",
                    "Your open handoffs: the lead, why it is an MQL, the working time left, accept, qualify or reject",
                    Set.of("SALES", "SALES_MANAGER", "ADMIN"), null),
            new Page("/desk", "Desk",
                    "The qualification desk: MQLs to check before sales, hints, BANT and the decision",
                    Set.of("QUALIFIER", "SALES_MANAGER", "ADMIN"), null),
            new Page("/sla", "SLA", "Open handoffs, their clocks and the breaches, per team and rep",
                    Set.of("SALES_MANAGER", "ADMIN"), null),
            new Page("/mailbox", "Mailbox", "What the built-in mail catcher received (development)",
                    Set.of("MARKETER", "ADMIN"), "leadflow.mail.catcher.enabled"),
            new Page("/sandbox-crm", "Sandbox CRM", "What the built-in sandbox CRM received (development)",
                    Set.of("INTEGRATOR", "ADMIN"), "leadflow.sandbox-crm.enabled"),
            new Page("/camunda/app/tasklist/", "Tasklist", "Your follow-up tasks (Camunda Tasklist)", ANYONE, null),
            new Page("/camunda/app/cockpit/", "Cockpit", "The journeys and where each lead waits (Camunda Cockpit)",
                    Set.of("MARKETER", "SALES_MANAGER", "ADMIN"), null),
            new Page("/camunda/app/admin/", "Admin", "Users, groups and sales teams (Camunda Admin)", Set.of("ADMIN"),
                    null),
            new Page("/swagger-ui.html", "API", "Every endpoint, to try in the browser (OpenAPI)", ANYONE, null));

    /**
     * The development pages' switches, read once: this advice runs before every handler, the API's included, and
     * those properties do not change while the application runs.
     */
    private final Set<String> enabled;

    Navigation(Environment env) {
        this.enabled = PAGES.stream().map(Page::requires).filter(p -> p != null)
                .filter(p -> env.getProperty(p, Boolean.class, false)).collect(Collectors.toUnmodifiableSet());
    }

    @ModelAttribute("nav")
    List<Page> nav(Authentication user) {
        if (user == null || !user.isAuthenticated()) {
            return List.of();
        }
        return pagesFor(user.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_")).map(a -> a.substring("ROLE_".length()))
                .collect(Collectors.toSet()), enabled::contains);
    }

    /** Who is signed in, for the header's "Sign out"; null for a visitor. */
    @ModelAttribute("signedIn")
    String signedIn(Authentication user) {
        return user == null || !user.isAuthenticated() ? null : user.getName();
    }

    /** The pages of a person with these roles, of those this installation has. */
    public static List<Page> pagesFor(Collection<String> roles, Predicate<String> enabled) {
        return PAGES.stream().filter(p -> p.requires() == null || enabled.test(p.requires()))
                .filter(p -> p.roles().isEmpty() || p.roles().stream().anyMatch(roles::contains)).toList();
    }
}
