package heap.api.allocator;

import java.util.List;

/**
 * One bundle as the allocator's client: what it holds on each heap, and — once it stopped — what its stop gave
 * back and what is still held back by confined mappings open on its threads.
 */
public record OwnerStatus(long bundleId, String bundle, boolean stopped, long heldBackBytes, int heldBackMappings,
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
