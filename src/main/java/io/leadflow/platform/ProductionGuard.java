package io.leadflow.platform;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The {@code prod} profile refuses to start with anything meant for a laptop: demo users, default secrets, no
 * public URL, the mail catcher or the sandbox CRM.
 */
@Component
@Profile("prod")
class ProductionGuard implements InitializingBean {

    private static final String DEV_SECRET_MARK = "dev-only";
    private final Environment env;

    ProductionGuard(Environment env) {
        this.env = env;
    }

    @Override
    public void afterPropertiesSet() {
        List<String> problems = new ArrayList<>();
        if (env.getProperty("leadflow.demo-users.enabled", Boolean.class, false)) {
            problems.add("leadflow.demo-users.enabled must be false (demo/demo would survive)");
        }
        String publicUrl = env.getProperty("leadflow.public-url", "");
        if (publicUrl.isBlank() || publicUrl.contains("localhost")) {
            problems.add("leadflow.public-url must be set to the address people reach Leadflow at");
        }
        checkSecret("leadflow.secret", problems);
        checkSecret("leadflow.crm.webhook-secret", problems);
        if (env.getProperty("leadflow.mail.catcher.enabled", Boolean.class, false)) {
            problems.add("leadflow.mail.catcher.enabled must be false: configure spring.mail.host");
        }
        if (env.getProperty("leadflow.sandbox-crm.enabled", Boolean.class, false)) {
            problems.add("leadflow.sandbox-crm.enabled must be false: configure leadflow.crm.base-url");
        }
        for (String key : List.of("leadflow.crm.auth.token", "leadflow.crm.auth.password")) {
            String v = env.getProperty(key, "");
            if (v.equals("sandbox-crm-token")) {
                problems.add(key + " still has its dev default");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The prod profile refuses to start:\n - " + String.join("\n - ", problems)
);
        }
    }

    private void checkSecret(String key, List<String> problems) {
        String v = env.getProperty(key, "");
        if (v.contains(DEV_SECRET_MARK) || v.getBytes(StandardCharsets.UTF_8).length < 32) {
            problems.add(key + " must be a secret of at least 32 bytes of your own");
        }
    }
}
