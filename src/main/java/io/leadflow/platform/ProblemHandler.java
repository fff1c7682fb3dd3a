package io.leadflow.platform;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Every error leaves as {@code application/problem+json} (RFC 9457); client mistakes get a 4xx naming the field,
 * an unreachable database a 503 with {@code Retry-After}.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    /** When a caller should try again after the database was away. */
    static final long STORAGE_RETRY_AFTER_SECONDS = 10;

    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidInputException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid input", e.getMessage(), e.errors());
    }

    @ExceptionHandler(NotFoundException.class)
    ResponseEntity<ProblemDetail> notFound(NotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage(), null);
    }

    @ExceptionHandler(GoneException.class)
    ResponseEntity<ProblemDetail> gone(GoneException e) {
        return problem(HttpStatus.GONE, "Gone", e.getMessage(), null);
    }

    @ExceptionHandler(ConflictException.class)
    ResponseEntity<ProblemDetail> conflict(ConflictException e) {
        return problem(HttpStatus.CONFLICT, "Conflict", e.getMessage(), null);
    }

    @ExceptionHandler(PayloadTooLargeException.class)
    ResponseEntity<ProblemDetail> tooLarge(PayloadTooLargeException e) {
        return problem(HttpStatus.PAYLOAD_TOO_LARGE, "Payload too large", e.getMessage(), null);
    }

    @ExceptionHandler(TooManyRequestsException.class)
    ResponseEntity<ProblemDetail> tooMany(TooManyRequestsException e) {
        return retryLater(HttpStatus.TOO_MANY_REQUESTS, "Too many requests", e.getMessage(), e.retryAfterSeconds());
    }

    /** A multipart body that cannot be parsed (no boundary, cut short): capture takes forms and JSON only. */
    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ProblemDetail> unreadableMultipart(MultipartException e) {
        return problem(HttpStatus.BAD_REQUEST, "Unreadable body",
                "The multipart/form-data body could not be read; send application/x-www-form-urlencoded or JSON", null);
    }

    /** Spring Security's firewall refuses a field name with control or unassigned characters when it is first read. */
    @ExceptionHandler(RequestRejectedException.class)
    ResponseEntity<ProblemDetail> rejected(RequestRejectedException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid input",
                "A field name contains control or unassigned characters; rename the field", null);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> typeMismatch(MethodArgumentTypeMismatchException e) {
        return problem(HttpStatus.BAD_REQUEST, "Invalid input", "Parameter '" + e.getName() + "' has an invalid value",
                List.of(new InvalidInputException.FieldError(e.getName(), "invalid value")));
    }

    @ExceptionHandler({CannotGetJdbcConnectionException.class, CannotCreateTransactionException.class,
            DataAccessResourceFailureException.class, TransientDataAccessException.class})
    ResponseEntity<ProblemDetail> storageDown(Exception e) {
        log.error("Storage unavailable: {}", e.getMessage());
        return retryLater(HttpStatus.SERVICE_UNAVAILABLE, "Storage unavailable",
                "Nothing was saved. Please retry in a few seconds.", STORAGE_RETRY_AFTER_SECONDS);
    }

    /**
     * The database went away inside the transaction: rolling back on the dead connection failed, so nothing was
     * committed; a commit that failed so may or may not have reached the database, and the answer says so.
     */
    @ExceptionHandler(TransactionSystemException.class)
    ResponseEntity<ProblemDetail> storageLostMidTransaction(TransactionSystemException e) {
        log.error("Storage lost in the middle of a transaction: {}", Errors.rootMessage(e));
        boolean rolledBack = e.getMessage() != null && e.getMessage().contains("rollback");
        return retryLater(HttpStatus.SERVICE_UNAVAILABLE, "Storage unavailable",
                rolledBack ? "Nothing was saved. Please retry in a few seconds."
                        : "The database went away while saving: it may or may not be saved. Please retry in a few"
                                + " seconds.", STORAGE_RETRY_AFTER_SECONDS);
    }

    /** A journey busy with the same lead, every try lost to a concurrent change: nothing was saved, try again. */
    @ExceptionHandler({ServiceBusyException.class, ConcurrencyFailureException.class})
    ResponseEntity<ProblemDetail> busy(Exception e) {
        return retryLater(HttpStatus.SERVICE_UNAVAILABLE, "Busy",
                "The lead's journey was busy with another change and nothing was saved: try again in a second.", 1);
    }

    /** A problem the caller may simply try again, with {@code Retry-After} saying when. */
    private static ResponseEntity<ProblemDetail> retryLater(HttpStatus status, String title, String detail,
            long retryAfterSeconds) {
        ResponseEntity<ProblemDetail> problem = problem(status, title, detail, null);
        return ResponseEntity.status(status).headers(problem.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds)).body(problem.getBody());
    }

    /** Our fault, not the client's: logged with a reference the caller can quote. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e) throws Exception {
        if (e instanceof AccessDeniedException
                || e instanceof AuthenticationException
                || e instanceof ResponseStatusException) {
            throw e;
        }
        if (Errors.isConnectionFailure(e)) {
            return storageDown(e);
        }
        if (ConflictRetry.isConflict(e)) {
            log.warn("A request lost a concurrent update outside a retried operation: {}", Errors.rootMessage(e));
            return busy(e);
        }
        String reference = UUID.randomUUID().toString().substring(0, 8);
        log.error("Unexpected error (reference {})", reference, e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error",
                "Something went wrong on our side (reference " + reference + "); nothing you sent was wrong.", null);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<InvalidInputException.FieldError> errors = ex.getBindingResult().getFieldErrors().stream()
                .map(f -> new InvalidInputException.FieldError(f.getField(), f.getDefaultMessage()))
                .toList();
        ResponseEntity<ProblemDetail> p = problem(HttpStatus.BAD_REQUEST, "Invalid input",
                "Some fields are invalid", errors);
        return ResponseEntity.status(p.getStatusCode()).headers(p.getHeaders()).body(p.getBody());
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ResponseEntity<ProblemDetail> p = problem(HttpStatus.BAD_REQUEST, "Unreadable body",
                "The request body is not valid JSON for this endpoint: fix its syntax and field types", null);
        return ResponseEntity.status(p.getStatusCode()).headers(p.getHeaders()).body(p.getBody());
    }

    /** For filters, which answer before any controller advice can: the same problem body, written directly. */
    public static void write(HttpServletResponse response, ObjectMapper json,
            HttpStatus status, String title, String detail) throws IOException {
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem(status, title, detail, null).getBody());
    }

    public static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, String detail,
            List<InvalidInputException.FieldError> errors) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setTitle(title);
        body.setType(URI.create("https://leadflow.io/problems/" + title.toLowerCase().replace(' ', '-')));
        if (errors != null) {
            body.setProperty("errors", errors.stream()
                    .map(e -> Map.of("field", e.field(), "message", e.message())).toList());
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }
}
