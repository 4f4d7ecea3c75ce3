package heap.secure;

import heap.api.CoherencyDomainSupport;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.PhysicalRanges;
import heap.memory.AbstractHeap;
import heap.memory.NativeMemory;
import heap.memory.RegionAllocator;
import java.util.ArrayList;
import java.util.List;
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
 * instance has drained and given them back. A configured base (a board's fixed carve-out) is claimed in a table of
 * {@link PhysicalRanges} (the component uses the JVM's): a range overlapping another heap's is refused, and an
 * instance that replaces a draining one of the same heap over the same range skips the addresses the predecessor's
 * live buffers still have ("parked" until the predecessor has drained).
 */
public class SecureHeap extends AbstractHeap {
    static final HeapProperties PROPERTIES = new HeapProperties(CoherencyDomainSupport.INACCESSIBLE_ONLY, false, false);
    /** The {@code rangeBase} that asks for a range reserved from the kernel. */
    public static final long RESERVED_RANGE = 0;

    private final RegionAllocator range;
    private final long rangeBase;
    private final long reservation; // the kernel's reservation behind a RESERVED_RANGE range; 0 for a configured base
    private final long reservationBytes;
    private final PhysicalRanges.Claim claim;
    /** Regions taken from the range only because a predecessor's live buffer has them: {offset, size}, never handed out. */
    private final List<long[]> parked = new ArrayList<>(); // guarded by itself
    private volatile long parkedBytes;
    private volatile boolean accepting = true;
    private boolean released; // guarded by this: the range was given back (the reservation to the kernel, the claim)

    public SecureHeap(long capacityBytes, long maxAlignment, long rangeBase) {
        this("secure", capacityBytes, maxAlignment, rangeBase, new PhysicalRanges());
    }

    /**
     * A range of {@code capacityBytes} at {@code rangeBase}, or reserved from the kernel when it is
     * {@link #RESERVED_RANGE}. Alignments above {@code maxAlignment} — or above the alignment of a configured base,
     * which no buffer's address could then have — are NOT_SUPPORTED. The range is claimed in {@code ranges} as heap
     * {@code name}.
     *
     * @throws IllegalStateException when the range overlaps one claimed there (nothing stays reserved)
     */
    public SecureHeap(String name, long capacityBytes, long maxAlignment, long rangeBase, PhysicalRanges ranges) {
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
        try {
            this.claim = ranges.claim(this.rangeBase, capacityBytes, name, this::occupied);
        } catch (RuntimeException e) {
            if (reservation != 0) {
                NativeMemory.unreserve(reservation, reservationBytes);
            }
            throw e;
        }
    }

    /** For a successor over this range: whether a live buffer of this heap (or a region it parked) has those bytes. */
    private boolean occupied(long address, long size) {
        return range.anyAllocated(address - rangeBase, size);
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
        long offset = allocateUnheld(size, settings.bufferSettings().minPhysicalBaseAlignment());
        if (offset < 0) {
            throw new StatusException(Status.NO_MEMORY, "no free protected range of " + size + " bytes ("
                    + (range.capacity() - range.used()) + " of " + range.capacity() + " bytes free, largest free range "
                    + range.largestFreeRegion() + ")");
        }
        if (!accepting) { // closed meanwhile: its range may be given back already, so no address of it goes out
            range.free(offset, size);
            unpark();
            releaseIfDrained();
            throw new StatusException(Status.BAD_STATE, "the secure heap is shutting down");
        }
        return new ProtectedRange(rangeBase + offset, size);
    }

    /** A region of the range no predecessor's live buffer has, or -1. Once predecessors have ended: one volatile read. */
    private long allocateUnheld(long size, long alignment) {
        if (claim.predecessorsEnded()) {
            if (parkedBytes != 0) {
                unpark();
            }
            return range.allocate(size, alignment);
        }
        synchronized (parked) {
            while (true) {
                long offset = range.allocate(size, alignment);
                if (offset < 0 || !claim.heldByPredecessor(rangeBase + offset, size)) {
                    return offset;
                }
                parked.add(new long[] {offset, size});
                parkedBytes += size;
            }
        }
    }

    /** Gives parked regions back to the range: every predecessor has drained, or this heap is closing. */
    private void unpark() {
        synchronized (parked) {
            for (long[] region : parked) {
                range.free(region[0], region[1]);
            }
            parked.clear();
            parkedBytes = 0;
        }
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
        claim.draining(); // after accepting: a successor's claim sees a heap that hands out nothing more
        unpark();
        releaseIfDrained();
    }

    // Runs after each free once closed, and after close: a free and a close racing each read what the other wrote
    // (accepting is volatile, the range's count is read under the range's lock), so one of them sees the range empty.
    private synchronized void releaseIfDrained() {
        if (released || range.used() != 0) {
            return;
        }
        if (reservation != 0) {
            NativeMemory.unreserve(reservation, reservationBytes);
        }
        claim.close();
        released = true;
        log().log(System.Logger.Level.INFO, () -> "heap " + name() + ": protected range of " + range.capacity()
                + " bytes at 0x" + Long.toHexString(rangeBase) + " released");
    }

    @Override
    protected void addMetrics(Map<String, Long> metrics) {
        metrics.put(CAPACITY, range.capacity());
        metrics.putAll(range.metrics());
        metrics.put("protected_range_base", rangeBase);
        if (parkedBytes != 0 && claim.predecessorsEnded()) {
            unpark();
        }
        metrics.put("protected_range_parked_bytes", parkedBytes); // a predecessor's live buffers have them
        synchronized (this) {
            metrics.put("protected_range_released", released ? 1L : 0L);
        }
    }
}
