package io.leadflow.process;

import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Users created at start-up when missing ({@code leadflow.users.<id>.password/.groups}); groups are roles
 * (ADMIN, MARKETER, SALES_MANAGER, SALES, INTEGRATOR) and sales teams.
 */
@ConfigurationProperties("leadflow")
public record UsersSettings(Map<String, User> users, DemoUsers demoUsers) {

    public record User(String password, List<String> groups) {
    }

    public record DemoUsers(boolean enabled) {
    }

    public UsersSettings {
        users = users == null ? Map.of() : Map.copyOf(users);
        demoUsers = demoUsers == null ? new DemoUsers(false) : demoUsers;
    }
}
