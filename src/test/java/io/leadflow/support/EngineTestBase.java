package io.leadflow.support;

import org.junit.jupiter.api.Tag;


import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The service with the job executor OFF, for process and decision tests on the real models of {@code bpmn/} and
 * {@code dmn/}: tests execute jobs themselves and move time with {@code ClockUtil}. Real SMTP and CRM from
 * {@link ExternalServers}. Every subclass shares this one Spring context (a second one beside
 * {@link ServiceTestBase}'s, since the properties differ); the engine also records flow-node coverage for
 * {@link ProcessCoverage}. Its engine gets a name of its own: the "default" engine, which {@code /engine-rest}
 * resolves, stays the one of {@link ServiceTestBase}'s context when both contexts live in one test JVM.
 */
@Tag(OwnContext.TAG)
@SpringBootTest(properties = {"camunda.bpm.job-execution.enabled=false",
        "camunda.bpm.generate-unique-process-engine-name=true",
        // carol is on holiday: round robin and reassignment must pass her by
        "leadflow.sales.teams.enterprise.reps=alice,carol,demo", "leadflow.sales.reps.carol.away=true",
        "leadflow.sales.reps.carol.email=carol@leadflow.local"})
@ActiveProfiles("test")
@Import(ProcessCoverage.EnginePlugin.class)
public abstract class EngineTestBase {

    @DynamicPropertySource
    static void externalServers(DynamicPropertyRegistry registry) {
        ExternalServers.register(registry);
    }

    /**
     * The templates of the emails queued for the process's lead, oldest first, leaving out its double opt-in emails
     * (the confirmation is queued at capture, at the same test instant as what follows it).
     */
    protected static java.util.List<String> emailsAfterOptIn(io.leadflow.channel.email.EmailOutbox outbox,
            org.camunda.bpm.engine.runtime.ProcessInstance process) {
        return outbox.forLead(process.getBusinessKey()).stream()
                .map(io.leadflow.channel.email.EmailOutbox.Row::template)
                .filter(template -> !template.startsWith("doi-")).toList();
    }
}
