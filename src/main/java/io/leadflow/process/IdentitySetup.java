package io.leadflow.process;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Permission;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.Resource;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.persistence.entity.UserEntity;
import org.camunda.bpm.engine.impl.util.EncryptionUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

import io.leadflow.handoff.SalesDirectory;
import io.leadflow.handoff.SalesSettings;

/**
 * Users, groups and Camunda authorizations, kept in the engine's identity service so one sign-in serves the app
 * and the webapps: ADMIN administers, sales roles use Tasklist (a team is a candidate group), SALES_MANAGER reads
 * Cockpit, MARKETER reads Cockpit and deploys.
 * <p>
 * Configuration is the source of truth for the users it names: a configured password replaces the stored one (that
 * is how a password is rotated). Sales teams and reps are only seeded ({@code leadflow.sales.*}): a configured team
 * becomes a group of type SALES_TEAM, its reps members of it and of SALES, a rep's configured address the user's
 * email while it has none; nothing is removed or overwritten, since Camunda Admin manages them from then on.
 * <p>
 * With demo users off, the demo users a development start left in the database are deleted, and under the
 * {@code prod} profile the start is refused while any stored user still signs in with the demo password, however it
 * got there.
 */
@Component
class IdentitySetup implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(IdentitySetup.class);
    static final List<String> ROLES = List.of("ADMIN", "MARKETER", "SALES_MANAGER", "SALES", "INTEGRATOR",
            "QUALIFIER");
    static final List<String> DEMO_USERS = List.of("demo", "alice", "bob");
    static final String DEMO_PASSWORD = "demo";

    private final IdentityService identity;
    private final AuthorizationService authorizations;
    private final UsersSettings users;
    private final SalesSettings sales;
    private final ProcessEngineConfigurationImpl engine;
    private final Environment env;

    IdentitySetup(IdentityService identity, AuthorizationService authorizations, UsersSettings users,
            SalesSettings sales, ProcessEngineConfigurationImpl engine, Environment env) {
        this.identity = identity;
        this.authorizations = authorizations;
        this.users = users;
        this.sales = sales;
        this.engine = engine;
        this.env = env;
    }

    @Override
    public void afterSingletonsInstantiated() {
        ROLES.forEach(role -> group(role, "WORKFLOW"));
        sales.teams().keySet().forEach(team -> group(team, SalesDirectory.TEAM_GROUP_TYPE));
        authorize();
        Map<String, UsersSettings.User> all = new LinkedHashMap<>();
        if (users.demoUsers().enabled()) {
            all.put("demo", new UsersSettings.User(DEMO_PASSWORD, List.of("ADMIN", "MARKETER", "SALES_MANAGER",
                    "SALES", "INTEGRATOR", "QUALIFIER", "enterprise", "smb"), "demo@leadflow.local"));
            all.put("alice", new UsersSettings.User(DEMO_PASSWORD, List.of("SALES", "enterprise"),
                    "alice@leadflow.local"));
            all.put("bob", new UsersSettings.User(DEMO_PASSWORD, List.of("SALES", "smb"), "bob@leadflow.local"));
        } else {
            DEMO_USERS.stream().filter(id -> !users.users().containsKey(id)).forEach(this::deleteDemoUser);
        }
        all.putAll(users.users());
        all.forEach(this::user);
        seedSalesTeams();
        if (env.acceptsProfiles(Profiles.of("prod"))) {
            refuseDemoPasswords();
        }
    }

    /** Only while it still has the demo password: a real user of that name, made in Camunda Admin, stays. */
    private void deleteDemoUser(String id) {
        User user = identity.createUserQuery().userId(id).singleResult();
        if (user != null && accepts((UserEntity) user, DEMO_PASSWORD)) {
            identity.deleteUser(id);
            log.warn("Deleted demo user {}: leadflow.demo-users.enabled is false", id);
        }
    }

    /** The guard's look at the identity store itself: settings alone cannot tell what an earlier start created. */
    private void refuseDemoPasswords() {
        List<String> open = identity.createUserQuery().list().stream()
                .filter(u -> accepts((UserEntity) u, DEMO_PASSWORD)).map(User::getId).toList();
        if (!open.isEmpty()) {
            throw new IllegalStateException("The prod profile refuses to start: users " + open
                    + " still sign in with the demo password; set leadflow.users.<id>.password for each"
                    + " (or delete them in Camunda Admin)");
        }
    }

    /** Compares with the stored hash directly: IdentityService.checkPassword would count a failed sign-in. */
    private boolean accepts(UserEntity user, String password) {
        return user.getPassword() != null && engine.getPasswordManager()
                .check(EncryptionUtil.saltPassword(password, user.getSalt()), user.getPassword());
    }

    /**
     * Makes the configured reps members of their team and of SALES (which makes them reps, {@code SalesDirectory}),
     * and gives them their configured address when their user has none. Users that do not exist are left to Admin.
     */
    private void seedSalesTeams() {
        sales.teams().forEach((team, settings) -> {
            for (String rep : settings.reps() == null ? List.<String>of() : settings.reps()) {
                if (identity.createUserQuery().userId(rep).count() == 0) {
                    log.warn("leadflow.sales.teams.{}.reps names {}, who is no user: add them in Camunda Admin "
                            + "(Users) and to the groups SALES and {}", team, rep, team);
                    continue;
                }
                membership(rep, team);
                membership(rep, SalesDirectory.REP_ROLE);
            }
        });
        sales.reps().forEach((id, rep) -> {
            User user = identity.createUserQuery().userId(id).singleResult();
            if (user != null) {
                seedEmail(user, rep.email());
            }
        });
    }

    /** A configured address is a seed: set while the user has none, so that one set in Camunda Admin since stays. */
    private void seedEmail(User user, String email) {
        if ((user.getEmail() == null || user.getEmail().isBlank()) && email != null && !email.isBlank()) {
            user.setEmail(email);
            identity.saveUser(user);
        }
    }

    private void membership(String user, String group) {
        if (identity.createUserQuery().userId(user).memberOfGroup(group).count() == 0) {
            identity.createMembership(user, group);
            log.info("Made {} a member of {}", user, group);
        }
    }

    private void group(String id, String type) {
        if (identity.createGroupQuery().groupId(id).singleResult() == null) {
            Group g = identity.newGroup(id);
            g.setName(id);
            g.setType(type);
            identity.saveGroup(g);
        }
    }

    private void user(String id, UsersSettings.User settings) {
        User existing = identity.createUserQuery().userId(id).singleResult();
        if (existing == null) {
            User u = identity.newUser(id);
            u.setFirstName(id);
            u.setLastName("");
            u.setEmail(settings.email());
            u.setPassword(settings.password());
            identity.saveUser(u);
            log.info("Created user {}", id);
        } else if (settings.password() != null && !accepts((UserEntity) existing, settings.password())) {
            existing.setPassword(settings.password());
            identity.saveUser(existing);
            log.info("Changed the password of user {} to the configured one", id);
        }
        if (existing != null) {
            seedEmail(existing, settings.email());
        }
        List<String> groups = new ArrayList<>(settings.groups());
        if (groups.contains("ADMIN")) {
            // Camunda's webapps recognise administrators by this group; without one they offer a public
            // "create the first admin" page.
            groups.add(Groups.CAMUNDA_ADMIN);
        }
        for (String group : groups) {
            group(group, ROLES.contains(group) ? "WORKFLOW" : Groups.CAMUNDA_ADMIN.equals(group) ? "SYSTEM"
                    : SalesDirectory.TEAM_GROUP_TYPE);
            membership(id, group);
        }
    }

    private void authorize() {
        group(Groups.CAMUNDA_ADMIN, "SYSTEM");
        for (Resources r : Resources.values()) {
            grant("ADMIN", r, "*", Permissions.ALL);
            grant(Groups.CAMUNDA_ADMIN, r, "*", Permissions.ALL);
        }
        for (String role : List.of("MARKETER", "SALES_MANAGER")) {
            grant(role, Resources.APPLICATION, "cockpit", Permissions.ACCESS);
            grant(role, Resources.PROCESS_DEFINITION, "*", Permissions.READ, Permissions.READ_INSTANCE,
                    Permissions.READ_HISTORY);
            grant(role, Resources.DECISION_DEFINITION, "*", Permissions.READ, Permissions.READ_HISTORY);
            grant(role, Resources.PROCESS_INSTANCE, "*", Permissions.READ);
            grant(role, Resources.DEPLOYMENT, "*", Permissions.READ);
        }
        grant("MARKETER", Resources.DEPLOYMENT, "*", Permissions.READ, Permissions.CREATE);
        for (String role : List.of("SALES_MANAGER", "SALES", "INTEGRATOR", "MARKETER", "QUALIFIER")) {
            grant(role, Resources.APPLICATION, "tasklist", Permissions.ACCESS);
            grant(role, Resources.FILTER, "*", Permissions.READ);
            grant(role, Resources.PROCESS_DEFINITION, "*", Permissions.READ);
        }
        grant("SALES_MANAGER", Resources.TASK, "*", Permissions.READ, Permissions.UPDATE);
    }

    /**
     * Grants the permissions, adding them to the group's grant on that resource if it has one: Camunda keeps one
     * grant per group and resource, so a second grant (MARKETER's CREATE on deployments after every role's READ)
     * must extend the first, not be skipped because the first exists.
     */
    private void grant(String group, Resource resource, String resourceId, Permission... permissions) {
        Authorization a = authorizations.createAuthorizationQuery().authorizationType(Authorization.AUTH_TYPE_GRANT)
                .groupIdIn(group).resourceType(resource).resourceId(resourceId).singleResult();
        if (a == null) {
            a = authorizations.createNewAuthorization(Authorization.AUTH_TYPE_GRANT);
            a.setGroupId(group);
            a.setResource(resource);
            a.setResourceId(resourceId);
        } else if (Arrays.stream(permissions).allMatch(a::isPermissionGranted)) {
            return;
        }
        for (Permission p : permissions) {
            a.addPermission(p);
        }
        authorizations.saveAuthorization(a);
    }
}
