package io.leadflow.channel.email;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimePartDataSource;

/**
 * Reads what a message in the bounce mailbox reports: a delivery status notification (RFC 3464,
 * {@code multipart/report; report-type=delivery-status}) or a complaint (ARF, RFC 5965,
 * {@code report-type=feedback-report}). Anything else (an out-of-office reply, a plain-text bounce of an old MTA) is
 * {@link Unrecognised}: a person should look at it.
 * <p>
 * Reports are read from the raw bytes of their parts, not through JavaMail's content handlers, so the result does
 * not depend on which handlers happen to be on the class path.
 */
final class BounceParser {

    enum Kind { SOFT, HARD, COMPLAINT }

    /**
     * @param recipient the address the report is about, as written in it; null when the report redacts it
     * @param status    the DSN status code ({@code 5.1.1}) or the feedback type ({@code abuse}); null if none
     * @param leadId    the lead our email was for, from its {@value #LEAD_HEADER} header quoted in the report: how a
     *                  complaint whose provider redacted every address is still matched; null if not quoted
     */
    record Bounce(Kind kind, String recipient, String status, String leadId) {

        Bounce(Kind kind, String recipient, String status) {
            this(kind, recipient, status, null);
        }
    }

    /** Carries the lead id (no personal data) in every email, for reports that redact the recipient. */
    static final String LEAD_HEADER = "X-Leadflow-Lead";
    /** Names the email among the lead's (its purpose, unique per lead). */
    static final String PURPOSE_HEADER = "X-Leadflow-Purpose";
    private static final Pattern LEAD_ID = Pattern.compile("[0-9a-fA-F-]{36}");

    /**
     * @param messageId         the report's own Message-ID (a hash of its bytes when it has none): the same report
     *                          read twice is recognised by it
     * @param originalMessageId the Message-ID of our email the report is about, when the report quotes it
     * @param bounces           one per recipient that bounced or complained; empty when the report says nothing
     *                          went wrong (a DSN for a relayed or delivered message)
     * @param returnPaths       the addresses the report was mailed to or names as our envelope sender (its
     *                          {@code To}, {@code Delivered-To}, {@code X-Original-To}, {@code Envelope-To}, the
     *                          quoted email's {@code Return-Path}, Postfix's {@code X-Postfix-Sender}): where a VERP
     *                          return path of ours shows which email the report is about
     */
    record Report(String messageId, String originalMessageId, List<Bounce> bounces, List<String> returnPaths) {
    }

    private static final List<String> DELIVERED_TO = List.of("To", "Delivered-To", "X-Original-To", "Envelope-To",
            "X-Envelope-To");

    /** The message is not a report this parser understands; the message says why. */
    static final class Unrecognised extends Exception {
        Unrecognised(String why) {
            super(why, null, false, false);
        }
    }

