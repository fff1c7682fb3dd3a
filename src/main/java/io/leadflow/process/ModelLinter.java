package io.leadflow.process;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.Period;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;

import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.BusinessRuleTask;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.ScriptTask;
import org.camunda.bpm.model.bpmn.instance.TimerEventDefinition;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaFailedJobRetryTimeCycle;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.camunda.bpm.model.dmn.Dmn;
import org.camunda.bpm.model.dmn.DmnModelInstance;
import org.camunda.bpm.model.dmn.instance.Decision;
import org.camunda.bpm.model.xml.instance.DomElement;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import io.leadflow.platform.Errors;

/**
 * Checks a model before it is deployed, whether it comes from the folder or from Camunda Modeler's deploy button,
 * and names the file and element of every problem. Models run no code of their own and carry no personal data.
 */
final class ModelLinter {

    record Problem(String file, String element, String message) {
        @Override
        public String toString() {
            return file + " › " + element + ": " + message;
        }

        /** The id of the element, as the Modeler highlights it: "serviceTask 'Name' (Id)" or "serviceTask 'Id'". */
        String elementId() {
            Matcher named = Pattern.compile("'[^']*' \\(([^)]+)\\)$").matcher(element);
            if (named.find()) {
                return named.group(1);
            }
            Matcher plain = Pattern.compile("'([^']+)'$").matcher(element);
            return plain.find() ? plain.group(1) : null;
        }
    }

    private static final String CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn";
    /** {@code 3 days}, {@code 4 hours}, {@code 2 semaines} in an element's name. */
    private static final Pattern NAMED_WAIT = Pattern.compile(
            "(?i)\\b(\\d+)\\s*(minutes?|mins?|hours?|heures?|h|days?|jours?|weeks?|semaines?)\\b");
    /** The engine takes Activiti's old namespace for its own: an activiti:class is a camunda:class. */
    private static final String ACTIVITI_NS = "http://activiti.org/bpmn";
    /** An expression, to its closing brace: a brace inside a quoted string does not close it. */
    private static final Pattern EXPRESSION = Pattern.compile(
            "[$#]\\{((?:'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"|[^}'\"])*)}");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.'\"])([A-Za-z_][A-Za-z0-9_]*)");
    private static final Set<String> PERSONAL = Set.of("email", "mail", "emailaddress", "firstname", "lastname",
            "fullname", "phone", "phonenumber", "mobile", "address", "street", "ip", "ipaddress",
            "useragent", "birthdate", "dateofbirth");
    private static final Set<String> EL_KEYWORDS = Set.of("true", "false", "null", "empty", "not", "and", "or", "eq",
            "ne", "lt", "gt", "le", "ge", "div", "mod", "instanceof", "execution", "task", "authenticatedUserId");
    private static final Pattern RETRY_CYCLE = Pattern.compile("^R\\d+/P[0-9A-Z.]+(,\\s*P[0-9A-Z.]+)*$");

    /** Package roots: {@code java.lang.Runtime} in an expression is an attempt to reach a class. */
    private static final Set<String> PACKAGE_ROOTS = Set.of("java", "javax", "jakarta", "jdk", "sun", "com", "org",
            "net", "io", "groovy", "kotlin", "scala");

    private final Set<String> delegateBeans;
    private final Set<String> expressionBeans;
    private final Set<String> otherBeans;
    private final Predicate<String> decisionDeployed;
    private final Emails emails;

    /**
     * @param delegateBeans    the beans a task may name as its delegate expression
     * @param expressionBeans  the beans an expression may reach
     * @param otherBeans       every other bean of the application: an expression naming one is refused by name
     * @param decisionDeployed whether a decision key is deployed already
     * @param emails           the email templates a {@code ${sendEmail}} task may send, and the languages they need
     */
    ModelLinter(Collection<String> delegateBeans, Collection<String> expressionBeans, Collection<String> otherBeans,
            Predicate<String> decisionDeployed, Emails emails) {
        this.emails = emails;
        this.delegateBeans = Set.copyOf(delegateBeans);
        this.expressionBeans = Set.copyOf(expressionBeans);
        this.otherBeans = Set.copyOf(otherBeans);
        this.decisionDeployed = decisionDeployed;
    }

