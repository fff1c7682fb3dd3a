package io.leadflow.process;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;

import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.impl.cfg.CommandChecker;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.persistence.entity.TaskEntity;
import org.camunda.bpm.engine.impl.persistence.entity.PropertyChange;

/**
 * A task someone is assigned to is worked on (completed, its form submitted) and reassigned only by that person or by
 * a manager, whatever the way in (Tasklist, the engine's REST API): a teammate who sees the task through the team's
 * candidate group may neither close another rep's lead nor take the task over (tasks created before this rule
 * included, whatever their authorizations say). Leadflow itself (the handoff API, which checks the owner on its own,
 * and the job executor) works without a signed-in user and is not concerned, nor is code the engine runs with its
 * authorization checks off.
 * <p>
 * It is one more of the engine's command checkers, consulted before the command changes anything, so the refusal is
 * an {@link AuthorizationException} (403), not a failed command. Of the checker's many questions only "may this user
 * work on this task" is answered here (a proxy says yes to all others: Camunda's own checker answers them).
 */
final class AssigneeCompletesTask implements InvocationHandler {

    static final Set<String> MANAGERS = Set.of("SALES_MANAGER", "ADMIN", Groups.CAMUNDA_ADMIN);

    static CommandChecker checker() {
        return (CommandChecker) Proxy.newProxyInstance(CommandChecker.class.getClassLoader(),
                new Class<?>[] {CommandChecker.class}, new AssigneeCompletesTask());
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) {
        switch (method.getName()) {
            case "checkTaskWork" -> assigneeOrManager((TaskEntity) args[0], "work on");
            case "checkTaskAssign" -> assigneeOrManager((TaskEntity) args[0], "reassign or change");
            case "checkUpdateTaskVariable" -> assigneeOrManager((TaskEntity) args[0], "change the variables of");
            case "toString" -> {
                return "AssigneeCompletesTask";
            }
            case "hashCode" -> {
                return System.identityHashCode(proxy);
            }
            case "equals" -> {
                return proxy == args[0];
            }
            default -> {
                // every other question of the engine: Camunda's own checkers answer it
            }
        }
        return null;
    }

    /**
     * The assignee as stored, not as the command is about to change it: saving a task whose assignee the caller set
     * to himself is checked after the change ({@code PUT /task/{id}}), and must not pass for that.
     */
    private static String storedAssignee(TaskEntity task) {
        PropertyChange change = task.getPropertyChanges().get(TaskEntity.ASSIGNEE);
        return change != null ? (String) change.getOrgValue() : task.getAssignee();
    }

    private static void assigneeOrManager(TaskEntity task, String what) {
        if (!Context.getCommandContext().isAuthorizationCheckEnabled()) {
            return;
        }
        Authentication who = Context.getCommandContext().getAuthentication();
        String assignee = storedAssignee(task);
        if (who == null || who.getUserId() == null || assignee == null || assignee.equals(who.getUserId())) {
            return;
        }
        if (who.getGroupIds() != null && who.getGroupIds().stream().anyMatch(MANAGERS::contains)) {
            return;
        }
        throw new AuthorizationException("Task '" + task.getName() + "' is assigned to " + assignee
                + ": only they or a sales manager may " + what + " it. Ask a manager to reassign it to you.");
    }
}
