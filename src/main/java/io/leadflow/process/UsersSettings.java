package io.leadflow.process;

import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Users created at start-up when missing ({@code leadflow.users.<id>.password/.groups/.email}); groups are roles
 * (ADMIN, MARKETER, SALES_MANAGER, SALES, INTEGRATOR) and sales teams. The email address is where Leadflow writes to
 * that person (a test of an email template, for one); Camunda Admin changes it later.
 */
@ConfigurationProperties("leadflow")
public record UsersSettings(Map<String, User> users, DemoUsers demoUsers) {

    /** One constructor only: with a second one, configuration binding would no longer know which to use. */
    public record User(String password, List<String> groups, String email) {
    }

    public record DemoUsers(boolean enabled) {
    }

    public UsersSettings {
        users = users == null ? Map.of() : Map.copyOf(users);
        demoUsers = demoUsers == null ? new DemoUsers(false) : demoUsers;
    }
}
