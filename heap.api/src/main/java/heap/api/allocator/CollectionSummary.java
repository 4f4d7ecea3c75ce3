package heap.api.allocator;

import heap.api.SingleBufferSettings;

/** A collection that still has buffers not yet reclaimed (deleteVmo not yet answered). */
public record CollectionSummary(long id, SingleBufferSettings settings, int bufferCount, int buffersNotReclaimed) {
}
