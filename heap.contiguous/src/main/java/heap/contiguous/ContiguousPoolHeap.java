package heap.contiguous;

import heap.api.CoherencyDomainSupport;
import heap.api.HeapDiagnostics;
import heap.api.HeapProperties;
import heap.api.PoolRegion;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.HeapBuffer;
import heap.api.spi.PhysicalRanges;
import heap.api.vmo.Vmo;
import heap.memory.AbstractHeap;
import heap.memory.LiveSet;
import heap.memory.NativeMemory;
import heap.memory.RegionAllocator;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Physically contiguous buffers carved from one pool reserved up front. Guard pages holding {@code (i + 1) % 256}
 * sit at both ends of the pool and, optionally, around each buffer; they are checked when a buffer is freed,
 * periodically and on demand. Reused regions are dirty, hence need_clear (the registry zeroes them).
 */
public class ContiguousPoolHeap extends AbstractHeap implements HeapDiagnostics {
    static final HeapProperties PROPERTIES = new HeapProperties(CoherencyDomainSupport.ALL, true, true);
    private static final long PAGE = Sizes.PAGE_SIZE;
    private static final MemorySegment GUARD_PATTERN = guardPattern();

    /**
     * How the pool is laid out and how strictly its guards are kept. {@code guardUnusedPages}: free pages hold a
     * pattern too, so a write into memory nobody owns is reported (sysmem's option; off by default, it costs a fill
     * at every free and a scan of the free space at every check).
     */
    public record PoolSettings(long poolBytes, long maxAlignment, boolean guardPerBuffer, boolean guardFailureFatal,
            boolean guardUnusedPages) {
        public PoolSettings(long poolBytes, long maxAlignment, boolean guardPerBuffer, boolean guardFailureFatal) {
            this(poolBytes, maxAlignment, guardPerBuffer, guardFailureFatal, false);
        }
    }

    /** The names a buffer was handed out under; the koid is the client's once the registry says which. */
    private record BufferName(long collectionId, long index, long koid) {
    }

    /** One carved region: {@code guard} bytes, the buffer, {@code guard} bytes. */
    private static final class Carved extends LiveSet.Member {
        private static final VarHandle NAME;

