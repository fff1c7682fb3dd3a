package io.leadflow.platform;

import org.junit.jupiter.api.Tag;
import io.leadflow.support.OwnContext;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

import io.leadflow.LeadflowApplication;

/** The prod profile refuses to start with anything meant for a laptop, and says what to set. */
@Tag(OwnContext.TAG)
class ProductionProfileTests {

    @Test
    void refusesToStartWithDevDefaultsAndNamesEachOne() {
        Throwable failure = catchThrowable(() -> new SpringApplicationBuilder(LeadflowApplication.class)
                .profiles("prod")
                // arguments, not default properties: those would lose to application.yml's file database
                .run("--server.port=0", "--spring.datasource.url=jdbc:h2:mem:prod-guard;DB_CLOSE_DELAY=-1",
                        "--camunda.bpm.job-execution.enabled=false",
                        // must not unregister the "default" engine other test contexts share
                        "--camunda.bpm.generate-unique-process-engine-name=true")
                .close());

        assertThat(failure).isNotNull();
        Throwable root = failure;
        while (root.getCause() != null && !(root instanceof IllegalStateException)) {
            root = root.getCause();
        }
        assertThat(root.getMessage())
                .contains("prod profile refuses to start")
                .contains("leadflow.public-url")
                .contains("leadflow.secret")
                .contains("leadflow.crm.webhook-secret")
                .contains("leadflow.crm.auth.token");
    }
}
