package io.leadflow.lead;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import io.leadflow.platform.Hashing;

/**
 * The suppression list: addresses that are never mailed and never imported as leads. It holds every lead of ours that
 * was suppressed (an unsubscribe, a hard bounce, a complaint: {@link Leads#suppress}) and the lists a marketer brings
 * from the tool Leadflow replaces, as addresses or as SHA-256 hashes of them. An entry is keyed by the hash of the
 * trimmed lower-case address: a list of hashes matches, and the entry outlives the person's erasure, which forgets
 * the address itself. A capture of a listed address makes a suppressed lead (the form answers as usual, nothing is
 * sent); an email about to go to a listed address that was not suppressed yet suppresses its lead and is not sent.
 */
@Service
public class Suppressions {

    private static final Logger log = LoggerFactory.getLogger(Suppressions.class);
    static final int CHUNK = 500;
    private static final int LISTED_REJECTIONS = 100;
    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    /** Why an address is listed. */
    public enum Reason { UNSUBSCRIBED, BOUNCED, COMPLAINED, DO_NOT_CONTACT }

    /** The words other tools write for each reason. */
    private static final Map<String, Reason> REASON_WORDS = Map.ofEntries(
            Map.entry("unsubscribed", Reason.UNSUBSCRIBED), Map.entry("unsubscribe", Reason.UNSUBSCRIBED),
            Map.entry("optout", Reason.UNSUBSCRIBED), Map.entry("opt-out", Reason.UNSUBSCRIBED),
            Map.entry("opted_out", Reason.UNSUBSCRIBED), Map.entry("bounced", Reason.BOUNCED),
            Map.entry("bounce", Reason.BOUNCED), Map.entry("hard_bounce", Reason.BOUNCED),
            Map.entry("hard-bounce", Reason.BOUNCED), Map.entry("hardbounce", Reason.BOUNCED),
            Map.entry("complained", Reason.COMPLAINED), Map.entry("complaint", Reason.COMPLAINED),
            Map.entry("spam", Reason.COMPLAINED), Map.entry("spamreport", Reason.COMPLAINED),
            Map.entry("abuse", Reason.COMPLAINED), Map.entry("do-not-contact", Reason.DO_NOT_CONTACT),
            Map.entry("do_not_contact", Reason.DO_NOT_CONTACT), Map.entry("donotcontact", Reason.DO_NOT_CONTACT),
            Map.entry("dnc", Reason.DO_NOT_CONTACT), Map.entry("blocked", Reason.DO_NOT_CONTACT));

    /** An entry as the export writes it: the address while known, always its hash. */
    public record Entry(String email, String sha256, String reason, String source, Instant since) {
    }

    /** One entry of a list being imported: an address or a hash (the other null), and its reason in words. */
    public record Incoming(int line, String email, String sha256, String reason) {
    }

    /** A line of the list that was not taken, and why. */
    public record Rejection(int line, String value, String reason) {
    }

    /**
     * @param received        entries in the list
     * @param added           entries new to the suppression list
     * @param alreadyListed   entries it held already (their first reason stays)
     * @param leadsSuppressed leads of ours with a listed address, suppressed now
     * @param rejected        entries not taken ({@code rejections} lists the first hundred)
     */
    public record ImportResult(int received, int added, int alreadyListed, int leadsSuppressed, int rejected,
            List<Rejection> rejections) {
    }

    private final SuppressionRepository repository;
    private final LeadRepository leads;
    private final TransactionTemplate tx;
    private final Clock clock;

    Suppressions(SuppressionRepository repository, LeadRepository leads, TransactionTemplate tx, Clock clock) {
        this.repository = repository;
        this.leads = leads;
        this.tx = tx;
        this.clock = clock;
    }

    /**
     * The address in the form the list hashes, as a lead's address is kept (LeadValidator): a listed address and a
     * captured one compare equal.
     */
    static String normalise(String email) {
        return LeadValidator.normaliseEmail(email);
    }

    public static String hash(String email) {
        return Hashing.sha256(normalise(email));
    }

    /** Why the address is listed, if it is. */
    public Optional<Reason> reasonFor(String email) {
        return email == null ? Optional.empty() : repository.reason(hash(email)).map(Reason::valueOf);
    }

    /** A lead of ours was suppressed: its address joins the list (in the caller's transaction). */
    void recordLead(String email, String leadReason, Instant now) {
        if (email != null) {
            repository.add(hash(email), normalise(email), of(leadReason).name(), "leadflow", now);
        }
    }

