package heap.api.allocator;

import heap.api.HeapId;

/**
 * One bundle's use of one heap: live buffers and their bytes (page-rounded), the peak of those bytes, allocations
 * that failed (any reason, quotas included), and the buffers and bytes given back when the bundle stopped.
 */
public record OwnerHeapUsage(HeapId heap, long liveBuffers, long bytes, long peakBytes, long allocationsFailed,
        long reclaimedBuffers, long reclaimedBytes) {
}
