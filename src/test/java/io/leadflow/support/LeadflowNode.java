package io.leadflow.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.leadflow.LeadflowApplication;

/**
 * One Leadflow instance of a cluster: the whole application (web server on a free port, job executor on, email
 * delivery running) started in this JVM, as a second or third node next to others on the same database. Its name
 * tells its work apart from the other nodes': the engine's name and the job log's {@code HOSTNAME_}, the database
 * connections' {@code application_name} in {@code pg_stat_activity}, and the {@code EHLO} name its emails are sent
 * with. Several engines live in one JVM because each has a name of its own (Camunda registers engines by name).
 */
public final class LeadflowNode implements AutoCloseable {

    private final String name;
    private final ConfigurableApplicationContext context;

    private LeadflowNode(String name, ConfigurableApplicationContext context) {
        this.name = name;
        this.context = context;
    }

    /**
     * Starts a node on the embedded PostgreSQL with the {@code test} profile; {@code settings} (property → value)
     * come last and win over everything else.
     */
    public static LeadflowNode start(String name, Map<String, String> settings) {
        // Command-line arguments win over application.yml and the profile's file, as on a real node.
        return new LeadflowNode(name, new SpringApplicationBuilder(LeadflowApplication.class)
                .run(arguments(name, settings).toArray(String[]::new)));
    }

    /** The command line of node {@code name}: the same whether it runs in this JVM or in one of its own. */
    public static List<String> arguments(String name, Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("spring.profiles.active", "test");
        all.put("server.port", "0");
        all.put("spring.datasource.url", EmbeddedDatabase.jdbcUrl(name));
        all.put("spring.datasource.username", "postgres");
        all.put("spring.datasource.password", "");
        // the starter ignores an engine name with a hyphen (and would name both engines "default")
        all.put("camunda.bpm.process-engine-name", name.replace("-", ""));
        all.put("camunda.bpm.generic-properties.properties.hostname", name);
        all.put("spring.mail.properties.mail.smtp.localhost", name);
        all.putAll(settings);
        return all.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toList();
    }

    public String name() {
        return name;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public <T> T bean(String name, Class<T> type) {
        return context.getBean(name, type);
    }

    public int port() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public boolean running() {
        return context.isActive();
    }

    /** Stops the node the way a SIGTERM does: the context closes, running work is given its chance to end. */
    @Override
    public void close() {
        context.close();
    }
}
