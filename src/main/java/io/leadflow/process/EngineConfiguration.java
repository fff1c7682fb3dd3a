package io.leadflow.process;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.camunda.bpm.dmn.engine.DmnEngineConfiguration;
import org.camunda.bpm.dmn.engine.impl.DefaultDmnEngineConfiguration;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.persistence.deploy.Deployer;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.leadflow.channel.crm.CrmSettings;
import io.leadflow.experiment.Experiments;
import io.leadflow.channel.email.EmailTemplate;
import io.leadflow.channel.email.TemplateLibrary;
import io.leadflow.channel.web.FormSettings;
import io.leadflow.consent.DoiSettings;
import io.leadflow.nurture.NurtureSettings;

/**
 * Engine settings of ours: expressions in models see only an allow-list of Leadflow beans and run in the
 * {@link ExpressionSandbox}, every deployment is linted inside the engine ({@link LintingDeployer}), the engine starts
 * after Flyway has migrated our tables, and failed CRM pushes are rescheduled by {@link CrmJobRetries}.
 */
@Configuration
class EngineConfiguration {

    /** How a failed asynchronous step is retried when its model gives no cycle of its own. */
    static final String DEFAULT_RETRY_CYCLE = "R5/PT1M";

    /** Settings a model's timers read ({@code ${doiSettings.reminderAfter}}), registered by Spring under other names. */
    private static final Map<String, Class<?>> SETTINGS_BEANS = Map.of("doiSettings", DoiSettings.class,
            "nurtureSettings", NurtureSettings.class);

    /**
     * What a model's expressions may reach, and nothing else (no arbitrary Spring bean): the beans of
     * {@link Delegates} and the settings above.
     */
    static final List<String> EXPRESSION_BEANS = Stream.concat(Delegates.beanNames().stream(),
            SETTINGS_BEANS.keySet().stream().sorted()).toList();

    /** Of those, the ones expressions read from (conditions, timers); the others are delegates of tasks. */
    static final Set<String> READ_ONLY_BEANS = Stream.concat(Delegates.factsBeanNames().stream(),
            SETTINGS_BEANS.keySet().stream()).collect(Collectors.toUnmodifiableSet());

    /** The model lint with our allow-list; every other bean of the application is refused by name. */
    static ModelLinter linter(Collection<String> otherBeans, Predicate<String> decisionDeployed,
            ModelLinter.Emails emails) {
        List<String> delegates = EXPRESSION_BEANS.stream().filter(b -> !READ_ONLY_BEANS.contains(b)).toList();
        return new ModelLinter(delegates, EXPRESSION_BEANS, otherBeans, decisionDeployed, emails);
    }

    /**
     * The email templates running now and the languages the forms collect leads in: a model is checked against the
     * templates of the moment it is saved ({@link ModelDeployer} loads {@code mail/} before the models).
     */
    static ModelLinter.Emails emails(ApplicationContext context) {
        Map<String, String> formLanguages = new TreeMap<>();
        context.getBean(FormSettings.class).forms().forEach((id, form) -> {
            String language = EmailTemplate.primary(form.language());
            if (language != null && !language.equals(EmailTemplate.BASE_LANGUAGE)) {
                formLanguages.putIfAbsent(language, id);
            }
        });
        return new ModelLinter.Emails(context.getBean(TemplateLibrary.class).languages(), formLanguages);
    }

    /** The application's bean names that are not on the allow-list and could be typed in an expression. */
    static List<String> otherBeans(ApplicationContext context) {
        return Arrays.stream(context.getBeanDefinitionNames())
                .filter(name -> name.matches("[A-Za-z_][A-Za-z0-9_]*") && !EXPRESSION_BEANS.contains(name)).toList();
    }

    @Bean
    static BeanFactoryPostProcessor engineAfterFlyway() {
        return factory -> {
            for (String name : List.of("processEngine", "processEngineFactoryBean")) {
                if (factory.containsBeanDefinition(name) && factory.containsBeanDefinition("flywayInitializer")) {
                    BeanDefinition definition = factory.getBeanDefinition(name);
                    String[] existing = definition.getDependsOn();
                    String[] dependsOn = existing == null ? new String[] {"flywayInitializer"}
                            : Stream.concat(Arrays.stream(existing),
                                    Stream.of("flywayInitializer")).toArray(String[]::new);
                    definition.setDependsOn(dependsOn);
                }
            }
        };
    }

    /**
     * Names the JDK's own {@link javax.xml.datatype.DatatypeFactory} unless the operator named one with the system
     * property (which then wins; a {@code jaxp.properties} or a jar's service entry would no longer be looked at). The
     * engine makes a factory for every timer it schedules ({@code DurationHelper}); unnamed, each one is looked for in
     * every jar of the class path ({@code META-INF/services}), which was 5 % of the job executor's CPU in a burst of
     * nurture timers (BENCHMARKS.md, M10L). No jar of Leadflow's provides another, so the factory is the same one,
     * found at once.
     */
    static void namedDatatypeFactory() {
        if (System.getProperty(javax.xml.datatype.DatatypeFactory.DATATYPEFACTORY_PROPERTY) == null) {
            System.setProperty(javax.xml.datatype.DatatypeFactory.DATATYPEFACTORY_PROPERTY,
                    javax.xml.datatype.DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS);
        }
    }

