package heap.api.allocator;

import heap.api.HeapId;
import heap.api.HeapProperties;
import java.util.Map;
import java.util.Optional;

/**
 * One bound heap as the allocator sees it. {@code properties} is empty until OnRegister arrives. The counts are the
 * allocator's own: buffers it holds from this heap, clears and flushes it did, buffers lost to a heap that never
 * answered deleteVmo. {@code metrics} is the heap's own {@link heap.api.HeapMetrics} snapshot, when it has one.
 */
public record HeapStatus(HeapId id, String origin, long serviceId, int ranking, HeapState state,
        Optional<HeapProperties> properties, String reason, long liveBuffers, long clears, long flushes,
        long failures, long lostBuffers, Map<String, Long> metrics) {
}
