package io.leadflow.channel.email;

import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;

import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * The SMTP sender, keeping its connections open between emails as bulk senders do: an email on an open connection
 * costs {@code MAIL}, {@code RCPT} and {@code DATA}, where a new connection adds the TCP (and TLS) handshake,
 * {@code EHLO}, {@code AUTH} and {@code QUIT}. With several senders, each takes a connection of its own.
 * <p>
 * A connection is used again only while it is fresh: idle for less than {@code maxIdle} (servers drop idle clients,
 * often after a minute; an unchecked stale connection would fail an email for nothing) and for fewer than
 * {@code maxMessages} emails (servers cap messages per connection). After any failure it is closed, never reused:
 * the email's retry goes through the outbox as before, on a new connection. Settings {@code leadflow.mail.connections.*}.
 */
class ReusedSmtpConnections extends JavaMailSenderImpl implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ReusedSmtpConnections.class);

    private final int maxMessages;
    private final long maxIdleNanos;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    private static final class Connection {
        final Transport transport;
        int messages;
        long lastUsed = System.nanoTime();

        Connection(Transport transport) {
            this.transport = transport;
        }
    }

    ReusedSmtpConnections(int maxMessages, Duration maxIdle) {
        this.maxMessages = Math.max(1, maxMessages);
        this.maxIdleNanos = maxIdle.toNanos();
    }

    /**
     * A message that can carry an envelope sender of its own (VERP, {@link SentEmailIds#returnPath}): the SMTP
     * transport uses it in {@code MAIL FROM} instead of the session's {@code mail.smtp.from}.
     */
    @Override
    public MimeMessage createMimeMessage() {
        return new SMTPMessage(getSession());
    }

    @Override
    protected void doSend(MimeMessage[] mimeMessages, Object[] originalMessages) throws MailException {
        Map<Object, Exception> failed = new LinkedHashMap<>();
        for (int i = 0; i < mimeMessages.length; i++) {
            MimeMessage message = mimeMessages[i];
            Connection connection;
            try {
                connection = take();
            } catch (AuthenticationFailedException e) {
                throw new MailAuthenticationException(e);
            } catch (MessagingException e) {
                // as JavaMailSenderImpl: nothing could be sent, each message failed on the connection
                for (int j = i; j < mimeMessages.length; j++) {
                    failed.put(originalMessages != null ? originalMessages[j] : mimeMessages[j], e);
                }
                throw new MailSendException("Mail server connection failed", e, failed);
            }
            try {
                if (message.getSentDate() == null) {
                    message.setSentDate(new Date());
                }
                String messageId = message.getMessageID();
                message.saveChanges();
                if (messageId != null) {
                    message.setHeader("Message-ID", messageId); // saveChanges makes a new one
                }
                connection.transport.sendMessage(message,
                        message.getAllRecipients() == null ? new Address[0] : message.getAllRecipients());
                connection.messages++;
                giveBack(connection);
            } catch (Exception e) {
                close(connection);
                failed.put(originalMessages != null ? originalMessages[i] : message, e);
            }
        }
        if (!failed.isEmpty()) {
            throw new MailSendException(failed);
        }
    }

    /** A fresh open connection, or a new one. */
    private Connection take() throws MessagingException {
        for (Connection c; (c = idle.pollFirst()) != null;) {
            if (System.nanoTime() - c.lastUsed < maxIdleNanos && c.messages < maxMessages) {
                return c;
            }
            close(c);
        }
        return new Connection(connectTransport());
    }

    private void giveBack(Connection connection) {
        if (closed || connection.messages >= maxMessages) {
            close(connection);
            return;
        }
        connection.lastUsed = System.nanoTime();
        idle.offerFirst(connection);
    }

    private static void close(Connection connection) {
        try {
            connection.transport.close(); // QUIT
        } catch (MessagingException | RuntimeException e) {
            log.debug("Closing an SMTP connection failed: {}", e.toString());
        }
    }

    @Override
    public void destroy() {
        closed = true;
        for (Connection c; (c = idle.pollFirst()) != null;) {
            close(c);
        }
    }
}
