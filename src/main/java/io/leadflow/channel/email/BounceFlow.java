package io.leadflow.channel.email;

import jakarta.mail.Authenticator;
import jakarta.mail.Flags;
import jakarta.mail.MessagingException;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.URLName;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.search.AndTerm;
import jakarta.mail.search.FlagTerm;
import jakarta.mail.search.NotTerm;
import jakarta.mail.search.SearchTerm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.integration.dsl.IntegrationFlow;
import org.springframework.integration.dsl.Pollers;
import org.springframework.integration.mail.dsl.Mail;

import io.leadflow.platform.Errors;

/**
 * The inbound bounce flow: IMAP inbound adapter on the bounce mailbox → parse → record and suppress. Unsubscribe
 * requests sent to {@code leadflow.mail.unsubscribe-address} (delivered into the same mailbox) unsubscribe.
 * <p>
 * A message is marked read only after what it reports is committed, so a message read during a database or network
 * failure stays unread and is read again at the next poll. A message that is no report we understand is flagged and
 * left unread for a person; the search skips read and flagged messages.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "leadflow.mail.bounces.enabled", havingValue = "true")
class BounceFlow {

    private static final Logger log = LoggerFactory.getLogger(BounceFlow.class);
    /** Messages fetched per search; the poller handles as many before it waits for the next interval. */
    private static final int BATCH = 100;

    private final BounceSettings settings;
    private final BounceHandler handler;
    private final UnsubscribeRequests unsubscribes;

    BounceFlow(BounceSettings settings, BounceHandler handler, UnsubscribeRequests unsubscribes) {
        if (!settings.problems().isEmpty()) {
            throw new IllegalStateException("leadflow.mail.bounces.enabled=true, but the bounce mailbox cannot be read:\n - "
                    + String.join("\n - ", settings.problems()));
        }
        this.settings = settings;
        this.handler = handler;
        this.unsubscribes = unsubscribes;
    }

    @Bean
    IntegrationFlow bounceInboundFlow() {
        String protocol = settings.protocol();
        // The password goes through the authenticator, never into the URL, which the adapter may log.
        String url = new URLName(protocol, settings.host(), settings.port(), settings.folder(), settings.username(), null)
                .toString();
        return IntegrationFlow
                .from(Mail.imapInboundAdapter(url)
                                .javaMailAuthenticator(new Authenticator() {
                                    @Override
                                    protected PasswordAuthentication getPasswordAuthentication() {
                                        return new PasswordAuthentication(settings.username(), settings.password());
                                    }
                                })
                                .javaMailProperties(p -> p
                                        .put("mail." + protocol + ".peek", "true")
                                        .put("mail." + protocol + ".connectiontimeout", "10000")
                                        .put("mail." + protocol + ".timeout", "30000")
                                        .put("mail." + protocol + ".writetimeout", "30000"))
                                .shouldMarkMessagesAsRead(false)
                                .autoCloseFolder(false)
                                .flaggedAsFallback(false)
                                .searchTermStrategy((supportedFlags, folder) -> UNREAD_AND_UNFLAGGED)
                                .maxFetchSize(BATCH),
                        e -> e.id("bounceMailboxAdapter").poller(Pollers.fixedDelay(settings.pollInterval())
                                .maxMessagesPerPoll(BATCH).errorHandler(this::pollFailed)))
                .handle(MimeMessage.class, (message, headers) -> {
                    try {
                        read(message);
                    } catch (MessagingException e) {
                        throw new org.springframework.messaging.MessagingException(
                                "the bounce mailbox message stays unread and is read again at the next poll", e);
                    }
                    return null;
                }, e -> e.id("bounceReader"))
                .get();
    }

    private static final SearchTerm UNREAD_AND_UNFLAGGED = new AndTerm(new SearchTerm[] {
            new NotTerm(new FlagTerm(new Flags(Flags.Flag.SEEN), true)),
            new NotTerm(new FlagTerm(new Flags(Flags.Flag.DELETED), true)),
            new NotTerm(new FlagTerm(new Flags(Flags.Flag.FLAGGED), true)) });

    /**
     * @param message the message in the mailbox (its folder is open): flags set on it reach the server
     */
    void read(MimeMessage message) throws MessagingException {
        // A local copy: fetching can fail on the network (read again later), parsing only on the content.
        MimeMessage copy = new MimeMessage(message);
        var unsubscribeToken = UnsubscribeRequests.tokenInSubject(copy.getSubject());
        if (unsubscribeToken.isPresent()) {
            String sender = copy.getFrom() == null || copy.getFrom().length == 0 ? "unknown sender"
                    : copy.getFrom()[0].toString();
            if (!unsubscribes.unsubscribeByEmail(unsubscribeToken.get(), sender)) {
                log.warn("Unsubscribe request {} in the bounce mailbox names an unknown link; nobody was unsubscribed",
                        copy.getMessageID());
            }
            message.setFlag(Flags.Flag.SEEN, true);
            return;
        }
        BounceParser.Report report;
        try {
            report = BounceParser.read(copy);
        } catch (BounceParser.Unrecognised e) {
            message.setFlag(Flags.Flag.FLAGGED, true);
            log.warn("Message {} (subject '{}') in the bounce mailbox is no delivery status notification or complaint "
                    + "report Leadflow can read ({}): left unread and flagged for a person to look at",
                    copy.getMessageID(), copy.getSubject(), e.getMessage());
            return;
        }
        try {
            if (!handler.record(report)) {
                // forged, or about an email sent before emails were signed: a person decides
                message.setFlag(Flags.Flag.FLAGGED, true);
                return;
            }
        } catch (DuplicateKeyException recordedByAnotherNode) {
            log.debug("Bounce report {} was recorded by another node at the same time", report.messageId());
        }
        message.setFlag(Flags.Flag.SEEN, true);
    }

    private void pollFailed(Throwable failure) {
        log.warn("Reading the bounce mailbox {} failed ({}); unread messages are read again in {}", settings,
                Errors.rootMessage(failure), settings.pollInterval());
        log.debug("Bounce mailbox failure", failure);
    }
}
