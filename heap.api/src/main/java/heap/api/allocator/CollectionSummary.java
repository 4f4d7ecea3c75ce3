package heap.api.allocator;

import heap.api.HeapId;
import heap.api.SingleBufferSettings;

/**
 * A collection that still has buffers not yet reclaimed (deleteVmo not yet answered). {@code owner} is the bundle
 * that allocated it; {@code ownerStopped} says that bundle has stopped and what remains is held back by its
 * confined mappings or by handles another bundle adopted. {@code servedBy} is the heap that allocated the buffers:
 * the settings name SYSTEM_RAM#0 for buffers the contiguous pool serves on its behalf, as sysmem's do.
 */
public record CollectionSummary(long id, SingleBufferSettings settings, int bufferCount, int buffersNotReclaimed,
        String owner, boolean ownerStopped, HeapId servedBy) {

    /** The 1.0 form, without an owner. */
    public CollectionSummary(long id, SingleBufferSettings settings, int bufferCount, int buffersNotReclaimed) {
        this(id, settings, bufferCount, buffersNotReclaimed, "", false, settings.bufferSettings().heap());
    }
}