    /** The list's reason for a lead's suppression reason. */
    static Reason of(String leadReason) {
        return switch (leadReason) {
            case "UNSUBSCRIBED" -> Reason.UNSUBSCRIBED;
            case "HARD_BOUNCE", "SOFT_BOUNCE", "BOUNCED" -> Reason.BOUNCED;
            case "COMPLAINED" -> Reason.COMPLAINED;
            default -> Reason.DO_NOT_CONTACT;
        };
    }

    /**
     * An address no lead of ours has was reported (by an email provider): its hash is listed, never the address, so
     * that a person who was erased is not written down again.
     */
    public void listHashOf(String email, Reason reason, String source) {
        if (email != null && !email.isBlank()) {
            repository.add(hash(email), null, reason.name(), source, clock.instant());
        }
    }

    void forgetAddress(String addressHash) {
        if (addressHash != null) {
            repository.forgetAddress(addressHash);
        }
    }

    /**
     * Adds a list brought from elsewhere, {@value #CHUNK} entries per transaction: a failure keeps the chunks before
     * it, and a list imported again adds nothing twice. Each listed address of a lead of ours suppresses that lead
     * now (a hash-only entry suppresses its lead when the next email to it is prepared).
     *
     * @param fallbackReason the reason of entries that name none, or null when each must name its own
     */
    public ImportResult importList(List<Incoming> entries, String fallbackReason, String user) {
        List<Rejection> rejections = new ArrayList<>();
        int[] counts = new int[3];
        int rejected = 0;
        List<Valid> valid = new ArrayList<>();
        for (Incoming in : entries) {
            String problem = null;
            String hash = null;
            String address = null;
            String value = in.email() != null && !in.email().isBlank() ? in.email().trim()
                    : in.sha256() == null ? "" : in.sha256().trim();
            Reason reason = reason(in.reason() == null || in.reason().isBlank() ? fallbackReason : in.reason());
            if (value.isEmpty()) {
                problem = "no address and no sha256";
            } else if (HASH.matcher(value).matches()) {
                hash = value.toLowerCase(Locale.ROOT);
            } else if (in.email() == null || in.email().isBlank()) {
                problem = "sha256 must be 64 hexadecimal digits";
            } else if (!ADDRESS.matcher(value).matches() || value.length() > 254) {
                problem = "not an email address";
            } else {
                address = normalise(value);
                hash = Hashing.sha256(address);
            }
            if (problem == null && reason == null) {
                problem = (in.reason() == null || in.reason().isBlank() ? "no reason"
                        : "unknown reason '" + in.reason() + "'")
                        + ": use unsubscribed, bounced, complained or do-not-contact";
            }
            if (problem != null) {
                rejected++;
                if (rejections.size() < LISTED_REJECTIONS) {
                    rejections.add(new Rejection(in.line(), value, problem));
                }
            } else {
                valid.add(new Valid(hash, address, reason));
            }
        }
        String source = "import by " + user;
        for (int from = 0; from < valid.size(); from += CHUNK) {
            List<Valid> chunk = valid.subList(from, Math.min(valid.size(), from + CHUNK));
            tx.executeWithoutResult(s -> chunk.forEach(v -> add(v, source, counts)));
        }
        log.info("Suppression list imported by {}: {} added, {} listed already, {} leads suppressed, {} rejected",
                user, counts[0], counts[1], counts[2], rejected);
        return new ImportResult(entries.size(), counts[0], counts[1], counts[2], rejected, rejections);
    }

    private record Valid(String hash, String address, Reason reason) {
    }

    private void add(Valid v, String source, int[] counts) {
        Instant now = clock.instant();
        counts[repository.add(v.hash(), v.address(), v.reason().name(), source, now) ? 0 : 1]++;
        if (v.address() != null) {
            leads.findByEmail(v.address()).filter(l -> !l.erased() && l.suppressedReason() == null).ifPresent(l -> {
                leads.suppress(l.id(), v.reason().name(), now);
                counts[2]++;
            });
        }
    }

    /** The reason of a word from another tool's export, or null. */
    static Reason reason(String word) {
        if (word == null) {
            return null;
        }
        String w = word.trim().toLowerCase(Locale.ROOT).replace(' ', '-');
        Reason reason = REASON_WORDS.get(w);
        if (reason == null) {
            try {
                reason = Reason.valueOf(w.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return reason;
    }

    public long count() {
        return repository.count();
    }

    /** Every entry, oldest first, streamed. */
    public void export(Consumer<Entry> entry) {
        repository.each(entry);
    }
}