    private static final Pattern STATUS = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?![\\d.])");
    private static final int MAX_MESSAGE_ID = 250;

    private BounceParser() {
    }

    /** The report in this message, or empty when it is none this parser understands. */
    static Optional<Report> parse(MimeMessage message) {
        try {
            return Optional.of(read(message));
        } catch (Unrecognised e) {
            return Optional.empty();
        }
    }

    /** The report in this message; {@link Unrecognised} (saying why) when it is none this parser understands. */
    static Report read(MimeMessage message) throws Unrecognised {
        try {
            List<Part> parts = new ArrayList<>();
            collectParts(message, parts, 0);
            Part deliveryStatus = first(parts, "message/delivery-status", "message/global-delivery-status");
            Part feedback = first(parts, "message/feedback-report");
            Part original = first(parts, "message/rfc822", "text/rfc822-headers", "message/global",
                    "message/global-headers");
            InternetHeaders originalHeaders = original == null ? null : headersOf(original);
            String originalMessageId = originalHeaders == null ? null
                    : shortened(originalHeaders.getHeader("Message-ID", null));
            List<String> returnPaths = returnPaths(message, originalHeaders, deliveryStatus);
            if (deliveryStatus != null) {
                return new Report(messageId(message), originalMessageId, deliveryStatus(deliveryStatus), returnPaths);
            }
            if (feedback != null) {
                return new Report(messageId(message), originalMessageId, complaint(feedback, originalHeaders),
                        returnPaths);
            }
            throw new Unrecognised("no message/delivery-status or message/feedback-report part (content type "
                    + message.getContentType() + ")");
        } catch (MessagingException | IOException | RuntimeException e) {
            throw new Unrecognised("malformed message: " + e);
        }
    }

    private static List<String> returnPaths(MimeMessage message, InternetHeaders original, Part deliveryStatus)
            throws MessagingException, IOException {
        List<String> found = new ArrayList<>();
        for (String name : DELIVERED_TO) {
            found.addAll(addresses(message.getHeader(name)));
        }
        if (original != null) {
            found.addAll(addresses(original.getHeader("Return-Path")));
        }
        if (deliveryStatus != null) {
            for (Map<String, List<String>> block : fieldBlocks(text(deliveryStatus))) {
                String sender = field(block, "x-postfix-sender");
                if (sender != null && address(sender) != null) {
                    found.add(address(sender));
                }
            }
        }
        return found.stream().distinct().limit(20).toList();
    }

    /** The addresses in every value of a header ({@code null}: the message has none). */
    private static List<String> addresses(String[] values) {
        List<String> found = new ArrayList<>();
        for (String value : values == null ? new String[0] : values) {
            for (String part : value.split(",")) {
                int open = part.indexOf('<');
                String address = address(open >= 0 ? part.substring(open) : part);
                if (address != null) {
                    found.add(address);
                }
            }
        }
        return found;
    }

    private static void collectParts(Part part, List<Part> parts, int depth) throws MessagingException {
        parts.add(part);
        if (depth < 5 && part.isMimeType("multipart/*") && part instanceof MimePart mime) {
            Multipart multipart = new MimeMultipart(new MimePartDataSource(mime));
            for (int i = 0; i < multipart.getCount(); i++) {
                collectParts(multipart.getBodyPart(i), parts, depth + 1);
            }
        }
    }

    private static Part first(List<Part> parts, String... types) throws MessagingException {
        for (Part part : parts) {
            for (String type : types) {
                if (part.isMimeType(type)) {
                    return part;
                }
            }
        }
        return null;
    }

    /**
     * One bounce per recipient block that reports a failure or a delay. The status code's class decides between
     * hard and soft, because a {@code failed} with a 4.x.x status means the MTA gave up on a temporary problem
     * (mailbox full, host down for days) that may well clear; the action decides when the status is missing.
     */
    private static List<Bounce> deliveryStatus(Part part) throws Unrecognised, IOException, MessagingException {
        List<Map<String, List<String>>> recipients = fieldBlocks(text(part)).stream()
                .filter(b -> field(b, "final-recipient") != null || field(b, "original-recipient") != null).toList();
        if (recipients.isEmpty()) {
            throw new Unrecognised("the delivery-status part names no recipient");
        }
        List<Bounce> bounces = new ArrayList<>();
        for (Map<String, List<String>> recipient : recipients) {
            String address = address(field(recipient, "original-recipient"));
            if (address == null) {
                address = address(field(recipient, "final-recipient"));
            }
            String action = Optional.ofNullable(field(recipient, "action")).map(a -> a.strip().toLowerCase(Locale.ROOT))
                    .orElse("");
            String status = statusCode(field(recipient, "status"));
            if (status == null) {
                status = statusCode(field(recipient, "diagnostic-code"));
            }
            Kind kind = kind(action, status);
            if (address != null && kind != null) {
                bounces.add(new Bounce(kind, address, status));
            }
        }
        return bounces;
    }

    private static Kind kind(String action, String status) {
        char statusClass = status == null ? ' ' : status.charAt(0);
        return switch (action) {
            case "delayed" -> Kind.SOFT;
            case "failed" -> statusClass == '4' ? Kind.SOFT : Kind.HARD;
            case "delivered", "relayed", "expanded" -> null;
            default -> statusClass == '5' ? Kind.HARD : statusClass == '4' ? Kind.SOFT : null;
        };
    }

    /**
     * A complaint about every recipient the report names: Original-Rcpt-To, or else the To of the quoted email
     * (which some mailbox providers redact). A {@code not-spam} report is no complaint.
     */
    private static List<Bounce> complaint(Part part, InternetHeaders original)
            throws Unrecognised, IOException, MessagingException {
        List<Map<String, List<String>>> blocks = fieldBlocks(text(part));
        Map<String, List<String>> fields = blocks.isEmpty() ? Map.of() : blocks.get(0);
        String type = Optional.ofNullable(field(fields, "feedback-type")).map(t -> t.strip().toLowerCase(Locale.ROOT))
                .orElse("abuse");
        if (type.equals("not-spam")) {
            return List.of();
        }
        List<String> recipients = new ArrayList<>();
        for (String rcpt : fields.getOrDefault("original-rcpt-to", List.of())) {
            String address = address(rcpt);
            if (address != null) {
                recipients.add(address);
            }
        }
        if (recipients.isEmpty() && original != null) {
            String to = original.getHeader("To", ",");
            if (to != null) {
                try {
                    for (InternetAddress a : InternetAddress.parseHeader(to, false)) {
                        String address = address(a.getAddress());
                        if (address != null) {
                            recipients.add(address);
                        }
                    }
                } catch (AddressException unreadable) {
                    // a redacted or mangled To names nobody
                }
            }
        }
        if (recipients.isEmpty()) {
            String leadId = original == null ? null : original.getHeader(LEAD_HEADER, null);
            if (leadId != null && LEAD_ID.matcher(leadId.strip()).matches()) {
                return List.of(new Bounce(Kind.COMPLAINT, null, type, leadId.strip()));
            }
            throw new Unrecognised("the feedback report names no recipient (no Original-Rcpt-To, no readable To or "
                    + LEAD_HEADER + " in the quoted email)");
        }
        return recipients.stream().distinct().map(r -> new Bounce(Kind.COMPLAINT, r, type)).toList();
    }

    /** {@code rfc822; <ann@example.com>} or {@code ann@example.com} → {@code ann@example.com}; null if no address. */
    static String address(String field) {
        if (field == null) {
            return null;
        }
        String value = field.contains(";") ? field.substring(field.indexOf(';') + 1) : field;
        value = value.strip();
        if (value.startsWith("<")) {
            int end = value.indexOf('>');
            value = end > 0 ? value.substring(1, end) : value.substring(1);
        }
        value = value.strip().split("\\s+", 2)[0];
        int at = value.lastIndexOf('@');
        return at > 0 && at < value.length() - 1 ? value : null;
    }

    private static String statusCode(String field) {
        if (field == null) {
            return null;
        }
        Matcher m = STATUS.matcher(field);
        return m.find() ? m.group() : null;
    }

    private static String field(Map<String, List<String>> block, String name) {
        List<String> values = block.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /**
     * Blocks of header-style fields separated by blank lines (RFC 3464 §2.1): the per-message fields, then one
     * block per recipient. Names are lower-cased; folded lines are unfolded.
     */
    static List<Map<String, List<String>>> fieldBlocks(String text) {
        List<Map<String, List<String>>> blocks = new ArrayList<>();
        Map<String, List<String>> block = new LinkedHashMap<>();
        String name = null;
        for (String line : text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1)) {
            if (line.isBlank()) {
                if (!block.isEmpty()) {
                    blocks.add(block);
                    block = new LinkedHashMap<>();
                }
                name = null;
            } else if (Character.isWhitespace(line.charAt(0)) && name != null) {
                List<String> values = block.get(name);
                values.set(values.size() - 1, values.get(values.size() - 1) + " " + line.strip());
            } else if (line.indexOf(':') > 0) {
                name = line.substring(0, line.indexOf(':')).strip().toLowerCase(Locale.ROOT);
                block.computeIfAbsent(name, n -> new ArrayList<>()).add(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        if (!block.isEmpty()) {
            blocks.add(block);
        }
        return blocks;
    }

    private static String text(Part part) throws IOException, MessagingException {
        try (InputStream in = part.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static InternetHeaders headersOf(Part part) throws IOException, MessagingException {
        try (InputStream in = part.getInputStream()) {
            return new InternetHeaders(in);
        }
    }

    private static String messageId(MimeMessage message) throws MessagingException, IOException {
        String id = shortened(message.getMessageID());
        if (id != null) {
            return id;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        message.writeTo(bytes);
        return "sha256:" + sha256(bytes.toByteArray());
    }

    /** Message-IDs are short in practice; a longer one is kept as its hash so that it fits its column. */
    private static String shortened(String messageId) {
        if (messageId == null || messageId.isBlank()) {
            return null;
        }
        String id = messageId.strip();
        return id.length() <= MAX_MESSAGE_ID ? id : "sha256:" + sha256(id.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