    @Bean
    AbstractProcessEnginePlugin leadflowEnginePlugin(ApplicationContext context, CrmSettings crm) {
        return new AbstractProcessEnginePlugin() {
            @Override
            public void preInit(ProcessEngineConfigurationImpl configuration) {
                // The factory bean created a Spring expression manager over the whole context before plugins run:
                // replace it with one that sees only the allow-list.
                AllowListedBeans beans = new AllowListedBeans(context);
                configuration.setBeans(beans);
                configuration.setExpressionManager(new ExpressionSandbox.SandboxedExpressionManager(beans));
                configuration.setScriptEngineResolver(new ExpressionSandbox.NoScripts());
                configuration.setBpmnParseFactory(SandboxedBpmnParse::new);
                configuration.setArtifactFactory(SandboxedBpmnParse.NO_CLASSES);
                configuration.setEnableScriptEngineLoadExternalResources(false);
                List<Deployer> preDeployers = new ArrayList<>(configuration.getCustomPreDeployers() == null
                        ? List.of() : configuration.getCustomPreDeployers());
                preDeployers.add(new LintingDeployer(() -> otherBeans(context),
                        () -> context.getBean(DecisionContracts.class), () -> emails(context),
                        () -> context.getBean(Experiments.class)));
                configuration.setCustomPreDeployers(preDeployers);
                configuration.setEnforceHistoryTimeToLive(true);
                // A step a marketer adds from the palette retries like the shipped ones, which say so themselves.
                configuration.setFailedJobRetryTimeCycle(DEFAULT_RETRY_CYCLE);
                configuration.setJavaSerializationFormatEnabled(false);
                configuration.setFailedJobCommandFactory(new CrmJobRetries(crm.retry()));
                // Decisions in processes (assignment, nurture track) parse their FEEL once, as scoring does, and
                // evaluate nothing but FEEL.
                DefaultDmnEngineConfiguration dmn = configuration.getDmnEngineConfiguration() != null
                        ? configuration.getDmnEngineConfiguration()
                        : (DefaultDmnEngineConfiguration) DmnEngineConfiguration.createDefaultDmnEngineConfiguration();
                configuration.setDmnEngineConfiguration(ExpressionSandbox.feelOnly(dmn));
                namedDatatypeFactory();
            }

            @Override
            public void postInit(ProcessEngineConfigurationImpl configuration) {
                configuration.setFormValidators(SandboxedBpmnParse.withoutCustomValidators(
                        configuration.getFormValidators()));
                requireCrmTimeoutsWellBelowTheJobLock(crm, configuration);
                // after the engine's own checkers, which init creates
                configuration.getCommandCheckers().add(AssigneeCompletesTask.checker());
                startJobExecutor = configuration.isJobExecutorActivate();
                configuration.setJobExecutorActivate(false);
            }

            private boolean startJobExecutor;

            @Override
            public void postProcessEngineBuild(ProcessEngine engine) {
                warmDeploymentCache(engine);
                EngineIndexes.ensure((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration());
                if (startJobExecutor) {
                    ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration()).getJobExecutor().start();
                }
            }
        };
    }

    /**
     * Loads every deployed process definition into the engine's cache before the job executor starts (and before
     * the web server takes requests). Found by the cluster test: a node restarted under load parsed the same
     * definition on several threads at once, and a thread could take the definition from the cache before its job
     * declarations knew their job definitions; the message correlation or job then failed with "Invalid process
     * definition id: processDefinitionId is null". Loading them once, on one thread, closes that window.
     */
    static void warmDeploymentCache(ProcessEngine engine) {
        var repository = engine.getRepositoryService();
        for (var definition : repository.createProcessDefinitionQuery().list()) {
            repository.getProcessDefinition(definition.getId());
        }
    }

    /**
     * A push that outlives the job's lock is taken by another node while the first still waits for the CRM: two
     * pushes at once. One push may call the CRM twice (an OAuth token refresh on 401) and fetch a token, so three
     * calls must fit in half the lock time.
     */
    static void requireCrmTimeoutsWellBelowTheJobLock(CrmSettings crm, ProcessEngineConfigurationImpl configuration) {
        if (configuration.getJobExecutor() == null) {
            return;
        }
        long lockMillis = configuration.getJobExecutor().getLockTimeInMillis();
        long pushMillis = 3 * (crm.connectTimeout().toMillis() + crm.readTimeout().toMillis());
        if (pushMillis > lockMillis / 2) {
            throw new IllegalStateException("leadflow.crm.connect-timeout (" + crm.connectTimeout()
                    + ") and leadflow.crm.read-timeout (" + crm.readTimeout() + ") are too long for the job lock time ("
                    + lockMillis + " ms, camunda.bpm.job-execution.lock-time-in-millis): three CRM calls must fit in"
                    + " half of it. Shorten the timeouts or lengthen the lock time.");
        }
    }

    /**
     * The allow-list as the engine's bean map, resolved on first use: the delegates depend on services that
     * depend on the engine, so they cannot be looked up while it is being built.
     */
    static final class AllowListedBeans extends AbstractMap<Object, Object> {

        private final ApplicationContext context;

        AllowListedBeans(ApplicationContext context) {
            this.context = context;
        }

        @Override
        public boolean containsKey(Object key) {
            return EXPRESSION_BEANS.contains(key);
        }

        @Override
        public Object get(Object key) {
            if (!containsKey(key)) {
                return null;
            }
            // Configuration records are registered under generated names: look them up by type.
            Class<?> settings = SETTINGS_BEANS.get(key);
            return settings != null ? context.getBean(settings) : context.getBean((String) key);
        }

        @Override
        public Set<Entry<Object, Object>> entrySet() {
            Map<Object, Object> all = new HashMap<>();
            EXPRESSION_BEANS.forEach(name -> all.put(name, get(name)));
            return all.entrySet();
        }
    }
}