    /** Decision keys defined in a DMN file (so that BPMN files deployed with it may refer to them). */
    static List<String> decisionKeys(byte[] dmn) {
        try {
            return Dmn.readModelFromStream(new ByteArrayInputStream(dmn)).getModelElementsByType(Decision.class)
                    .stream().map(Decision::getId).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** Lints the files of one deployment together: a process may refer to a decision deployed beside it. */
    List<Problem> lintAll(Map<String, byte[]> files) {
        Set<String> decisionsHere = new HashSet<>();
        files.forEach((name, bytes) -> {
            if (name.toLowerCase(Locale.ROOT).endsWith(".dmn")) {
                decisionsHere.addAll(decisionKeys(bytes));
            }
        });
        List<Problem> problems = new ArrayList<>();
        files.forEach((name, bytes) -> problems.addAll(lint(name, bytes, decisionsHere)));
        return problems;
    }

    List<Problem> lint(String file, byte[] content, Collection<String> decisionsInSameDeployment) {
        List<Problem> problems = new ArrayList<>();
        String name = file.toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".bpmn") || name.endsWith(".bpmn20.xml")) {
                lintBpmn(file, Bpmn.readModelFromStream(new ByteArrayInputStream(content)), decisionsInSameDeployment,
                        problems);
                checkExpressions(file, content, problems);
            } else if (name.endsWith(".dmn") || name.endsWith(".dmn11.xml")) {
                lintDmn(file, Dmn.readModelFromStream(new ByteArrayInputStream(content)), problems);
            } else if (!name.endsWith(".form") && !name.endsWith(".png")) {
                problems.add(new Problem(file, "file", "only .bpmn, .dmn, .form and .png files can be deployed"));
            }
        } catch (RuntimeException e) {
            problems.add(new Problem(file, "file", "is not a valid model: " + Errors.rootMessage(e)));
        }
        return problems;
    }

    private void lintBpmn(String file, BpmnModelInstance model, Collection<String> extraDecisions,
            List<Problem> problems) {
        for (Process process : model.getModelElementsByType(Process.class)) {
            if (process.isExecutable() && process.getCamundaHistoryTimeToLiveString() == null) {
                problems.add(new Problem(file, describe(process),
                        "has no History Time To Live: set one in the Modeler (e.g. P30D)"));
            }
        }
        for (ScriptTask script : model.getModelElementsByType(ScriptTask.class)) {
            problems.add(new Problem(file, describe(script),
                    "is a script task: models run no code; use a service task from the Leadflow templates"));
        }
        for (BusinessRuleTask task : model.getModelElementsByType(BusinessRuleTask.class)) {
            String ref = task.getCamundaDecisionRef();
            if (ref != null && !ref.contains("${") && !extraDecisions.contains(ref) && !decisionDeployed.test(ref)) {
                problems.add(new Problem(file, describe(task), "refers to decision '" + ref
                        + "', which is not deployed: add dmn/" + ref + ".dmn or fix the key"));
            }
        }
        for (CamundaInputParameter parameter : model.getModelElementsByType(CamundaInputParameter.class)) {
            checkEmailTemplate(file, parameter, problems);
        }
        for (TimerEventDefinition timer : model.getModelElementsByType(TimerEventDefinition.class)) {
            BaseElement event = (BaseElement) timer.getParentElement();
            checkTimer(file, describe(event), timer.getTimeDuration() != null ? timer.getTimeDuration().getTextContent() : null, "duration", problems);
            checkTimer(file, describe(event), timer.getTimeCycle() != null ? timer.getTimeCycle().getTextContent() : null, "cycle", problems);
            checkTimer(file, describe(event), timer.getTimeDate() != null ? timer.getTimeDate().getTextContent() : null, "date", problems);
            if (timer.getTimeDuration() != null) {
                checkTimerName(file, event, timer.getTimeDuration().getTextContent(), problems);
            }
        }
        for (CamundaFailedJobRetryTimeCycle cycle : model.getModelElementsByType(CamundaFailedJobRetryTimeCycle.class)) {
            String value = cycle.getTextContent() == null ? "" : cycle.getTextContent().trim();
            ModelElementInstance owner = cycle.getParentElement().getParentElement();
            if (!value.contains("${") && !RETRY_CYCLE.matcher(value).matches()) {
                problems.add(new Problem(file, describe(owner), "retry time cycle '" + value
                        + "' is not of the form R5/PT1M"));
            }
        }
        for (SplitTasks.Split split : SplitTasks.of(model)) {
            split.problems().forEach(p -> problems.add(new Problem(file, describe(split.task()), p)));
        }
        walk(file, model.getDocument().getRootElement(), problems);
    }

    /**
     * The template of a {@code ${sendEmail}} task exists: a misspelt name would pass the save and fail on the first
     * lead's email. A template chosen by an expression is checked when it is sent.
     */
    private void checkEmailTemplate(String file, CamundaInputParameter parameter, List<Problem> problems) {
        if (parameter.getParentElement() == null || parameter.getParentElement().getParentElement() == null) {
            return;
        }
        ModelElementInstance task = parameter.getParentElement().getParentElement().getParentElement();
        String delegate = task == null ? null : task.getAttributeValueNs(CAMUNDA_NS, "delegateExpression");
        Optional<String> sent = sentTemplate(delegate, parameter);
        if (sent.isEmpty()) {
            return;
        }
        String name = sent.get();
        Set<String> languages = emails.languages().get(name);
        if (languages == null) {
            problems.add(new Problem(file, describe(task), "sends email template '" + name + "', which does not "
                    + "exist: use one of " + emails.languages().keySet() + " (mail/<name>.txt and mail/<name>.html)"));
            return;
        }
        emails.formLanguages().forEach((language, form) -> {
            if (!languages.contains(language)) {
                problems.add(new Problem(file, describe(task), "sends email template '" + name + "', which has no "
                        + "'" + language + "' version, though form '" + form + "' collects leads in that language:"
                        + " add mail/" + name + "_" + language + ".txt and mail/" + name + "_" + language + ".html"));
            }
        });
    }

    /**
     * The template a task sends when it is a {@code ${sendEmail}} task and this is its {@code template} input, written
     * as a name (possibly empty); empty for any other input, and for a template chosen by an expression, which is only
     * known when it is sent.
     */
    static Optional<String> sentTemplate(String delegateExpression, CamundaInputParameter parameter) {
        String name = parameter.getTextContent() == null ? "" : parameter.getTextContent().trim();
        if (delegateExpression == null || !delegateExpression.replace(" ", "").equals("${sendEmail}")
                || !"template".equals(parameter.getCamundaName()) || name.contains("{")) {
            return Optional.empty();
        }
        return Optional.of(name);
    }

    /**
     * The email templates a model may send.
     *
     * @param languages     each template's languages, by name
     * @param formLanguages the languages the capture forms collect leads in, each with one form that does
     */
    record Emails(Map<String, Set<String>> languages, Map<String, String> formLanguages) {

        Emails {
            languages = Map.copyOf(languages);
            formLanguages = Map.copyOf(formLanguages);
        }
    }

    /** Checks every camunda:* attribute and expression text in the document. */
    private void walk(String file, DomElement element, List<Problem> problems) {
        String where = describe(element);
        String camundaClass = element.getAttribute(CAMUNDA_NS, "class");
        if (camundaClass != null) {
            problems.add(new Problem(file, where, "uses camunda:class '" + camundaClass
                    + "': models run no code of their own; use a Leadflow task template"));
        }
        if (element.getAttribute(CAMUNDA_NS, "expression") != null && isServiceLike(element)) {
            problems.add(new Problem(file, where,
                    "uses camunda:expression: pick a Leadflow task (delegate expression) instead"));
        }
        String delegate = element.getAttribute(CAMUNDA_NS, "delegateExpression");
        if (delegate != null) {
            Matcher m = Pattern.compile("^\\$\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}$").matcher(delegate.trim());
            if (!m.matches() || !delegateBeans.contains(m.group(1))) {
                problems.add(new Problem(file, where, "delegate '" + delegate + "' is unknown: use one of "
                        + delegateBeans.stream().sorted().map(b -> "${" + b + "}").toList()));
            }
        }
        String mappingClass = element.getAttribute(CAMUNDA_NS, "variableMappingClass");
        if (mappingClass != null) {
            problems.add(new Problem(file, where, "uses camunda:variableMappingClass '" + mappingClass
                    + "': models run no code of their own; map variables with camunda:in and camunda:out"));
        }
        String mappingDelegate = element.getAttribute(CAMUNDA_NS, "variableMappingDelegateExpression");
        if (mappingDelegate != null) {
            problems.add(new Problem(file, where, "uses camunda:variableMappingDelegateExpression '" + mappingDelegate
                    + "': map variables with camunda:in and camunda:out"));
        }
        if (element.getAttribute(CAMUNDA_NS, "resource") != null || element.getAttribute("scriptFormat") != null
                || "script".equals(element.getLocalName())
                || ("conditionExpression".equals(element.getLocalName()) || "condition".equals(element.getLocalName()))
                        && element.getAttribute("language") != null) {
            problems.add(new Problem(file, where, "contains a script ("
                    + Objects.requireNonNullElse(element.getAttribute("scriptFormat"),
                            Objects.requireNonNullElse(element.getAttribute("language"), element.getLocalName()))
                    + "): models run no code; write conditions as ${...} expressions and use Leadflow task templates"));
        }
        if (CAMUNDA_NS.equals(element.getNamespaceURI()) && "connector".equals(element.getLocalName())) {
            problems.add(new Problem(file, where, "uses a Camunda connector: Leadflow serves no connectors; use a"
                    + " Leadflow task (Push to CRM, Send email)"));
        }
        // On Camunda's own elements "type" is a form field's or variable's type; on BPMN elements, the task's kind.
        String type = CAMUNDA_NS.equals(element.getNamespaceURI()) ? null : element.getAttribute(CAMUNDA_NS, "type");
        if (type != null) {
            problems.add(new Problem(file, where, "camunda:type '" + type + "' (external, shell or mail tasks) is not"
                    + " served by Leadflow: use a Leadflow task from the Modeler's templates"));
        }
        if (element.getAttribute(CAMUNDA_NS, "formHandlerClass") != null) {
            problems.add(new Problem(file, where, "camunda:formHandlerClass names a Java class: models run no code"));
        }
        if (CAMUNDA_NS.equals(element.getNamespaceURI()) && "constraint".equals(element.getLocalName())
                && "validator".equals(element.getAttribute("name"))) {
            problems.add(new Problem(file, where, "a form field validator names code: use the built-in constraints"
                    + " (required, minlength, maxlength, min, max, readonly)"));
        }
        String formKey = element.getAttribute(CAMUNDA_NS, "formKey");
        if (formKey != null && !formKey.startsWith("camunda-forms:")) {
            problems.add(new Problem(file, where, "form key '" + formKey + "' would show a page of the model's own"
                    + " in Tasklist: use a Camunda Form (camunda-forms:deployment:name.form) or form fields"));
        }
        for (String variable : variableNames(element)) {
            if (PERSONAL.contains(variable.toLowerCase(Locale.ROOT).replace("_", ""))) {
                problems.add(new Problem(file, where, "variable '" + variable
                        + "' would hold personal data: process variables carry ids and decisions only"));
            }
        }
        for (DomElement child : element.getChildElements()) {
            walk(file, child, problems);
        }
    }

    /** The element, or its nearest ancestor with an id, as a marketer sees it in the Modeler. */
    private static String describe(DomElement element) {
        for (DomElement e = element; e != null; e = e.getParentElement()) {
            String id = e.getAttribute("id");
            if (id != null && !id.isEmpty()) {
                String name = e.getAttribute("name");
                return e.getLocalName() + " '" + (name == null || name.isEmpty() ? id : name) + "'"
                        + (name == null || name.isEmpty() ? "" : " (" + id + ")");
            }
        }
        return element.getLocalName();
    }

    /** Names of the process variables an element writes or reads by name. */
    private static List<String> variableNames(DomElement e) {
        List<String> names = new ArrayList<>();
        if (CAMUNDA_NS.equals(e.getNamespaceURI())) {
            switch (e.getLocalName()) {
                case "inputParameter", "outputParameter" -> names.add(e.getAttribute("name"));
                case "formField" -> names.add(e.getAttribute("id"));
                case "in", "out" -> {
                    names.add(e.getAttribute("source"));
                    names.add(e.getAttribute("target"));
                }
                default -> { }
            }
        }
        for (String attr : List.of("resultVariable", "collection", "elementVariable", "variableName")) {
            names.add(e.getAttribute(CAMUNDA_NS, attr));
        }
        names.removeIf(Objects::isNull);
        return names;
    }

    private static boolean isServiceLike(DomElement e) {
        return Set.of("serviceTask", "sendTask", "businessRuleTask", "intermediateThrowEvent", "endEvent")
                .contains(e.getLocalName());
    }

    /** Every expression in the document may only reach allowed beans and must not read personal data. */
    private void checkExpressions(String file, byte[] content, List<Problem> problems) {
        Document document;
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            document = factory.newDocumentBuilder().parse(new ByteArrayInputStream(content));
        } catch (Exception e) {
            problems.add(new Problem(file, "file", "is not well-formed XML: " + e.getMessage()));
            return;
        }
        NodeList all = document.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            Element element = (Element) all.item(i);
            List<String> texts = new ArrayList<>();
            NamedNodeMap attributes = element.getAttributes();
            for (int a = 0; a < attributes.getLength(); a++) {
                texts.add(attributes.item(a).getNodeValue());
                if (ACTIVITI_NS.equals(attributes.item(a).getNamespaceURI())
                        || ACTIVITI_NS.equals(attributes.item(a).getNodeValue())) {
                    problems.add(new Problem(file, nearestId(element), "uses the Activiti namespace ("
                            + attributes.item(a).getNodeName() + "), which the engine reads as camunda:"
                            + " save the model with Camunda Modeler"));
                }
            }
            if (element.getElementsByTagName("*").getLength() == 0 && element.getTextContent() != null) {
                texts.add(element.getTextContent());
            }
            checkExpressions(file, nearestId(element), texts, problems);
        }
    }

    private static String nearestId(Element element) {
        Node n = element;
        while (n instanceof Element e) {
            String id = e.getAttribute("id");
            if (!id.isEmpty()) {
                String name = e.getAttribute("name");
                return e.getLocalName() + " '" + (name.isEmpty() ? id : name) + "'" + (name.isEmpty() ? "" : " (" + id + ")");
            }
            n = e.getParentNode();
        }
        return element.getLocalName();
    }

    private static final Pattern FUNCTION = Pattern.compile("(?<![\\w.])([A-Za-z_][\\w]*(?:\\s*:\\s*[A-Za-z_][\\w]*)?)\\s*\\(");
    private static final Pattern MEMBER = Pattern.compile("\\.\\s*([A-Za-z_][\\w]*)");
    private static final Pattern ON_EXECUTION = Pattern.compile(
            "(?<![\\w.])(execution|task)\\s*(?:\\.\\s*([A-Za-z_][\\w]*)|\\[)");

    /**
     * Every expression may reach only the allow-listed beans, the variables, Camunda's date and user functions,
     * and of {@code execution}/{@code task} only variables, business key and ids; it must not read personal data.
     * The engine enforces the same when the expression runs ({@link ExpressionSandbox}); this says it at save.
     */
    private void checkExpressions(String file, String where, List<String> texts, List<Problem> problems) {
        for (String text : texts) {
            Matcher m = EXPRESSION.matcher(text);
            while (m.find()) {
                String expression = m.group();
                String body = m.group(1).replaceAll("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"", "''");
                Matcher functions = FUNCTION.matcher(body);
                while (functions.find()) {
                    String function = functions.group(1).replaceAll("\\s", "");
                    if (!ExpressionSandbox.FUNCTIONS.contains(function) && !EL_KEYWORDS.contains(function)) {
                        problems.add(new Problem(file, where, "expression '" + expression + "' calls '" + function
                                + "()', which models may not; functions: " + sorted(ExpressionSandbox.FUNCTIONS)));
                    }
                }
                Matcher members = MEMBER.matcher(body);
                while (members.find()) {
                    String member = members.group(1);
                    if (Set.of("class", "getClass", "forName", "classLoader", "getClassLoader", "getMethod",
                            "getDeclaredMethod", "invoke", "newInstance", "getRuntime", "exec").contains(member)) {
                        problems.add(new Problem(file, where, "expression '" + expression + "' uses '" + member
                                + "': models reach no Java class, method or runtime"));
                    }
                }
                Matcher onExecution = ON_EXECUTION.matcher(body);
                while (onExecution.find()) {
                    String member = onExecution.group(2);
                    if (member == null || !ExpressionSandbox.EXECUTION_MEMBERS.contains(member)
                            && !ExpressionSandbox.EXECUTION_PROPERTIES.contains(member)) {
                        problems.add(new Problem(file, where, "expression '" + expression + "' uses "
                                + onExecution.group(1) + (member == null ? "[...]" : "." + member) + ": of "
                                + onExecution.group(1) + " models may use only " + ExpressionSandbox.EXECUTION_SUMMARY));
                    }
                }
                Matcher ids = IDENTIFIER.matcher(body);
                while (ids.find()) {
                    String id = ids.group(1);
                    int after = ids.end();
                    boolean dotted = after < body.length() && body.charAt(after) == '.';
                    if (expressionBeans.contains(id) || EL_KEYWORDS.contains(id)) {
                        continue;
                    }
                    if (otherBeans.contains(id) || dotted && (PACKAGE_ROOTS.contains(id)
                            || Character.isLowerCase(id.charAt(0)) && looksLikeBean(id))) {
                        problems.add(new Problem(file, where, "expression '" + expression
                                + "' uses '" + id + "', which models may not reach; allowed: "
                                + sorted(expressionBeans)));
                    }
                    if (PERSONAL.contains(id.toLowerCase(Locale.ROOT))) {
                        problems.add(new Problem(file, where, "expression '" + expression
                                + "' reads '" + id + "': process variables carry ids and decisions only"));
                    }
                }
            }
        }
    }

    private static List<String> sorted(Collection<String> names) {
        return names.stream().sorted().toList();
    }

    /** Variables such as {@code handoffOutcome} may be called upon too; beans end in a known suffix or are known. */
    private static boolean looksLikeBean(String id) {
        return id.endsWith("Service") || id.endsWith("Repository") || id.endsWith("Settings") || id.endsWith("Bean")
                || id.endsWith("Context") || id.equals("environment") || id.equals("systemProperties")
                || id.startsWith("spring") || id.endsWith("Template") || id.endsWith("Engine");
    }

    /**
     * A timer whose name gives a wait ("Wait 3 days") waits that long: a marketer who changed the value and not the
     * name would leave a diagram that says one thing and does another.
     */
    private static void checkTimerName(String file, BaseElement event, String duration, List<Problem> problems) {
        String name = event.getAttributeValue("name");
        if (name == null || duration == null || duration.contains("{")) {
            return;
        }
        Matcher said = NAMED_WAIT.matcher(name);
        if (!said.find() || said.find(said.end())) {
            return; // no wait in the name, or more than one: nothing to compare
        }
        said.reset().find();
        long saidMinutes = Long.parseLong(said.group(1)) * unitMinutes(said.group(2));
        Long actual = minutes(duration.trim());
        if (actual != null && actual != saidMinutes) {
            problems.add(new Problem(file, describe(event), "is named '" + name + "' but waits " + duration.trim()
                    + ": change the name or the timer so that the diagram says what it does"));
        }
    }

    private static long unitMinutes(String unit) {
        String u = unit.toLowerCase(Locale.ROOT);
        if (u.startsWith("min")) {
            return 1;
        }
        if (u.startsWith("h")) {
            return 60;
        }
        if (u.startsWith("d") || u.startsWith("j")) {
            return 24 * 60;
        }
        return 7 * 24 * 60;
    }

    /** The minutes of a plain ISO duration ({@code P3D}, {@code PT4H}, {@code P2W}); null for anything else. */
    private static Long minutes(String iso) {
        try {
            if (iso.matches("P\\d+W")) {
                return Long.parseLong(iso.substring(1, iso.length() - 1)) * 7 * 24 * 60;
            }
            if (iso.matches("P\\d+D")) {
                return Long.parseLong(iso.substring(1, iso.length() - 1)) * 24 * 60;
            }
            return java.time.Duration.parse(iso).toMinutes();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void checkTimer(String file, String where, String value, String kind, List<Problem> problems) {
        if (value == null || value.isBlank() || value.contains("${") || value.contains("#{")) {
            return;
        }
        String v = value.trim();
        try {
            switch (kind) {
                case "duration" -> parseDuration(v);
                case "cycle" -> {
                    if (!v.startsWith("R")) {
                        throw new IllegalArgumentException("a cycle starts with R, e.g. R3/PT1H");
                    }
                    parseDuration(v.substring(v.lastIndexOf('/') + 1));
                }
                default -> OffsetDateTime.parse(v.length() == 19 ? v + "Z" : v);
            }
        } catch (RuntimeException e) {
            problems.add(new Problem(file, where, "timer " + kind + " '" + v
                    + "' cannot be parsed: use ISO 8601, e.g. P3D or PT4H"));
        }
    }

    private static void parseDuration(String v) {
        int t = v.indexOf('T');
        if (t < 0) {
            Period.parse(v);
        } else if (t == 1) {
            Duration.parse(v);
        } else {
            Period.parse(v.substring(0, t));
            Duration.parse("P" + v.substring(t));
        }
    }

    private void lintDmn(String file, DmnModelInstance model, List<Problem> problems) {
        for (Decision decision : model.getModelElementsByType(Decision.class)) {
            String ttl = decision.getAttributeValueNs("http://camunda.org/schema/1.0/dmn", "historyTimeToLive");
            if (ttl == null) {
                problems.add(new Problem(file, "decision '" + decision.getId() + "'",
                        "has no History Time To Live: set one in the Modeler (e.g. P30D)"));
            }
        }
        problems.addAll(dmnLanguageProblems(file, model));
    }

    /**
     * Every expression language named in a DMN file, on any element (the definitions' default, input expressions,
     * input and output entries, literal expressions), must be FEEL: JUEL and scripts would run code.
     */
    static List<Problem> dmnLanguageProblems(String file, DmnModelInstance model) {
        List<Problem> problems = new ArrayList<>();
        checkDmnLanguages(file, model.getDocument().getRootElement(), problems);
        return problems;
    }

    private static void checkDmnLanguages(String file, DomElement element, List<Problem> problems) {
        String language = element.getAttribute("expressionLanguage");
        if (language != null && !isFeel(language)) {
            String id = element.getAttribute("id");
            problems.add(new Problem(file, element.getLocalName() + " '" + (id == null ? "?" : id) + "'",
                    "uses expression language '" + language + "': only FEEL is allowed"));
        }
        for (DomElement child : element.getChildElements()) {
            checkDmnLanguages(file, child, problems);
        }
    }

    private static boolean isFeel(String language) {
        String l = language.trim().toLowerCase(Locale.ROOT);
        return l.equals("feel") || l.matches("https?://www\\.omg\\.org/spec/(dmn/\\d+/)?feel/(\\d+/?)?");
    }

    private static String describe(ModelElementInstance e) {
        if (e instanceof BaseElement b) {
            String name = b.getAttributeValue("name");
            return b.getElementType().getTypeName() + " '" + (name != null ? name + "' (" + b.getId() + ")" : b.getId() + "'");
        }
        return e == null ? "?" : e.getElementType().getTypeName();
    }

}
