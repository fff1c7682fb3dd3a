package io.leadflow.lead;

import static io.leadflow.lead.Lead.Consent.CONFIRMED;
import static io.leadflow.lead.Lead.Consent.EXPIRED;
import static io.leadflow.lead.Lead.Consent.PENDING;
import static io.leadflow.lead.Lead.Consent.UNSUBSCRIBED;
import static io.leadflow.lead.Lead.Stage.DISQUALIFIED;
import static io.leadflow.lead.Lead.Stage.MQL;
import static io.leadflow.lead.Lead.Stage.NEW;
import static io.leadflow.lead.Lead.Stage.NURTURE;
import static io.leadflow.lead.Lead.Stage.RECYCLED;
import static io.leadflow.lead.Lead.Stage.SAL;
import static io.leadflow.lead.Lead.Stage.SQL;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.leadflow.lead.Lead.Stage;

/**
 * Every way a lead's stage or consent changes, in one table. A transition moves the lead when it is in one of the
 * {@code from} states, leaves it as it is in one of the {@code stays} states (the change happened already, or a
 * later state wins), and fails with {@link IllegalTransition} in any other: that is a bug in the caller, not a race.
 * An erased lead is never moved.
 */
public enum Transition {

    //             to            moves from                                      stays in
    ENTER_NURTURE(NURTURE, EnumSet.of(NEW), EnumSet.of(NURTURE, MQL, SAL, SQL, RECYCLED, DISQUALIFIED)),
    QUALIFY(MQL, EnumSet.of(NEW, NURTURE, RECYCLED), EnumSet.of(MQL, SAL, SQL, DISQUALIFIED)),
    ACCEPT_BY_SALES(SAL, EnumSet.of(MQL), EnumSet.of(SAL)),
    CONVERT(SQL, EnumSet.of(MQL, SAL), EnumSet.of(SQL)),
    RECYCLE(RECYCLED, EnumSet.of(MQL, SAL), EnumSet.of(RECYCLED)),
    DISQUALIFY(DISQUALIFIED, EnumSet.of(NEW, NURTURE, MQL, SAL, RECYCLED), EnumSet.of(DISQUALIFIED)),

    /** An import's proof of opt-in confirms a pending lead, never one who let the link expire or unsubscribed. */
    CONFIRM(CONFIRMED, EnumSet.of(PENDING), EnumSet.of(CONFIRMED, EXPIRED, UNSUBSCRIBED)),
    /** A confirmation that won the race with the expiry timer keeps the lead confirmed. */
    EXPIRE(EXPIRED, EnumSet.of(PENDING), EnumSet.of(EXPIRED, CONFIRMED, UNSUBSCRIBED)),
    UNSUBSCRIBE(UNSUBSCRIBED, EnumSet.of(PENDING, CONFIRMED), EnumSet.of(UNSUBSCRIBED, EXPIRED));

    private final Enum<?> to;
    private final Set<Enum<?>> from;
    private final Set<Enum<?>> stays;

    <S extends Enum<S>> Transition(S to, EnumSet<S> from, EnumSet<S> stays) {
        this.to = to;
        this.from = Collections.unmodifiableSet(new LinkedHashSet<>(from));
        this.stays = Collections.unmodifiableSet(new LinkedHashSet<>(stays));
    }

    /** Whether this transition changes the stage (otherwise the consent). */
    public boolean ofStage() {
        return to instanceof Stage;
    }

    public Enum<?> to() {
        return to;
    }

    public Set<Enum<?>> from() {
        return from;
    }

    public Set<Enum<?>> stays() {
        return stays;
    }

    /** What the transition does to a lead in {@code state} (its stage or its consent, as {@link #ofStage()} says). */
    public Effect effectOn(Enum<?> state) {
        if (from.contains(state)) {
            return Effect.MOVES;
        }
        return stays.contains(state) ? Effect.STAYS : Effect.ILLEGAL;
    }

    public enum Effect { MOVES, STAYS, ILLEGAL }

    /** The state of the lead this transition reads and writes. */
    Enum<?> stateOf(Lead lead) {
        return ofStage() ? lead.stage() : lead.consent();
    }

    /** {@code from}, as the names stored in the column. */
    List<String> fromNames() {
        return from.stream().map(Enum::name).sorted().toList();
    }
}
