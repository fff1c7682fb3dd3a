package io.leadflow.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;

import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.TransactionSystemException;

/**
 * How failures the database causes are answered. StorageOutageTests stops a real database under a request; which
 * exception reaches the handler then depends on where the request was when the connection broke, so the one
 * ordering that is hard to hit there is spelled out here.
 */
class ProblemHandlerTests {

    private final ProblemHandler handler = new ProblemHandler();

    @Test
    void aRollbackThatFailsOnAClosedConnectionIsStillStorageUnavailable() throws Exception {
        // The query failed on a broken connection, then the rollback failed on the connection Hikari had closed.
        TransactionSystemException rollbackFailed = new TransactionSystemException("JDBC rollback failed",
                new SQLException("Connection is closed"));
        rollbackFailed.initApplicationException(new DataAccessResourceFailureException(
                "An I/O error occurred while sending to the backend", new SQLException("I/O error", "08006")));

        var response = handler.unexpected(rollbackFailed);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("10");
        assertThat(response.getBody().getDetail()).contains("Nothing was saved");
    }

    @Test
    void aRollbackThatFailsForAnotherReasonStaysOurFault() throws Exception {
        TransactionSystemException rollbackFailed = new TransactionSystemException("JDBC rollback failed",
                new SQLException("Connection is closed"));
        rollbackFailed.initApplicationException(new IllegalStateException("a bug of ours"));

        assertThat(handler.unexpected(rollbackFailed).getStatusCode()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
    }
}
