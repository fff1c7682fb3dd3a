package io.leadflow.channel.email;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.UUID;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

/**
 * Bounce mailbox messages as real MTAs and mailbox providers write them: a Postfix non-delivery report, an Exim
 * delay warning, an ARF complaint of a feedback loop, an out-of-office reply.
 */
final class BounceReports {

    private BounceReports() {
    }

    /** Postfix's report of an address the receiving server does not know (550 5.1.1). */
    static String hardBounce(String recipient, String originalMessageId) {
        String boundary = "3F2A81C0A4." + token() + "/mx1.leadflow.example";
        return """
                Return-Path: <>
                Delivered-To: bounces@leadflow.example
                Date: Mon, 3 Mar 2025 10:15:02 +0100 (CET)
                From: MAILER-DAEMON@mx1.leadflow.example (Mail Delivery System)
                Subject: Undelivered Mail Returned to Sender
                To: bounces@leadflow.example
                Auto-Submitted: auto-replied
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status;
                \tboundary="%1$s"
                Content-Transfer-Encoding: 7bit
                Message-Id: <%4$s@mx1.leadflow.example>

                This is a MIME-encapsulated message.

                --%1$s
                Content-Description: Notification
                Content-Type: text/plain; charset=us-ascii

                This is the mail system at host mx1.leadflow.example.

                I'm sorry to have to inform you that your message could not
                be delivered to one or more recipients. It's attached below.

                For further assistance, please send mail to postmaster.

                If you do so, please include this problem report. You can
                delete your own text from the attached returned message.

                                   The mail system

                <%2$s>: host mx.acme-corp.io[203.0.113.25] said: 550 5.1.1
                    <%2$s>: Recipient address rejected: User unknown in virtual mailbox
                    table (in reply to RCPT TO command)

                --%1$s
                Content-Description: Delivery report
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx1.leadflow.example
                X-Postfix-Queue-ID: 3F2A81C0A4
                X-Postfix-Sender: rfc822; bounces@leadflow.example
                Arrival-Date: Mon,  3 Mar 2025 10:15:01 +0100 (CET)

                Final-Recipient: rfc822; %2$s
                Original-Recipient: rfc822;%2$s
                Action: failed
                Status: 5.1.1
                Remote-MTA: dns; mx.acme-corp.io
                Diagnostic-Code: smtp; 550 5.1.1 <%2$s>: Recipient address
                    rejected: User unknown in virtual mailbox table

                --%1$s
                Content-Description: Undelivered Message Headers
                Content-Type: text/rfc822-headers

                Return-Path: <bounces@leadflow.example>
                Received: from app1.leadflow.example (app1.leadflow.example [10.0.0.5])
                \tby mx1.leadflow.example (Postfix) with ESMTP id 3F2A81C0A4
                \tfor <%2$s>; Mon,  3 Mar 2025 10:15:01 +0100 (CET)
                Date: Mon, 3 Mar 2025 10:15:00 +0100 (CET)
                From: Leadflow <hello@leadflow.example>
                To: %2$s
                Message-ID: %3$s
                Subject: Please confirm your subscription
                MIME-Version: 1.0
                Content-Type: multipart/alternative;
                \tboundary="----=_Part_0_1741000500"
                X-Leadflow-Purpose: doi-confirmation

                --%1$s--
                """.formatted(boundary, recipient, originalMessageId, token());
    }

    /** Exim's warning that an email could not be delivered for a day (mailbox full, 452 4.2.2); it keeps trying. */
    static String delayWarning(String recipient, String originalMessageId) {
        String boundary = "1741086901-eximdsn-" + token();
        return """
                Return-path: <>
                Auto-Submitted: auto-replied
                From: Mail Delivery System <Mailer-Daemon@mx2.leadflow.example>
                To: bounces@leadflow.example
                References: %3$s
                Content-Type: multipart/report; report-type=delivery-status; boundary=%1$s
                MIME-Version: 1.0
                Subject: Warning: message 1tp3Kx-000Fq1-2C delayed 24 hours
                Message-Id: <E1tpPfJ-%4$s@mx2.leadflow.example>
                Date: Tue, 04 Mar 2025 10:15:01 +0100

                --%1$s
                Content-type: text/plain; charset=us-ascii

                This message was created automatically by mail delivery software.
                A message that you sent has not yet been delivered to one or more of its
                recipients after more than 24 hours on the queue on mx2.leadflow.example.

                The message identifier is:     1tp3Kx-000Fq1-2C
                The subject of the message is: Your guide to lead scoring
                The date of the message is:    Mon, 03 Mar 2025 10:15:00 +0100

                The address to which the message has not yet been delivered is:

                  %2$s
                    host mx.acme-corp.io [203.0.113.25]
                    SMTP error from remote mail server after RCPT TO:<%2$s>:
                    452 4.2.2 The email account that you tried to reach is over quota.

                No action is required on your part. Delivery attempts will continue for
                some time, and this warning may be repeated at intervals if the message
                remains undelivered. Eventually the mail delivery software will give up,
                and when that happens, the message will be returned to you.

                --%1$s
                Content-type: message/delivery-status

                Reporting-MTA: dns; mx2.leadflow.example

                Action: delayed
                Final-Recipient: rfc822;%2$s
                Status: 4.2.2
                Remote-MTA: dns; mx.acme-corp.io
                Diagnostic-Code: smtp; 452 4.2.2 The email account that you tried to reach is over quota.
                Will-Retry-Until: Mon, 10 Mar 2025 10:15:00 +0100

                --%1$s
                Content-type: text/rfc822-headers

                Return-path: <bounces@leadflow.example>
                From: Leadflow <hello@leadflow.example>
                To: %2$s
                Message-ID: %3$s
                Subject: Your guide to lead scoring
                Date: Mon, 03 Mar 2025 10:15:00 +0100

                --%1$s--
                """.formatted(boundary, recipient, originalMessageId, token());
    }

