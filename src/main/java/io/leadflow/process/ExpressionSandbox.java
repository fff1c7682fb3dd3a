package io.leadflow.process;

import java.beans.FeatureDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.temporal.Temporal;
import java.time.temporal.TemporalAmount;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineFactory;
import javax.script.ScriptEngineManager;

import org.camunda.bpm.dmn.engine.impl.DefaultDmnEngineConfiguration;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.camunda.bpm.engine.impl.el.JuelExpressionManager;
import org.camunda.bpm.engine.impl.el.ReadOnlyMapELResolver;
import org.camunda.bpm.engine.impl.el.VariableContextElResolver;
import org.camunda.bpm.engine.impl.el.VariableScopeElResolver;
import org.camunda.bpm.engine.impl.scripting.engine.ScriptEngineResolver;
import org.camunda.bpm.impl.juel.jakarta.el.ArrayELResolver;
import org.camunda.bpm.impl.juel.jakarta.el.BeanELResolver;
import org.camunda.bpm.impl.juel.jakarta.el.CompositeELResolver;
import org.camunda.bpm.impl.juel.jakarta.el.ELContext;
import org.camunda.bpm.impl.juel.jakarta.el.ELResolver;
import org.camunda.bpm.impl.juel.jakarta.el.ListELResolver;
import org.camunda.bpm.impl.juel.jakarta.el.MapELResolver;
import org.camunda.bpm.impl.juel.jakarta.el.MethodNotFoundException;
import org.camunda.bpm.impl.juel.jakarta.el.PropertyNotFoundException;
import org.camunda.bpm.impl.juel.jakarta.el.PropertyNotWritableException;
import org.springframework.util.ClassUtils;

/**
 * What a model's expressions may reach, enforced by the engine at evaluation time, whatever path the model came in
 * by (folder, Modeler, {@code /engine-rest}, Cockpit's API). The lint refuses the same things earlier with a
 * clearer message; this is the guarantee. An expression may read process variables and call:
 * <ul>
 * <li>the allow-listed Leadflow beans ({@link EngineConfiguration#EXPRESSION_BEANS}), only the public methods and
 * getters their own class declares;</li>
 * <li>{@code execution} and {@code task}, only {@link #EXECUTION_MEMBERS} (variables, business key, ids);</li>
 * <li>values (strings, numbers, dates, booleans): their public instance methods but {@code getClass}, the monitor
 * methods, setters and what can run unbounded (regular expressions, {@code repeat}, {@code pow}); maps and
 * collections: reading only.</li>
 * </ul>
 * Nothing else: no reflection, no class loading, no engine services, no other Spring bean, no script of any
 * language, and no DMN expression language but FEEL.
 */
final class ExpressionSandbox {

    /** What expressions may use on {@code execution} and {@code task}, as methods or as properties. */
    static final Set<String> EXECUTION_MEMBERS = Set.of("getVariable", "getVariableLocal", "hasVariable",
            "hasVariableLocal", "getVariables", "getVariablesLocal", "getVariableNames", "getVariableNamesLocal",
            "getProcessBusinessKey", "getBusinessKey", "getId", "getProcessInstanceId", "getProcessDefinitionId",
            "getActivityId", "getCurrentActivityId", "getCurrentActivityName", "getActivityInstanceId",
            "getEventName", "getTenantId", "getName", "getAssignee", "getOwner", "getTaskDefinitionKey",
            "getDueDate", "getFollowUpDate", "getPriority");

    /** The same as properties ({@code execution.processBusinessKey}). */
    static final Set<String> EXECUTION_PROPERTIES = EXECUTION_MEMBERS.stream()
            .map(m -> Character.toLowerCase(m.charAt(3)) + m.substring(4))
            .collect(Collectors.toUnmodifiableSet());

    /** The same in words, for error messages. */
    static final String EXECUTION_SUMMARY = "variables (getVariable('name'), hasVariable('name'), variables),"
            + " the business key (processBusinessKey, businessKey) and ids (id, processInstanceId, activityId, …)";

    /** Functions the engine offers expressions (Camunda's own: dates and the current user). */
    static final Set<String> FUNCTIONS = Set.of("now", "dateTime", "currentUser", "currentUserGroups");

