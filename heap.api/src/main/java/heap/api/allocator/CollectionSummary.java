package heap.api.allocator;

import heap.api.SingleBufferSettings;

/**
 * A collection that still has buffers not yet reclaimed (deleteVmo not yet answered). {@code owner} is the bundle
 * that allocated it; {@code ownerStopped} says that bundle has stopped and what remains is held back by its
 * confined mappings or by handles another bundle adopted.
 */
public record CollectionSummary(long id, SingleBufferSettings settings, int bufferCount, int buffersNotReclaimed,
        String owner, boolean ownerStopped) {

    /** The 1.0 form, without an owner. */
    public CollectionSummary(long id, SingleBufferSettings settings, int bufferCount, int buffersNotReclaimed) {
        this(id, settings, bufferCount, buffersNotReclaimed, "", false);
    }
}
