package io.leadflow.channel.email;

import static io.leadflow.channel.email.BounceReports.mime;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

import java.time.Duration;
import java.util.UUID;

import jakarta.mail.Flags;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentMatcher;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

import com.icegreen.greenmail.store.FolderException;
import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;

import io.leadflow.lead.CaptureContext;
import io.leadflow.lead.CaptureRequest;
import io.leadflow.lead.LeadService;
import io.leadflow.lead.Leads;
import io.leadflow.support.ExternalServers;
import io.leadflow.support.OwnContext;

import io.micrometer.core.instrument.MeterRegistry;

/** Bounces and complaints delivered to a real IMAP mailbox suppress the addresses they are about. */
@Tag(OwnContext.TAG)
@SpringBootTest(properties = {
        "camunda.bpm.job-execution.enabled=false",
        "leadflow.mail.bounces.enabled=true",
        "leadflow.mail.bounces.poll-interval=PT0.5S",
        "leadflow.mail.bounces.protocol=imap",
        "leadflow.mail.bounces.folder=INBOX",
        "logging.level.com.icegreen.greenmail.store.SimpleMessageAttributes=ERROR" })
@ActiveProfiles("test")
class BounceMailboxTests {

    /** Characters that would break a mailbox URL: the password must reach the server as it is. */
    private static final String PASSWORD = "s3cret/+@:%x y";
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    static GreenMail imap;
    static GreenMailUser bounceMailbox;

    @Autowired
    LeadService leads;

    @Autowired
    Leads repository;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MeterRegistry meters;

    @Autowired
    EmailLinks links;

    @Autowired
    io.leadflow.consent.ConsentLedger ledger;

