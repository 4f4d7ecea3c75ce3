package heap.api.allocator;

import heap.api.HeapId;
import heap.api.SingleBufferSettings;

/**
 * A collection that still has buffers not yet reclaimed (deleteVmo not yet answered). {@code owner} is the bundle
 * that allocated it; {@code ownerStopped} says that bundle has stopped and what remains is held back by its
 * confined mappings or by handles another bundle adopted. {@code servedBy} is the heap that allocated the buffers:
 * the settings name SYSTEM_RAM#0 for buffers the contiguous pool serves on its behalf, as sysmem's do.
 * {@code buffersLost}: buffers whose heap never answered deleteVmo; once that heap is gone, so is the summary.
 */
public record CollectionSummary(long id, SingleBufferSettings settings, int bufferCount, int buffersNotReclaimed,
        String owner, boolean ownerStopped, HeapId servedBy, int buffersLost) {

    /** The 1.0 form, without an owner. */
    public CollectionSummary(long id, SingleBufferSettings settings, int bufferCount, int buffersNotReclaimed) {
        this(id, settings, bufferCount, buffersNotReclaimed, "", false, settings.bufferSettings().heap(), 0);
    }
}