    private static final Set<String> MAP_READS = Set.of("get", "getOrDefault", "containsKey", "containsValue", "size",
            "isEmpty");
    private static final Set<String> COLLECTION_READS = Set.of("get", "size", "isEmpty", "contains", "indexOf");
    private static final Set<String> NEVER = Set.of("getClass", "class", "wait", "notify", "notifyAll",
            "describeConstable", "resolveConstantDesc");

    private ExpressionSandbox() {
    }

    /** The engine's expression manager: Camunda's JUEL with the resolvers below instead of a bean resolver. */
    static final class SandboxedExpressionManager extends JuelExpressionManager {

        SandboxedExpressionManager(Map<Object, Object> beans) {
            super(beans);
        }

        @Override
        protected ELResolver createElResolver() {
            CompositeELResolver resolver = new CompositeELResolver();
            resolver.add(new VariableScopeElResolver());
            resolver.add(new VariableContextElResolver());
            resolver.add(new ReadOnlyMapELResolver(beans));
            resolver.add(new ArrayELResolver(true));
            resolver.add(new ListELResolver(true));
            resolver.add(new MapELResolver(true));
            resolver.add(new MemberResolver(beans));
            return resolver;
        }
    }

    /**
     * Every property read and method call on an object that is not a map, list or array comes here: it is checked
     * against the rules above, then carried out by a read-only {@link BeanELResolver}.
     */
    static final class MemberResolver extends ELResolver {

        private final Map<Object, Object> beans;
        private final BeanELResolver reflective = new BeanELResolver(true);
        private volatile Set<Object> beanInstances;

        MemberResolver(Map<Object, Object> beans) {
            this.beans = beans;
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            return base == null ? null : reflective.getValue(context, readable(base, property), property);
        }

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
            if (base == null) {
                return null;
            }
            String name = String.valueOf(method);
            if (!mayCall(base, name, params == null ? 0 : params.length)) {
                throw new MethodNotFoundException(refusal(base, name));
            }
            return reflective.invoke(context, base, method, types, params);
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return base == null ? null : reflective.getType(context, readable(base, property), property);
        }

        /** The base, if expressions may read that property of it. */
        private Object readable(Object base, Object property) {
            String name = String.valueOf(property);
            if (!mayRead(base, name)) {
                throw new PropertyNotFoundException(refusal(base, name));
            }
            return base;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            if (base != null) {
                throw new PropertyNotWritableException("Expressions in models do not write properties ('" + property
                        + "'): a Leadflow task writes its decision back");
            }
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            if (base != null) {
                context.setPropertyResolved(true);
            }
            return true;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return Collections.emptyIterator();
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return base == null ? null : Object.class;
        }

        private boolean mayRead(Object base, String name) {
            if (NEVER.contains(name)) {
                return false;
            }
            if (base instanceof VariableScope) {
                return EXECUTION_PROPERTIES.contains(name);
            }
            Set<String> api = isBean(base) ? DECLARED_API.get(ClassUtils.getUserClass(base))
                    : isValue(base) ? VALUE_API.get(base.getClass()) : Set.of();
            return api.contains("get" + capitalized(name) + "/0") || api.contains("is" + capitalized(name) + "/0");
        }

        private boolean mayCall(Object base, String name, int arity) {
            if (NEVER.contains(name)) {
                return false;
            }
            if (base instanceof VariableScope) {
                return EXECUTION_MEMBERS.contains(name);
            }
            if (isBean(base)) {
                return DECLARED_API.get(ClassUtils.getUserClass(base)).contains(name + "/" + arity);
            }
            if (base instanceof Map<?, ?>) {
                return MAP_READS.contains(name);
            }
            if (base instanceof Collection<?>) {
                return COLLECTION_READS.contains(name);
            }
            return isValue(base) && VALUE_API.get(base.getClass()).contains(name + "/" + arity);
        }

        private boolean isBean(Object base) {
            Set<Object> instances = beanInstances;
            if (instances == null) {
                // Resolved on first use: the beans depend on services that depend on the engine being built.
                instances = Collections.newSetFromMap(new IdentityHashMap<>());
                instances.addAll(beans.values());
                beanInstances = instances;
            }
            return instances.contains(base);
        }

