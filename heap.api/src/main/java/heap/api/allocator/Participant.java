package heap.api.allocator;

import heap.api.BufferMemoryConstraints;
import heap.api.internal.Require;

/** One participant of a collection: its memory constraints and whether it touches the buffers with the CPU. */
public record Participant(BufferMemoryConstraints constraints, boolean cpuUsage) {
    public Participant {
        Require.field(constraints, "constraints");
    }
}
