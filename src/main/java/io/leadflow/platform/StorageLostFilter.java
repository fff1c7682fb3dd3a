package io.leadflow.platform;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.web.filter.OncePerRequestFilter;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A database that went away answers {@code 503} with {@code Retry-After} also where no controller is involved yet:
 * signing in reads the user from the database inside the security filters, and a connection a failover killed
 * surfaces there, outside the reach of {@link ProblemHandler}. Without this the caller got the servlet container's
 * {@code 500}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class StorageLostFilter extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(StorageLostFilter.class);

    private final ObjectMapper json;

    public StorageLostFilter(ObjectMapper json) {
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (RuntimeException | ServletException e) {
            if (!storageLost(e) || response.isCommitted()) {
                throw e;
            }
            log.error("Storage unavailable during {} {}: {}", request.getMethod(), request.getRequestURI(),
                    Errors.rootMessage(e));
            response.resetBuffer();
            response.setHeader(HttpHeaders.RETRY_AFTER, "10");
            ProblemHandler.write(response, json, HttpStatus.SERVICE_UNAVAILABLE, "Storage unavailable",
                    "The database did not answer. Please retry in a few seconds.");
        }
    }

    /**
     * Whether the failure is the database's connection, wherever it sits in the causes: Spring's names for it (no
     * connection, no transaction, a commit or rollback the connection did not survive), JDBC's, or an SQL state of
     * class 08 (connection exception) or 57P (the server shutting down or restarting).
     */
    static boolean storageLost(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof DataAccessResourceFailureException || cause instanceof CannotCreateTransactionException
                    || cause instanceof TransactionSystemException || cause instanceof SQLRecoverableException
                    || cause instanceof SQLTransientConnectionException
                    || cause instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }
}