        static {
            try {
                NAME = MethodHandles.lookup().findVarHandle(Carved.class, "name", BufferName.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long regionOffset;
        final long regionSize;
        final long guard;
        // Release stores, acquire reads: read by reports on other threads, written per buffer without a fence.
        private BufferName name;

        Carved(long regionOffset, long regionSize, long guard) {
            this.regionOffset = regionOffset;
            this.regionSize = regionSize;
            this.guard = guard;
        }

        void named(BufferName named) {
            NAME.setRelease(this, named);
        }

        BufferName bufferName() {
            return (BufferName) NAME.getAcquire(this);
        }

        /** How reports name it; built only when a report needs it, not at every allocation. */
        String name() {
            BufferName named = bufferName();
            return named == null ? "an unnamed buffer" : "buffer collection " + Long.toUnsignedString(named.collectionId())
                    + " index " + Long.toUnsignedString(named.index()) + " koid " + named.koid() + " at pool offset "
                    + (regionOffset + guard);
        }
    }

    /** The reservation of one carved region: the heap finds its region from the VMO it handed out. */
    private final class CarvedBuffer extends Reservation {
        final Carved carved;

        CarvedBuffer(Carved carved, long size) {
            super(usable.asSlice(carved.regionOffset + carved.guard, size), size,
                    OptionalLong.of(usable.address() + carved.regionOffset + carved.guard));
            this.carved = carved;
        }

        /** The carved buffer of {@code heap} behind {@code vmo}, or null. */
        static CarvedBuffer of(Vmo vmo, ContiguousPoolHeap heap) {
            return HeapBuffer.of(vmo) instanceof CarvedBuffer buffer && buffer.heap() == heap ? buffer : null;
        }

        @Override
        protected void free() {
            release(carved);
        }

        @Override
        protected void handedOut(long collectionId, long index, long koid) {
            carved.named(new BufferName(collectionId, index, koid));
        }
    }

    /**
     * The pool's mapping and the claim on its usable addresses. Over-mapped by the largest alignment so the usable
     * part starts on it: offsets aligned in the pool are then aligned as addresses too (the slack is address space
     * only, never touched).
     */
    private record ClaimedMapping(MemorySegment pool, long usableStart, PhysicalRanges.Claim claim, String movedPast) {
        private static final int ATTEMPTS = 4;

        static ClaimedMapping map(String name, PoolSettings settings, PhysicalRanges ranges, PhysicalRanges.Occupancy occupancy) {
            long bytes = settings.poolBytes() + 2 * PAGE + settings.maxAlignment();
            List<MemorySegment> refused = new ArrayList<>(); // kept mapped meanwhile, so the kernel offers others
            try {
                long hint = 0;
                String movedPast = null;
                while (true) {
                    MemorySegment pool = NativeMemory.map(hint, bytes);
                    long usableStart = ((pool.address() + PAGE + settings.maxAlignment() - 1) & -settings.maxAlignment())
                            - pool.address();
                    try {
                        return new ClaimedMapping(pool, usableStart,
                                ranges.claim(pool.address() + usableStart, settings.poolBytes(), name, occupancy), movedPast);
                    } catch (IllegalStateException claimedByAnother) {
                        refused.add(pool);
                        if (refused.size() == ATTEMPTS) {
                            throw new IllegalStateException("the kernel mapped the pool of heap " + name + " over "
                                    + "addresses another heap claims " + ATTEMPTS + " times; the last time: "
                                    + claimedByAnother.getMessage(), claimedByAnother);
                        }
                        movedPast = claimedByAnother.getMessage();
                        hint = ranges.pastClaimsOverlapping(pool.address(), bytes);
                    }
                }
            } finally {
                refused.forEach(NativeMemory::unmap);
            }
        }
    }

    private final PoolSettings settings;
    private final MemorySegment pool;
    private final PhysicalRanges.Claim claim;
    private final MemorySegment usable;
    private final MemorySegment leadingGuard;
    private final MemorySegment trailingGuard;
    private final RegionAllocator allocator;
    private final LiveSet<Carved> live = new LiveSet<>(); // changed under this heap's lock, as every carve and free is
    private final AtomicLong guardFailures = new AtomicLong();
    private final AtomicLong unusedPageFailures = new AtomicLong();
    private volatile boolean accepting;
    private boolean closed;
    private boolean poolReleased;

    public ContiguousPoolHeap(PoolSettings settings) {
        this("contiguous", settings, new PhysicalRanges());
    }

    /**
     * A pool that calls itself {@code name} in its log lines and claims its addresses in {@code ranges}: a range
     * configured there later over the pool is refused, and a pool the kernel maps over one claimed before is mapped
     * again past it.
     *
     * @throws IllegalStateException when every mapping the kernel offered overlapped another heap's claim (nothing
     *         stays mapped)
     */
    public ContiguousPoolHeap(String name, PoolSettings settings, PhysicalRanges ranges) {
        super(name, PROPERTIES);
        if (settings.poolBytes() <= 0 || !Sizes.isPageAligned(settings.poolBytes())) {
            throw new IllegalArgumentException("pool_size_bytes " + settings.poolBytes() + " is not a positive multiple of "
                    + PAGE);
        }
        this.settings = settings;
        this.allocator = new RegionAllocator(settings.poolBytes(), PAGE, settings.maxAlignment());
        ClaimedMapping mapping = ClaimedMapping.map(name, settings, ranges, this::occupied);
        this.pool = mapping.pool();
        this.claim = mapping.claim();
        long usableStart = mapping.usableStart();
        this.usable = pool.asSlice(usableStart, settings.poolBytes());
        this.leadingGuard = pool.asSlice(usableStart - PAGE, PAGE);
        this.trailingGuard = pool.asSlice(usableStart + settings.poolBytes(), PAGE);
        writeGuard(leadingGuard);
        writeGuard(trailingGuard);
        if (settings.guardUnusedPages()) {
            fillUnused(usable);
        }
        accepting = true;
        log().log(System.Logger.Level.INFO, () -> "heap " + name() + ": pool of " + settings.poolBytes() + " bytes at 0x"
                + Long.toHexString(usable.address()) + " ready" + (mapping.movedPast() == null ? ""
                        : " (mapped again: the kernel first offered addresses another heap claims, as " + mapping.movedPast() + ")"));
    }

    @Override
    protected Reservation reserve(long size, SingleBufferSettings bufferSettings) {
        long guard = settings.guardPerBuffer() ? PAGE : 0;
        long alignment = bufferSettings.bufferSettings().minPhysicalBaseAlignment();
        Carved carved;
        // Carving and freeing hold the heap's lock so a guard check never reads a region changing hands, and so
        // a close that releases the drained pool cannot slip between the readiness check and the carving.
        synchronized (this) {
            if (!accepting) {
                throw new StatusException(Status.BAD_STATE, "the contiguous pool is not ready (" + (closed
                        ? "shutting down" : "stopped after a guard page corruption") + ")");
            }
            long regionOffset = allocator.allocate(size + 2 * guard, alignment, guard);
            if (regionOffset < 0) {
                throw new StatusException(Status.NO_MEMORY, "no free region of " + (size + 2 * guard)
                        + " bytes in the contiguous pool (" + (allocator.capacity() - allocator.used())
                        + " bytes free, largest free region " + allocator.largestFreeRegion() + ")");
            }
            carved = new Carved(regionOffset, size + 2 * guard, guard);
            if (settings.guardUnusedPages()) {
                checkUnused(regionOffset, carved.regionSize, "now being allocated", new ArrayList<>());
            }
            if (guard > 0) {
                writeGuard(usable.asSlice(regionOffset, guard));
                writeGuard(usable.asSlice(regionOffset + guard + size, guard));
            }
            live.add(carved);
        }
        return new CarvedBuffer(carved, size);
    }

    /** Reports name the koid the client holds (what heap:alloc printed and heap:info takes), not this heap's own. */
    @Override
    public void clientHandle(Vmo heapVmo, long bufferCollectionId, long bufferIndex, long clientKoid) {
        if (CarvedBuffer.of(heapVmo, this) instanceof CarvedBuffer buffer) {
            BufferName named = buffer.carved.bufferName();
            if (named != null && named.collectionId() == bufferCollectionId && named.index() == bufferIndex) {
                buffer.carved.named(new BufferName(bufferCollectionId, bufferIndex, clientKoid));
            }
        }
    }

    private synchronized void release(Carved carved) {
        checkAround(carved, new ArrayList<>());
        live.remove(carved);
        if (settings.guardUnusedPages()) {
            fillUnused(usable.asSlice(carved.regionOffset, carved.regionSize));
        }
        allocator.free(carved.regionOffset, carved.regionSize);
        releasePoolIfDrained();
    }

    /**
     * Checks the pool's guards, every buffer's, and (when guarded) the free pages. Each corruption is logged and
     * counted at every check that still sees it — the pattern is not rewritten, as in sysmem — until its region
     * is freed (or, for a free page, allocated).
     */
    @Override
    public synchronized List<String> checkIntegrity() {
        List<String> problems = new ArrayList<>();
        if (poolReleased) {
            return problems;
        }
        List<Carved> carvedNow = inOffsetOrder();
        Carved first = carvedNow.isEmpty() || carvedNow.getFirst().regionOffset != 0 ? null : carvedNow.getFirst();
        Carved last = carvedNow.isEmpty() ? null : carvedNow.getLast();
        boolean lastTouchesEnd = last != null && last.regionOffset + last.regionSize == settings.poolBytes();
        checkGuard(leadingGuard, "before the pool, next to ", first, problems);
        checkGuard(trailingGuard, "after the pool, next to ", lastTouchesEnd ? last : null, problems);
        for (Carved carved : carvedNow) {
            checkBufferGuards(carved, problems);
        }
        if (settings.guardUnusedPages()) {
            for (RegionAllocator.Region free : allocator.freeRegions()) {
                checkUnused(free.offset(), free.size(), "free", problems);
            }
        }
        return problems;
    }

    @Override
    public synchronized List<PoolRegion> layout() {
        List<PoolRegion> regions = new ArrayList<>();
        if (poolReleased) {
            return regions;
        }
        long next = 0;
        for (Carved carved : inOffsetOrder()) {
            if (carved.regionOffset > next) {
                regions.add(new PoolRegion(next, carved.regionOffset - next, PoolRegion.Kind.FREE, 0, 0, 0));
            }
            BufferName named = carved.bufferName();
            long bufferSize = carved.regionSize - 2 * carved.guard;
            if (carved.guard > 0) {
                regions.add(new PoolRegion(carved.regionOffset, carved.guard, PoolRegion.Kind.GUARD, 0, 0, 0));
            }
            regions.add(new PoolRegion(carved.regionOffset + carved.guard, bufferSize, PoolRegion.Kind.BUFFER,
                    named == null ? 0 : named.collectionId(), named == null ? 0 : named.index(),
                    named == null ? 0 : named.koid()));
            if (carved.guard > 0) {
                regions.add(new PoolRegion(carved.regionOffset + carved.guard + bufferSize, carved.guard,
                        PoolRegion.Kind.GUARD, 0, 0, 0));
            }
            next = carved.regionOffset + carved.regionSize;
        }
        if (next < settings.poolBytes()) {
            regions.add(new PoolRegion(next, settings.poolBytes() - next, PoolRegion.Kind.FREE, 0, 0, 0));
        }
        return regions;
    }

    /** The carved regions sorted by offset: reports need the order, allocations do not pay for it. */
    private List<Carved> inOffsetOrder() {
        List<Carved> carved = live.snapshot();
        carved.sort(java.util.Comparator.comparingLong(region -> region.regionOffset));
        return carved;
    }

    /** For a successor claiming over these addresses: whether a live buffer (or its guard pages) has any of them. */
    private boolean occupied(long address, long size) {
        return allocator.anyAllocated(address - usable.address(), size);
    }

    /** Stops handing out memory; the pool goes back to the system once its last buffer is reclaimed. */
    public synchronized void close() {
        accepting = false;
        closed = true;
        claim.draining();
        releasePoolIfDrained();
    }

    @Override
    protected void addMetrics(Map<String, Long> metrics) {
        metrics.put(CAPACITY, settings.poolBytes());
        metrics.putAll(allocator.metrics());
        metrics.put("guard_failures", guardFailures.get());
        metrics.put("unused_page_failures", unusedPageFailures.get());
        metrics.put("pool_base_address", usable.address());
        metrics.put("pool_released", poolReleased() ? 1L : 0L);
    }

    /** The pool's bytes, guards included: for tests that play a device writing past a buffer. */
    MemorySegment poolForTesting() {
        return usable;
    }

    private void checkAround(Carved carved, List<String> problems) {
        checkBufferGuards(carved, problems);
        if (carved.regionOffset == 0) {
            checkGuard(leadingGuard, "before the pool, next to ", carved, problems);
        }
        if (carved.regionOffset + carved.regionSize == settings.poolBytes()) {
            checkGuard(trailingGuard, "after the pool, next to ", carved, problems);
        }
    }

    private void checkBufferGuards(Carved carved, List<String> problems) {
        if (carved.guard > 0) {
            checkGuard(usable.asSlice(carved.regionOffset, carved.guard), "before ", carved, problems);
            checkGuard(usable.asSlice(carved.regionOffset + carved.regionSize - carved.guard, carved.guard),
                    "after ", carved, problems);
        }
    }

    /** {@code where} and the buffer next to the guard (null: free space) make the report, built only on a mismatch. */
    private void checkGuard(MemorySegment guard, String where, Carved next, List<String> problems) {
        long mismatch = guard.mismatch(GUARD_PATTERN.asSlice(0, guard.byteSize()));
        if (mismatch < 0) {
            return;
        }
        String report = "memory corruption in the contiguous pool: guard page " + where
                + (next == null ? "free space" : next.name()) + " overwritten at byte " + mismatch;
        problems.add(report);
        guardFailures.incrementAndGet();
        log().log(System.Logger.Level.ERROR, report);
        stopIfFatal();
    }

    /** A write into pages nobody owns: the first page of {@code [offset, offset + size)} that lost its pattern. */
    private void checkUnused(long offset, long size, String state, List<String> problems) {
        for (long page = offset; page < offset + size; page += PAGE) {
            long mismatch = usable.asSlice(page, PAGE).mismatch(GUARD_PATTERN);
            if (mismatch >= 0) {
                String report = "memory corruption in the contiguous pool: unused page at pool offset " + page
                        + " (" + state + " region at " + offset + ", " + size + " bytes) written at byte " + mismatch;
                problems.add(report);
                unusedPageFailures.incrementAndGet();
                log().log(System.Logger.Level.ERROR, report);
                stopIfFatal();
                return; // one report per region and check
            }
        }
    }

    private void fillUnused(MemorySegment pages) {
        for (long page = 0; page < pages.byteSize(); page += PAGE) {
            writeGuard(pages.asSlice(page, PAGE));
        }
    }

    private void stopIfFatal() {
        if (settings.guardFailureFatal() && accepting) {
            accepting = false;
            log().log(System.Logger.Level.ERROR, "heap " + name() + ": guard_failure_fatal is set; no more allocations");
        }
    }

    private synchronized void releasePoolIfDrained() {
        if (closed && !poolReleased && allocator.allocatedCount() == 0) {
            poolReleased = true;
            NativeMemory.unmap(pool);
            claim.close();
            log().log(System.Logger.Level.INFO, () -> "heap " + name() + ": pool of " + settings.poolBytes()
                    + " bytes released");
        }
    }

    synchronized boolean poolReleased() {
        return poolReleased;
    }

    private static void writeGuard(MemorySegment guard) {
        MemorySegment.copy(GUARD_PATTERN, 0, guard, 0, guard.byteSize());
    }

    private static MemorySegment guardPattern() {
        byte[] pattern = new byte[(int) PAGE];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) ((i + 1) % 256);
        }
        return MemorySegment.ofArray(pattern).asReadOnly();
    }
}