    /** A DSN with only the given action and status for the recipient (no original message quoted). */
    static String deliveryStatus(String recipient, String action, String status) {
        String boundary = "report-" + token();
        return """
                From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.net>
                To: bounces@leadflow.example
                Subject: Delivery Status Notification
                Message-ID: <%4$s@relay.example.net>
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status; boundary="%1$s"

                --%1$s
                Content-Type: text/plain

                Delivery report for %2$s.

                --%1$s
                Content-Type: message/delivery-status

                Reporting-MTA: dns; relay.example.net

                Final-Recipient: rfc822; <%2$s>
                Action: %3$s
                Status: %5$s

                --%1$s--
                """.formatted(boundary, recipient, action, token(), status);
    }

    /** A feedback-loop complaint (ARF, RFC 5965): the person pressed "this is spam". */
    static String complaint(String recipient, String originalMessageId) {
        String boundary = "part1_13d.2e68ed54_" + token();
        return """
                From: Feedback Loop <fbl@mailbox-provider.example>
                Date: Thu, 6 Mar 2025 17:40:36 +0000
                Subject: FW: Your guide to lead scoring
                To: <bounces@leadflow.example>
                Message-ID: <fbl-%4$s@mailbox-provider.example>
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=feedback-report;
                     boundary="%1$s"

                --%1$s
                Content-Type: text/plain; charset="US-ASCII"
                Content-Transfer-Encoding: 7bit

                This is an email abuse report for an email message received from IP
                198.51.100.7 on Thu, 6 Mar 2025 14:00:00 +0000.

                --%1$s
                Content-Type: message/feedback-report

                Feedback-Type: abuse
                User-Agent: MailboxProviderFBL/2.1
                Version: 1
                Original-Mail-From: <bounces@leadflow.example>
                Original-Rcpt-To: <%2$s>
                Arrival-Date: Thu, 6 Mar 2025 14:00:00 +0000
                Reporting-MTA: dns; mx.mailbox-provider.example
                Source-IP: 198.51.100.7
                Authentication-Results: mx.mailbox-provider.example;
                        spf=pass smtp.mail=bounces@leadflow.example
                Reported-Domain: leadflow.example

                --%1$s
                Content-Type: message/rfc822
                Content-Disposition: inline

                Return-Path: <bounces@leadflow.example>
                From: Leadflow <hello@leadflow.example>
                To: %2$s
                Subject: Your guide to lead scoring
                Message-ID: %3$s
                Date: Thu, 6 Mar 2025 13:59:58 +0000
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8

                Hello, here is your guide.
                --%1$s--
                """.formatted(boundary, recipient, originalMessageId, token());
    }

    /** A complaint as some providers send it: no Original-Rcpt-To, the recipient only in the quoted email. */
    static String complaintWithoutOriginalRcptTo(String recipient) {
        return complaintWithoutOriginalRcptTo(recipient, "<quoted@leadflow.example>");
    }

    static String complaintWithoutOriginalRcptTo(String recipient, String originalMessageId) {
        return complaint(recipient, originalMessageId).replace("Original-Rcpt-To: <" + recipient + ">\n", "");
    }

    /**
     * A complaint from a provider that redacts every address (no Original-Rcpt-To, the quoted To blanked): only our
     * lead header, quoted with the email, says whom it is about.
     */
    static String redactedComplaint(String recipient, String leadId) {
        return redactedComplaint(recipient, leadId, "<quoted@leadflow.example>");
    }

    static String redactedComplaint(String recipient, String leadId, String originalMessageId) {
        return complaintWithoutOriginalRcptTo(recipient, originalMessageId)
                .replace("To: " + recipient + "\n", "To: [redacted]\n" + BounceParser.LEAD_HEADER + ": " + leadId + "\n");
    }

    /** An out-of-office reply: auto-replies go to the Return-Path, so they land in the bounce mailbox too. */
    static String outOfOffice(String from) {
        return """
                From: %1$s
                To: bounces@leadflow.example
                Subject: Automatic reply: Your guide to lead scoring
                Auto-Submitted: auto-replied
                Message-ID: <ooo-%2$s@acme-corp.io>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8

                I am out of the office until Monday with limited access to email.
                """.formatted(from, token());
    }

    static MimeMessage mime(String raw) {
        try {
            return new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(raw.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
        } catch (MessagingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String messageId() {
        return "<" + token() + ".leadflow@leadflow.example>";
    }

    private static String token() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** What a mail client sends for the {@code mailto:} of {@code List-Unsubscribe}. */
    static String unsubscribeRequest(String from, String subject) {
        return """
                From: %s
                To: unsubscribe@leadflow.local
                Subject: %s
                Date: Mon, 3 Mar 2025 10:15:02 +0100
                Message-Id: <%s@client.example>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=UTF-8

                (sent by the mail client's unsubscribe button)
                """.formatted(from, subject, token());
    }
}
