package io.leadflow.platform;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/** Error messages as people read them. */
public final class Errors {

    private Errors() {
    }

    /** The innermost cause, "Type: message": what actually went wrong under the wrapping layers. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /**
     * The database went away under a piece of work (e.g. a failed commit or rollback): SQL state class 08, or 57P (the
     * server shutting down or restarting). A rollback that fails on a connection already closed hides the first
     * failure in {@code getApplicationException()}.
     */
    public static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TransactionSystemException tse
                    && tse.getApplicationException() != null && tse.getApplicationException() != t
                    && (tse.getApplicationException() instanceof DataAccessResourceFailureException
                            || isConnectionFailure(tse.getApplicationException()))) {
                return true;
            }
            if (t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException
                    || t instanceof ConnectException
                    || (t instanceof SQLException sql && sql.getSQLState() != null
                            && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P")))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The database is unreachable or refused the work for a passing reason (a lost connection, a pool exhausted, a
     * deadlock victim, a commit or rollback the connection did not survive): the same work may well succeed when
     * tried again.
     */
    public static boolean isStorageFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessException
                    || t instanceof CannotCreateTransactionException || t instanceof TransactionSystemException) {
                return true;
            }
        }
        return isConnectionFailure(e);
    }
}
