package heap.api.allocator;

import heap.api.BufferMemoryConstraints;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.internal.Require;
import java.util.List;

/** A request for {@code bufferCount} buffers that satisfy every participant. */
public record AllocationRequest(int bufferCount, List<Participant> participants) {
    public AllocationRequest {
        participants = List.copyOf(Require.elements(participants, "participants"));
        if (participants.isEmpty()) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "a collection needs at least one participant");
        }
        if (bufferCount < 1) {
            throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, "buffer count " + bufferCount
                    + " is below 1");
        }
    }

    /** One participant. */
    public static AllocationRequest of(int bufferCount, BufferMemoryConstraints constraints, boolean cpuUsage) {
        return new AllocationRequest(bufferCount, List.of(new Participant(constraints, cpuUsage)));
    }
}
