package heap.api.allocator;

import java.util.List;

/**
 * A shared collection as operators see it: its name, its state ({@code pending}, {@code allocated},
 * {@code failed}), each participant and where it stands, and once allocated the aggregated constraints.
 *
 * @since 1.1
 */
public record NegotiationStatus(long id, String name, String state, String failure, List<Participant> participants,
        String aggregated) {
    public NegotiationStatus {
        participants = List.copyOf(participants);
    }

    /** The state as operators read it: with why, once failed ({@code failed: no heap fits ...}). @since 1.3 */
    public String stateAndFailure() {
        return failure == null || failure.isEmpty() ? state : state + ": " + failure;
    }

    /** One node: its debug name, its bundle, and {@code token}, {@code bound}, {@code constraints set}, … */
    public record Participant(String name, String bundle, String state) {
    }
}
