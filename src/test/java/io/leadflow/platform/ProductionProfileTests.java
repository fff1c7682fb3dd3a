package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.leadflow.LeadflowApplication;
import io.leadflow.support.OwnContext;

/**
 * The prod profile refuses to start with anything meant for a laptop, and says what to set; a database a development
 * start filled keeps no demo user once Leadflow runs in production.
 */
@Tag(OwnContext.TAG)
// The starts that succeed come first: a start the guard refused leaves the Camunda webapps' lazily initialised
// filters pointing at its context, and the next web server in this JVM would fail to start.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductionProfileTests {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Every setting the prod profile asks for, on the given in-memory database. */
    private static List<String> production(String database, String... more) {
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--spring.datasource.url=jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1",
                "--camunda.bpm.job-execution.enabled=false", "--camunda.bpm.generate-unique-process-engine-name=true",
                "--leadflow.public-url=https://leadflow.example.com",
                "--leadflow.secret=a-production-secret-of-more-than-32-bytes",
                "--leadflow.crm.webhook-secret=a-webhook-secret-of-more-than-32-bytes",
                "--leadflow.crm.base-url=https://crm.example.com/api", "--leadflow.crm.auth.token=a-real-token",
                "--spring.mail.host=localhost", "--spring.mail.port=2525"));
        args.addAll(List.of(more));
        return args;
    }

    private static ConfigurableApplicationContext start(List<String> args, String... profiles) {
        return new SpringApplicationBuilder(LeadflowApplication.class).profiles(profiles)
                .run(args.toArray(String[]::new));
    }

    private static int status(ConfigurableApplicationContext app, String path, String user, String password)
            throws Exception {
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Basic " + basic).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static Throwable rootIllegalState(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && !(root instanceof IllegalStateException)) {
            root = root.getCause();
        }
        return root;
    }

    @Test
    @Order(1)
    void aDatabaseFirstStartedForDevelopmentKeepsNoDemoUserInProduction() throws Exception {
        // the PostgreSQL steps of docs/operations.md: a first start with the defaults (demo users on) fills the identity tables
        // bob, there, is a real rep whose password is his own (as if set in Camunda Admin)
        try (var dev = start(List.of("--server.port=0", "--spring.datasource.url=jdbc:h2:mem:dev-then-prod;DB_CLOSE_DELAY=-1",
                "--camunda.bpm.job-execution.enabled=false", "--camunda.bpm.generate-unique-process-engine-name=true",
                "--leadflow.users.bob.password=bobs-own-password-42", "--leadflow.users.bob.groups=SALES,smb"),
                "test")) {
            assertThat(status(dev, "/api/leads?email=nobody@example.com", "demo", "demo")).isEqualTo(200);
        }
        try (var prod = start(production("dev-then-prod", "--leadflow.users.alice.password=a-new-password-for-alice",
                "--leadflow.users.alice.groups=SALES,enterprise"), "prod")) {
            assertThat(status(prod, "/api/leads?email=nobody@example.com", "demo", "demo")).isEqualTo(401);
            assertThat(status(prod, "/engine-rest/version", "demo", "demo")).isEqualTo(401);
            assertThat(status(prod, "/actuator/prometheus", "demo", "demo")).isEqualTo(401);
            assertThat(status(prod, "/api/handoffs", "bob", "demo")).isEqualTo(401);
            assertThat(status(prod, "/api/handoffs", "bob", "bobs-own-password-42")).as("a real user of a demo name")
                    .isEqualTo(200);
            // a user configuration names keeps her account, with the configured password (how passwords rotate)
            assertThat(status(prod, "/api/handoffs", "alice", "demo")).isEqualTo(401);
            assertThat(status(prod, "/api/handoffs", "alice", "a-new-password-for-alice")).isEqualTo(200);
        }
    }

    @Test
    void refusesToStartWhileAStoredUserStillSignsInWithTheDemoPassword() {
        Throwable failure = catchThrowable(() -> start(production("demo-password",
                "--leadflow.users.eve.password=demo", "--leadflow.users.eve.groups=ADMIN"), "prod").close());

        assertThat(failure).isNotNull();
        assertThat(rootIllegalState(failure).getMessage()).contains("prod profile refuses to start")
                .contains("[eve]").contains("leadflow.users.<id>.password");
    }

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
        assertThat(rootIllegalState(failure).getMessage())
                .contains("prod profile refuses to start")
                .contains("leadflow.public-url")
                .contains("leadflow.secret")
                .contains("leadflow.crm.webhook-secret")
                .contains("leadflow.crm.auth.token");
    }
}
