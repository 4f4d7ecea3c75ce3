package heap.api.allocator;

import java.util.List;

/**
 * One bundle as the allocator's client: what it holds on each heap, and — once it stopped — what is still held
 * back: its buffers not yet back in their heaps, kept by confined mappings still open on its threads.
 */
public record OwnerStatus(long bundleId, String bundle, boolean stopped, long heldBackBytes, long heldBackBuffers,
        List<OwnerHeapUsage> heaps) {
    public OwnerStatus {
        heaps = List.copyOf(heaps);
    }

    /** Live buffers over every heap. */
    public long liveBuffers() {
        return heaps.stream().mapToLong(OwnerHeapUsage::liveBuffers).sum();
    }

    /** Live bytes (page-rounded, as the heaps hold them) over every heap. */
    public long bytes() {
        return heaps.stream().mapToLong(OwnerHeapUsage::bytes).sum();
    }
}