        private String refusal(Object base, String name) {
            String what = base instanceof VariableScope ? "execution/task" : isBean(base) ? "this Leadflow bean"
                    : "a value of type " + base.getClass().getSimpleName();
            return "Models may not use '" + name + "' on " + what + ": expressions read process variables, "
                    + (base instanceof VariableScope ? "and of execution/task only " + EXECUTION_SUMMARY
                            : "call the Leadflow beans " + EngineConfiguration.EXPRESSION_BEANS
                                    + " and plain values' own methods")
                    + " (docs/marketers.md, \"What a model may contain\")";
        }
    }

    /** A bean's own API: the public instance methods its class declares, as "name/arity". */
    private static final ClassValue<Set<String>> DECLARED_API = new ClassValue<>() {
        @Override
        protected Set<String> computeValue(Class<?> type) {
            return Arrays.stream(type.getDeclaredMethods()).filter(ExpressionSandbox::isInstanceApi)
                    .map(m -> m.getName() + "/" + m.getParameterCount()).collect(Collectors.toUnmodifiableSet());
        }
    };

    /**
     * A value's API: its public instance methods, as "name/arity". A name and arity that also has a static
     * overload is left out whole ({@code Long.getLong} reads system properties), as the call could reach it.
     */
    private static final ClassValue<Set<String>> VALUE_API = new ClassValue<>() {
        @Override
        protected Set<String> computeValue(Class<?> type) {
            Map<String, List<Method>> byNameAndArity = Arrays.stream(type.getMethods())
                    .collect(Collectors.groupingBy(m -> m.getName() + "/" + m.getParameterCount()));
            return byNameAndArity.entrySet().stream()
                    .filter(e -> e.getValue().stream().allMatch(ExpressionSandbox::isInstanceApi))
                    .filter(e -> isHarmless(e.getValue().get(0).getName())).map(Map.Entry::getKey)
                    .collect(Collectors.toUnmodifiableSet());
        }
    };

    /**
     * Value methods that neither change the value in place (a task's due date is the task's own object), nor run
     * for as long as the model likes (a regular expression that backtracks, a string repeated a billion times).
     */
    private static boolean isHarmless(String method) {
        return !method.startsWith("set") && !method.startsWith("toMutable") && !Set.of("matches", "replaceAll",
                "replaceFirst", "split", "splitWithDelimiters", "repeat", "pow", "getDeclaringClass").contains(method);
    }

    private static boolean isValue(Object base) {
        return base instanceof CharSequence || base instanceof Number || base instanceof Boolean
                || base instanceof Character || base instanceof Date || base instanceof Temporal
                || base instanceof TemporalAmount || base instanceof Enum<?>
                || base.getClass().getName().startsWith("org.joda.time.");
    }

    private static boolean isInstanceApi(Method method) {
        return Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers())
                && method.getDeclaringClass() != Object.class && !NEVER.contains(method.getName());
    }

    private static String capitalized(String name) {
        return name.isEmpty() ? name : name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
    }

    /** The engine's script engines: none. A script in any element and any language fails when it would run. */
    static final class NoScripts implements ScriptEngineResolver {

        @Override
        public void addScriptEngineFactory(ScriptEngineFactory factory) {
            // nothing is added: models run no scripts
        }

        @Override
        public ScriptEngineManager getScriptEngineManager() {
            return new ScriptEngineManager(null);
        }

        @Override
        public ScriptEngine getScriptEngine(String language, boolean resolveFromCache) {
            throw refused(language);
        }
    }

    static ProcessEngineException refused(String language) {
        return new ProcessEngineException("Models run no scripts (language '" + language
                + "'): use a Leadflow task from the Modeler's templates, FEEL in decision tables");
    }

    /**
     * A DMN engine that evaluates FEEL and nothing else: JUEL and script languages fail when a table would use
     * them, whatever the lint let through. Used by the process engine and by scoring's standalone engine.
     */
    static DefaultDmnEngineConfiguration feelOnly(DefaultDmnEngineConfiguration dmn) {
        dmn.feelEngineFactory(new ParsedFeelEngineFactory());
        dmn.defaultInputExpressionExpressionLanguage("feel");
        dmn.defaultInputEntryExpressionLanguage("feel");
        dmn.defaultOutputEntryExpressionLanguage("feel");
        dmn.defaultLiteralExpressionLanguage("feel");
        dmn.elProvider(expression -> {
            throw new ProcessEngineException("Decision tables use FEEL only; refused the JUEL expression '"
                    + expression + "': set the column's expression language to FEEL");
        });
        dmn.scriptEngineResolver(language -> {
            throw refused(language);
        });
        return dmn;
    }
}
