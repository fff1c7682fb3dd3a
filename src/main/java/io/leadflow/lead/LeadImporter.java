package io.leadflow.lead;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import io.leadflow.lead.Lead.Consent;
import io.leadflow.platform.InvalidInputException;

/**
 * Writes one row of a contact import, within the import's transaction: the same validation as a form, then a new
 * lead or a merge into the lead with that address. No journey starts here; the import decides about consent.
 */
@Component
public class LeadImporter {

    /** How an imported value meets one we already hold. */
    public enum Conflict { KEEP_EXISTING, FILE_WINS }

    /**
     * @param changedFields the fields the row changed on an existing lead (empty for a new lead or a row that brought
     *                      nothing new)
     * @param confirmedNow  the row's proof of consent confirmed a lead that was pending or new
     */
    public record Outcome(String leadId, String email, boolean created, List<String> changedFields,
            boolean confirmedNow) {
    }

    /** What became of one row of a chunk: an outcome, or the reason it was refused (the row wrote nothing). */
    public record Result(Outcome outcome, String rejection) {
    }

    /** The row is refused: the message says why, for the rejected-rows file. */
    public static class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message);
        }
    }

    private static final List<Field> FIELDS = List.of(new Field("firstName", Lead::firstName),
            new Field("lastName", Lead::lastName), new Field("company", Lead::company),
            new Field("jobTitle", Lead::jobTitle), new Field("industry", Lead::industry),
            new Field("companySize", Lead::companySize), new Field("country", Lead::country),
            new Field("phone", Lead::phone), new Field("language", Lead::language));

    private record Field(String name, Function<Lead, Object> value) {
    }

    private final LeadRepository leads;
    private final Leads transitions;
    private final Suppressions suppressions;

    LeadImporter(LeadRepository leads, Leads transitions, Suppressions suppressions) {
        this.leads = leads;
        this.transitions = transitions;
        this.suppressions = suppressions;
    }

    /**
     * @param consentProof the import holds proof that this person opted in: a new or pending lead becomes CONFIRMED
     * @throws Rejected                                    for a suppressed or erased address
     * @throws io.leadflow.platform.InvalidInputException for a row a form would refuse (field errors)
     */
    @Transactional(propagation = Propagation.MANDATORY, noRollbackFor = { Rejected.class,
            InvalidInputException.class })
    public Outcome importRow(CaptureRequest row, Conflict conflict, boolean consentProof, Instant now) {
        LeadValidator.CleanCapture clean = LeadValidator.validate(row);
        Optional<Lead> existing = leads.findByEmail(clean.email());
        if (existing.isPresent() && existing.get().suppressedReason() != null) {
            throw new Rejected("suppressed address (" + existing.get().suppressedReason() + "): never imported again");
        }
        if (existing.isPresent() && existing.get().erased()) {
            throw new Rejected("this person asked to be erased");
        }
        var listed = suppressions.reasonFor(clean.email());
        if (listed.isPresent()) {
            throw new Rejected("on the suppression list (" + listed.get() + "): never imported");
        }
        String id;
        List<String> changed = new ArrayList<>();
        if (existing.isEmpty()) {
            id = UUID.randomUUID().toString();
            leads.insert(id, clean, now);
        } else {
            id = existing.get().id();
            if (conflict == Conflict.FILE_WINS) {
                leads.merge(id, clean, now);
            } else {
                leads.fillBlanks(id, clean, now);
            }
            Lead after = leads.get(id);
            for (Field f : FIELDS) {
                if (!Objects.equals(f.value().apply(existing.get()), f.value().apply(after))) {
                    changed.add(f.name());
                }
            }
        }
        boolean confirmedNow = consentProof && transitions.confirmConsent(id, now);
        return new Outcome(id, clean.email(), existing.isEmpty(), changed, confirmedNow);
    }

    /**
     * Writes a chunk of an import, with the same outcome as {@link #importRow} row after row, in a few statements:
     * one query finds the addresses we hold, the first row of each new address is inserted in a batch, and only the
     * rest (addresses we hold, an address repeated in the chunk) go row by row. Results are in the rows' order.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<Result> importAll(List<CaptureRequest> rows, Conflict conflict, boolean consentProof, Instant now) {
        Result[] results = new Result[rows.size()];
        LeadValidator.CleanCapture[] clean = new LeadValidator.CleanCapture[rows.size()];
        Set<String> addresses = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            try {
                clean[i] = LeadValidator.validate(rows.get(i));
                addresses.add(clean[i].email());
            } catch (InvalidInputException invalid) {
                results[i] = new Result(null, invalid.errors().stream().map(e -> e.field() + " " + e.message())
                        .reduce((a, b) -> a + "; " + b).orElse("invalid"));
            }
        }
        Map<String, Lead> held = leads.findByEmails(addresses);
        Set<String> created = new HashSet<>();
        List<LeadRepository.NewLead> news = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            if (clean[i] != null && !held.containsKey(clean[i].email()) && created.add(clean[i].email())) {
                String id = UUID.randomUUID().toString();
                news.add(new LeadRepository.NewLead(id, clean[i]));
                results[i] = new Result(new Outcome(id, clean[i].email(), true, List.of(), consentProof), null);
            }
        }
        leads.insertAll(news, consentProof, now);
        for (int i = 0; i < rows.size(); i++) {
            if (results[i] == null) {
                try {
                    results[i] = new Result(importRow(rows.get(i), conflict, consentProof, now), null);
                } catch (Rejected refused) {
                    results[i] = new Result(null, refused.getMessage());
                }
            }
        }
        return List.of(results);
    }
}
