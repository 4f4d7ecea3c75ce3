package heap.secure;

import heap.api.CoherencyDomainSupport;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.memory.AbstractHeap;
import heap.memory.RegionAllocator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Protected memory the CPU can never touch. Each buffer is a range of a fixed-capacity protected range, carved by
 * the shared region allocator, and handed out as an inaccessible VMO: an official size and no pages, so map,
 * read and write fail with ACCESS_DENIED on it, its children and duplicates. No process memory backs the range,
 * so no path of the platform can read it (the device that owns it would zero ranges itself).
 */
public class SecureHeap extends AbstractHeap {
    static final HeapProperties PROPERTIES = new HeapProperties(CoherencyDomainSupport.INACCESSIBLE_ONLY, false, false);

    private final RegionAllocator range;
    private final long rangeBase;
    private volatile boolean accepting = true;

    public SecureHeap(long capacityBytes, long maxAlignment, long rangeBase) {
        super("secure", PROPERTIES);
        if (capacityBytes <= 0 || !Sizes.isPageAligned(capacityBytes)) {
            throw new IllegalArgumentException("capacity_bytes " + capacityBytes + " is not a positive multiple of "
                    + Sizes.PAGE_SIZE);
        }
        this.range = new RegionAllocator(capacityBytes, Sizes.PAGE_SIZE, maxAlignment);
        this.rangeBase = rangeBase;
    }

    @Override
    protected Reservation reserve(long size, SingleBufferSettings settings) {
        if (!accepting) {
            throw new StatusException(Status.BAD_STATE, "the secure heap is shutting down");
        }
        long offset = range.allocate(size, settings.bufferSettings().minPhysicalBaseAlignment());
        if (offset < 0) {
            throw new StatusException(Status.NO_MEMORY, "no free protected range of " + size + " bytes ("
                    + (range.capacity() - range.used()) + " of " + range.capacity() + " bytes free, largest free range "
                    + range.largestFreeRegion() + ")");
        }
        return new ProtectedRange(rangeBase + offset, size);
    }

    /** One buffer's part of the protected range: its offset there is its physical address less the range's base. */
    private static final class ProtectedRange extends Reservation { // static: the heap is heap(), no field of its own
        ProtectedRange(long address, long size) {
            super(null, size, OptionalLong.of(address));
        }

        @Override
        protected void free() {
            SecureHeap heap = (SecureHeap) heap();
            heap.range.free(address() - heap.rangeBase, size());
        }
    }

    /** Stops handing out ranges; outstanding buffers stay valid until their handles close. */
    public void close() {
        accepting = false;
    }

    @Override
    protected void addMetrics(Map<String, Long> metrics) {
        metrics.put(CAPACITY, range.capacity());
        metrics.putAll(range.metrics());
        metrics.put("protected_range_base", rangeBase);
    }
}
