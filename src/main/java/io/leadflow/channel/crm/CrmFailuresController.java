package io.leadflow.channel.crm;

import java.time.Instant;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.leadflow.platform.ConflictException;
import io.leadflow.platform.InvalidInputException;
import io.leadflow.platform.NotFoundException;

/**
 * {@code GET /api/crm/failures}: pushes the CRM did not take, its answer, and where each push waits;
 * {@code POST /api/crm/failures/{id}/replay}: push again now, once the integrator fixed the CRM or the mapping.
 */
@RestController
@RequestMapping("/api/crm/failures")
class CrmFailuresController {

    /**
     * {@code status}: {@code RETRYING} (tried again at {@code nextAttemptAt}), {@code INCIDENT} (gave up),
     * {@code WAITING_FOR_FIX} (rejected; a "Fix CRM push" task waits), {@code RESOLVED} (pushed since), or
     * {@code ABANDONED} (nothing waits for it any more: its process ended).
     */
    record FailureView(String id, String leadId, String purpose, String status, String failureClass,
            Integer httpStatus, String crmAnswer, String message, int attempts, Integer retriesLeft,
            Instant nextAttemptAt, Instant firstFailedAt, Instant lastFailedAt, Instant replayedAt,
            Instant resolvedAt) {
    }

    private final CrmFailures failures;
    private final CrmPushSteps steps;

    CrmFailuresController(CrmFailures failures, CrmPushSteps steps) {
        this.failures = failures;
        this.steps = steps;
    }

    @GetMapping
    List<FailureView> list(@RequestParam(defaultValue = "open") String status,
            @RequestParam(defaultValue = "100") int limit) {
        if (!status.equals("open") && !status.equals("resolved")) {
            throw InvalidInputException.of("status", "must be open or resolved");
        }
        if (limit < 1 || limit > 1000) {
            throw InvalidInputException.of("limit", "must be between 1 and 1000");
        }
        return failures.list(status.equals("resolved"), limit).stream().map(this::view).toList();
    }

    @GetMapping("/{id}")
    FailureView get(@PathVariable String id) {
        return view(find(id));
    }

    @PostMapping("/{id}/replay")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Transactional
    FailureView replay(@PathVariable String id) {
        CrmFailures.Failure failure = find(id);
        if (failure.resolvedAt() != null) {
            throw new ConflictException("The push of lead " + failure.leadId() + " (" + failure.purpose()
                    + ") succeeded at " + failure.resolvedAt() + ": nothing to replay");
        }
        if (failure.stepRef() == null || !steps.replay(failure.stepRef())) {
            throw new ConflictException("Nothing waits for the push of lead " + failure.leadId() + " ("
                    + failure.purpose() + ") any more: its process ended. Start a new handoff to push the lead again.");
        }
        failures.markReplayed(id);
        return view(find(id));
    }

    private CrmFailures.Failure find(String id) {
        return failures.find(id).orElseThrow(() -> new NotFoundException("No CRM failure with id " + id));
    }

    private FailureView view(CrmFailures.Failure f) {
        CrmPushSteps.Step step = f.resolvedAt() != null || f.stepRef() == null ? null
                : steps.find(f.stepRef()).orElse(null);
        String status = f.resolvedAt() != null ? "RESOLVED" : step == null ? "ABANDONED" : step.waiting().name();
        return new FailureView(f.id(), f.leadId(), f.purpose(), status, f.failureClass(), f.httpStatus(),
                f.crmAnswer(), f.message(), f.attempts(), step == null ? null : step.retriesLeft(),
                step == null ? null : step.nextAttemptAt(), f.firstFailedAt(), f.lastFailedAt(), f.replayedAt(),
                f.resolvedAt());
    }
}
