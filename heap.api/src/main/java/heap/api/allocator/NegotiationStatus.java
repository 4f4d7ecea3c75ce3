package heap.api.allocator;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A shared collection as operators see it: its name, its state ({@code pending}, {@code allocated},
 * {@code failed}), each participant and where it stands, once allocated the aggregated constraints, and how long it
 * waited for its participants: from when it was made until now while pending, until it was allocated or failed
 * after ({@code waited} @since 1.5).
 *
 * @since 1.1
 */
public record NegotiationStatus(long id, String name, String state, String failure, List<Participant> participants,
        String aggregated, Duration waited) {
    public NegotiationStatus {
        participants = List.copyOf(participants);
        Objects.requireNonNull(waited, "waited");
    }

    /** Without the time waited (zero), as before 1.5. */
    public NegotiationStatus(long id, String name, String state, String failure, List<Participant> participants,
            String aggregated) {
        this(id, name, state, failure, participants, aggregated, Duration.ZERO);
    }

    /** The state as operators read it: with why, once failed ({@code failed: no heap fits ...}). @since 1.3 */
    public String stateAndFailure() {
        return failure == null || failure.isEmpty() ? state : state + ": " + failure;
    }

    /**
     * One node: its debug name, its bundle, {@code token}, {@code bound}, {@code constraints set}, … and whether the
     * collection's allocation waits for it ({@code blocking}: a token not bound or a collection without constraints,
     * not behind an attached token; @since 1.6), so a tool tells who holds a negotiation up without reading states.
     */
    public record Participant(String name, String bundle, String state, boolean blocking) {
        /** Without {@code blocking} (false), as before 1.6. */
        public Participant(String name, String bundle, String state) {
            this(name, bundle, state, false);
        }
    }
}
