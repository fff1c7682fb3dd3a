package io.leadflow.process;

import java.time.Duration;
import java.util.Date;

import org.camunda.bpm.engine.impl.cmd.DefaultJobRetryCmd;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.jobexecutor.DefaultFailedJobCommandFactory;
import org.camunda.bpm.engine.impl.jobexecutor.FailedJobCommandFactory;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.util.ClockUtil;

import io.leadflow.channel.crm.CrmSettings;
import io.leadflow.channel.crm.CrmUnavailable;

/**
 * A job that failed because the CRM could not take a lead is rescheduled from the CRM's answer, not from a fixed
 * cycle: after its {@code Retry-After} (429/503), else after the back-off of {@code leadflow.crm.retry}. The job
 * thread is free meanwhile: the job just gets a later due date. After the last try the job's retries reach zero and
 * Camunda raises an incident whose message says what failed and how to resume. Other failures keep the engine's
 * handling (the model's {@code failedJobRetryTimeCycle}).
 */
final class CrmJobRetries implements FailedJobCommandFactory {

    private final FailedJobCommandFactory engineDefault = new DefaultFailedJobCommandFactory();
    private final CrmSettings.Retry retry;

    CrmJobRetries(CrmSettings.Retry retry) {
        this.retry = retry;
    }

    @Override
    public Command<Object> getCommand(String jobId, Throwable exception) {
        CrmUnavailable fault = crmFault(exception);
        return fault == null ? engineDefault.getCommand(jobId, exception) : new RescheduleCrmPush(jobId, exception, fault);
    }

    private static CrmUnavailable crmFault(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CrmUnavailable fault) {
                return fault;
            }
        }
        return null;
    }

    private final class RescheduleCrmPush extends DefaultJobRetryCmd {

        private final CrmUnavailable fault;

        RescheduleCrmPush(String jobId, Throwable exception, CrmUnavailable fault) {
            super(jobId, exception);
            this.fault = fault;
        }

        @Override
        public Object execute(CommandContext commandContext) {
            JobEntity job = getJob();
            if (job == null) {
                return null;
            }
            if (isFirstJobExecution(job)) {
                job.setRetries(retry.maxAttempts());
            }
            job.unlock();
            logException(job);
            int attempt = retry.maxAttempts() - job.getRetries() + 1;
            if (job.getRetries() <= 1) {
                // becomes the incident's message: say what to do, not only what happened
                job.setExceptionMessage("CRM push gave up after " + Math.max(attempt, 1) + " attempt(s): "
                        + fault.getMessage() + " Fix the CRM or the leadflow.crm settings, then replay it with"
                        + " POST /api/crm/failures/" + fault.failureId().orElse("{id}") + "/replay (listed at"
                        + " GET /api/crm/failures) or retry the job in Cockpit.");
            }
            decrementRetries(job);
            // once given up, a retry from Cockpit or a replay should run at once, not when a next try would have
            Duration wait = job.getRetries() == 0 ? Duration.ZERO
                    : fault.retryAfter().map(retry::honour).orElseGet(() -> retry.backoffAfter(attempt));
            job.setDuedate(new Date(ClockUtil.getCurrentTime().getTime() + wait.toMillis()));
            notifyAcquisition(commandContext);
            return null;
        }
    }
}