    @MockitoSpyBean
    BounceHandler handler;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        ExternalServers.register(registry);
        imap = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort());
        imap.start();
        bounceMailbox = imap.setUser("bounces@leadflow.example", "bounces@leadflow.example", PASSWORD);
        registry.add("leadflow.mail.bounces.host", () -> "127.0.0.1");
        registry.add("leadflow.mail.bounces.port", () -> imap.getImap().getPort());
        registry.add("leadflow.mail.bounces.username", () -> "bounces@leadflow.example");
        registry.add("leadflow.mail.bounces.password", () -> PASSWORD);
    }

    @AfterAll
    static void stop() {
        imap.stop();
    }

    @Test
    void suppressesAHardBouncedAddressAtOnce() {
        String email = address("gone");
        String leadId = capture(email);
        double hardBefore = bounces("hard");

        MimeMessage report = deliver(BounceReports.hardBounce(email, ourEmail(leadId)));

        await().atMost(PATIENCE).until(() -> "HARD_BOUNCE".equals(repository.get(leadId).suppressedReason()));
        await().atMost(PATIENCE).until(() -> isSet(report, Flags.Flag.SEEN));
        assertThat(bounces("hard")).isEqualTo(hardBefore + 1);
    }

    @Test
    void suppressesAComplainingAddressAtOnce() {
        String email = address("annoyed");
        String leadId = capture(email);

        MimeMessage report = deliver(BounceReports.complaint(email, ourEmail(leadId)));

        await().atMost(PATIENCE).until(() -> "COMPLAINED".equals(repository.get(leadId).suppressedReason()));
        await().atMost(PATIENCE).until(() -> isSet(report, Flags.Flag.SEEN));
    }

    @Test
    void suppressesTheLeadOfARedactedComplaintByTheLeadHeaderOfOurEmail() {
        String email = address("redacted");
        String leadId = capture(email);

        deliver(BounceReports.redactedComplaint(email, leadId, ourEmail(leadId)));

        await().atMost(PATIENCE).until(() -> "COMPLAINED".equals(repository.get(leadId).suppressedReason()));
    }

    @Test
    void suppressesASoftBouncingAddressOnlyAfterTheThirdSoftBounce() {
        String email = address("full");
        String leadId = capture(email);

        MimeMessage first = deliver(BounceReports.delayWarning(email, ourEmail(leadId)));
        MimeMessage second = deliver(BounceReports.delayWarning(email, ourEmail(leadId)));
        await().atMost(PATIENCE).until(() -> isSet(first, Flags.Flag.SEEN) && isSet(second, Flags.Flag.SEEN));
        assertThat(repository.get(leadId).suppressedReason()).isNull();

        MimeMessage third = deliver(BounceReports.delayWarning(email, ourEmail(leadId)));

        await().atMost(PATIENCE).until(() -> "SOFT_BOUNCE".equals(repository.get(leadId).suppressedReason()));
        await().atMost(PATIENCE).until(() -> isSet(third, Flags.Flag.SEEN));
    }

    @Test
    void countsRepeatedDelayWarningsAboutOneEmailAsOneSoftBounce() {
        String email = address("slow");
        String leadId = capture(email);
        String ourEmail = ourEmail(leadId);

        MimeMessage[] warnings = {
                deliver(BounceReports.delayWarning(email, ourEmail)),
                deliver(BounceReports.delayWarning(email, ourEmail)),
                deliver(BounceReports.delayWarning(email, ourEmail)) };

        await().atMost(PATIENCE).until(() -> isSet(warnings[0], Flags.Flag.SEEN) && isSet(warnings[1], Flags.Flag.SEEN)
                && isSet(warnings[2], Flags.Flag.SEEN));
        assertThat(jdbc.sql("select count(*) from email_bounces where lead_id = ? and kind = 'SOFT'").param(leadId)
                .query(Integer.class).single()).isEqualTo(3);
        assertThat(repository.get(leadId).suppressedReason()).isNull();
    }

    @Test
    void flagsAMessageItCannotReadAndGoesOnReadingTheOthers() {
        String email = address("after-noise");
        String leadId = capture(email);

        MimeMessage outOfOffice = deliver(BounceReports.outOfOffice(address("away")));
        MimeMessage report = deliver(BounceReports.hardBounce(email, ourEmail(leadId)));

        await().atMost(PATIENCE).until(() -> "HARD_BOUNCE".equals(repository.get(leadId).suppressedReason()));
        await().atMost(PATIENCE).until(() -> isSet(report, Flags.Flag.SEEN) && isSet(outOfOffice, Flags.Flag.FLAGGED));
        assertThat(isSet(outOfOffice, Flags.Flag.SEEN)).as("left unread for a person").isFalse();
    }

    @Test
    void readsAReportAgainWhenRecordingItFailed() {
        String email = address("retried");
        String leadId = capture(email);
        ArgumentMatcher<BounceParser.Report> aboutThisLead = r -> r != null
                && r.bounces().stream().anyMatch(b -> b.recipient().equals(email));
        doThrow(new CannotGetJdbcConnectionException("database briefly unreachable")).doCallRealMethod()
                .when(handler).record(argThat(aboutThisLead));

        MimeMessage report = deliver(BounceReports.hardBounce(email, ourEmail(leadId)));

        await().atMost(PATIENCE).until(() -> "HARD_BOUNCE".equals(repository.get(leadId).suppressedReason()));
        await().atMost(PATIENCE).until(() -> isSet(report, Flags.Flag.SEEN));
        verify(handler, times(2)).record(argThat(aboutThisLead));
    }

    @Test
    void unsubscribesAPersonWhoMailedTheUnsubscribeAddress() {
        String email = address("mailto");
        String leadId = capture(email);
        String unsubscribeLink = links.linksFor(repository.get(leadId), "welcome").get("unsubscribeUrl");
        String token = UnsubscribeRequests.tokenOf(unsubscribeLink);

        MimeMessage request = deliver(BounceReports.unsubscribeRequest(email, "Re: unsubscribe " + token));
        MimeMessage unknown = deliver(BounceReports.unsubscribeRequest(address("stranger"), "unsubscribe "
                + "AAAAAAAAAAAAAAAAAAAAAAAAAAA"));

        await().atMost(PATIENCE).until(() -> "UNSUBSCRIBED".equals(repository.get(leadId).suppressedReason()));
        assertThat(repository.get(leadId).consent()).isEqualTo(io.leadflow.lead.Lead.Consent.UNSUBSCRIBED);
        assertThat(ledger.entries(leadId)).anySatisfy(entry -> {
            assertThat(entry.event()).isEqualTo("UNSUBSCRIBED");
            assertThat(entry.detail()).isEqualTo("mailto request");
        });
        await().atMost(PATIENCE).until(() -> isSet(request, Flags.Flag.SEEN) && isSet(unknown, Flags.Flag.SEEN));
    }

    /**
     * A forged report, about a real lead and in every way a real MTA's, but naming no email of ours: anyone could
     * mail it to the bounce mailbox to have a competitor's contacts suppressed.
     */
    @Test
    void suppressesNobodyForAReportThatNamesNoneOfOurEmails() {
        String email = address("target");
        String leadId = capture(email);
        String forgedSignature = ourEmail(leadId).replaceFirst("\\.[0-9a-f]{16}@", ".0123456789abcdef@");

        MimeMessage unsigned = deliver(BounceReports.hardBounce(email, BounceReports.messageId()));
        MimeMessage forged = deliver(BounceReports.complaint(email, forgedSignature));

        await().atMost(PATIENCE).until(() -> isSet(unsigned, Flags.Flag.FLAGGED) && isSet(forged, Flags.Flag.FLAGGED));
        assertThat(repository.get(leadId).suppressedReason()).isNull();
        assertThat(isSet(unsigned, Flags.Flag.SEEN)).as("left unread for a person").isFalse();
        assertThat(jdbc.sql("select count(*) from email_bounces where lead_id = ?").param(leadId).query(Integer.class)
                .single()).isZero();
    }

    /** A report mailed to the VERP return path of one of our emails is about that email, whatever it quotes. */
    @Test
    void suppressesByTheReturnPathAReportWasMailedTo() {
        String email = address("verp");
        String leadId = capture(email);
        String row = ourEmailRow(leadId);
        String returnPath = ids.returnPath(row);
        assertThat(returnPath).as("the sender's mailbox, tagged with the email")
                .matches("[^+@]+\\+[0-9a-f]{32}\\.[0-9a-f]{16}@.+");

        deliver(BounceReports.hardBounce(email, BounceReports.messageId())
                .replace("Delivered-To: bounces@leadflow.example", "Delivered-To: " + returnPath));

        await().atMost(PATIENCE).until(() -> "HARD_BOUNCE".equals(repository.get(leadId).suppressedReason()));
        assertThat(jdbc.sql("select bounced_at from email_outbox where id = ?").param(row)
                .query(java.sql.Timestamp.class).single()).as("the bounce is told of that email").isNotNull();
    }

    /** A provider that hashes the address it reports (RFC 6590): a complaint about her email is still hers. */
    @Test
    void suppressesTheLeadOfAComplaintWhoseAddressTheProviderHashed() {
        String email = address("hashed");
        String leadId = capture(email);

        deliver(BounceReports.complaint(email, ourEmail(leadId)).replace("<" + email + ">",
                "<3f9a1c7e5b@acme-corp.io>").replace("To: " + email, "To: 3f9a1c7e5b@acme-corp.io"));

        await().atMost(PATIENCE).until(() -> "COMPLAINED".equals(repository.get(leadId).suppressedReason()));
    }

    /** A rep's mailbox complaining about a notification of ours says nothing about the lead it was about. */
    @Test
    void leavesTheLeadAloneForAComplaintAboutANotificationToStaff() {
        String email = address("staffed");
        String leadId = capture(email);
        String purpose = "staff-test-" + UUID.randomUUID().toString().substring(0, 8);
        tx.executeWithoutResult(s -> outbox.enqueueToStaff(leadId, purpose, "sla-remind", "alice@leadflow.local",
                java.util.Map.of()));
        String staffEmail = ids.messageId(outbox.find(leadId, purpose).orElseThrow().id());

        MimeMessage report = deliver(BounceReports.complaint("alice@leadflow.local", staffEmail));

        await().atMost(PATIENCE).until(() -> isSet(report, Flags.Flag.SEEN));
        assertThat(repository.get(leadId).suppressedReason()).isNull();
    }

    @Autowired
    EmailOutbox outbox;
    @Autowired
    SentEmailIds ids;
    @Autowired
    org.springframework.transaction.support.TransactionTemplate tx;

    /** The Message-ID of an email we sent the lead, as a report quotes it. */
    private String ourEmail(String leadId) {
        return ids.messageId(ourEmailRow(leadId));
    }

    private String ourEmailRow(String leadId) {
        String purpose = "bounce-test-" + UUID.randomUUID().toString().substring(0, 8);
        tx.executeWithoutResult(s -> outbox.enqueue(leadId, purpose, "nurture-value"));
        return outbox.find(leadId, purpose).orElseThrow().id();
    }

    private String capture(String email) {
        return leads.capture(new CaptureRequest(email, "Ann", null, null, null, null, null, null, null, null, null,
                null, null, null, null, null), new CaptureContext("test", "127.0.0.1", "junit")).id();
    }

    private static String address(String who) {
        return who + "." + UUID.randomUUID().toString().substring(0, 8) + "@acme-corp.io";
    }

    private static MimeMessage deliver(String raw) {
        MimeMessage message = mime(raw);
        bounceMailbox.deliver(message);
        return message;
    }

    /** The flag as the IMAP server holds it for the delivered message. */
    private static boolean isSet(MimeMessage delivered, Flags.Flag flag) {
        try {
            String id = delivered.getMessageID();
            for (StoredMessage stored : imap.getManagers().getImapHostManager().getInbox(bounceMailbox).getMessages()) {
                if (id.equals(stored.getMimeMessage().getMessageID())) {
                    return stored.isSet(flag);
                }
            }
            throw new AssertionError("message " + id + " is not in the bounce mailbox");
        } catch (FolderException | MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private double bounces(String kind) {
        return meters.get("leadflow.emails.bounces").tag("kind", kind).counter().count();
    }
}
