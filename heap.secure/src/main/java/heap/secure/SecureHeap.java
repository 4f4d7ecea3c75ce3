package heap.secure;

import heap.api.CoherencyDomainSupport;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.memory.AbstractHeap;
import heap.memory.NativeMemory;
import heap.memory.RegionAllocator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Protected memory the CPU can never touch. Each buffer is a range of a fixed-capacity protected range, carved by
 * the shared region allocator, and handed out as an inaccessible VMO: an official size and no pages, so map,
 * read and write fail with ACCESS_DENIED on it, its children and duplicates. No process memory backs the range,
 * so no path of the platform can read it (the device that owns it would zero ranges itself).
 *
 * <p>The range's addresses are the buffers' physical addresses, so two live buffers must never share one. By default
 * the range is address space reserved from the kernel with no access at all: no other heap instance — a second
 * instance, the one a new configuration starts, the one of an updated bundle — can get those numbers until this
 * instance has drained and given them back. A configured base is used as given (a board's fixed carve-out).
 */
public class SecureHeap extends AbstractHeap {
    static final HeapProperties PROPERTIES = new HeapProperties(CoherencyDomainSupport.INACCESSIBLE_ONLY, false, false);
    /** The {@code rangeBase} that asks for a range reserved from the kernel. */
    public static final long RESERVED_RANGE = 0;

    private final RegionAllocator range;
    private final long rangeBase;
    private final long reservation; // the kernel's reservation behind a RESERVED_RANGE range; 0 for a configured base
    private final long reservationBytes;
    private volatile boolean accepting = true;
    private boolean released; // guarded by this: the reservation went back to the kernel

    public SecureHeap(long capacityBytes, long maxAlignment, long rangeBase) {
        this("secure", capacityBytes, maxAlignment, rangeBase);
    }

    /**
     * A range of {@code capacityBytes} at {@code rangeBase}, or reserved from the kernel when it is
     * {@link #RESERVED_RANGE}. Alignments above {@code maxAlignment} — or above the alignment of a configured base,
     * which no buffer's address could then have — are NOT_SUPPORTED.
     */
    public SecureHeap(String name, long capacityBytes, long maxAlignment, long rangeBase) {
        super(name, PROPERTIES);
        if (capacityBytes <= 0 || !Sizes.isPageAligned(capacityBytes)) {
            throw new IllegalArgumentException("capacity_bytes " + capacityBytes + " is not a positive multiple of "
                    + Sizes.PAGE_SIZE);
        }
        if (rangeBase < 0 || !Sizes.isPageAligned(rangeBase)) {
            throw new IllegalArgumentException("protected_range_base " + rangeBase + " is not 0 or a positive multiple of "
                    + Sizes.PAGE_SIZE);
        }
        if (rangeBase == RESERVED_RANGE) {
            this.range = new RegionAllocator(capacityBytes, Sizes.PAGE_SIZE, maxAlignment); // checks it: none reserved yet
            this.reservationBytes = capacityBytes + maxAlignment; // room to align the base to the largest alignment
            this.reservation = NativeMemory.reserve(reservationBytes);
            this.rangeBase = (reservation + maxAlignment - 1) & -maxAlignment;
        } else {
            this.reservationBytes = 0;
            this.reservation = 0;
            this.rangeBase = rangeBase;
            this.range = new RegionAllocator(capacityBytes, Sizes.PAGE_SIZE,
                    Math.min(maxAlignment, Long.lowestOneBit(rangeBase)));
        }
    }

    /** The address of the range's first byte: what a buffer at offset 0 reports as its physical address. */
    public long rangeBase() {
        return rangeBase;
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
        if (!accepting) { // closed meanwhile: its range may be given back already, so no address of it goes out
            range.free(offset, size);
            releaseIfDrained();
            throw new StatusException(Status.BAD_STATE, "the secure heap is shutting down");
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
            if (!heap.accepting) {
                heap.releaseIfDrained();
            }
        }
    }

    /**
     * Stops handing out ranges; outstanding buffers stay valid until their handles close, and the last of them gives
     * a reserved range back to the kernel.
     */
    public void close() {
        accepting = false;
        releaseIfDrained();
    }

    // Runs after each free once closed, and after close: a free and a close racing each read what the other wrote
    // (accepting is volatile, the range's count is read under the range's lock), so one of them sees the range empty.
    private synchronized void releaseIfDrained() {
        if (reservation == 0 || released || range.used() != 0) {
            return;
        }
        NativeMemory.unreserve(reservation, reservationBytes);
        released = true;
        log().log(System.Logger.Level.INFO, () -> "heap " + name() + ": protected range of " + range.capacity()
                + " bytes at 0x" + Long.toHexString(rangeBase) + " released");
    }

    @Override
    protected void addMetrics(Map<String, Long> metrics) {
        metrics.put(CAPACITY, range.capacity());
        metrics.putAll(range.metrics());
        metrics.put("protected_range_base", rangeBase);
        if (reservation != 0) {
            synchronized (this) {
                metrics.put("protected_range_released", released ? 1L : 0L);
            }
        }
    }
}
