package heap.systemram;

import heap.api.CoherencyDomainSupport;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.memory.AbstractHeap;
import heap.memory.Budget;
import heap.memory.NativeMemory;
import heap.memory.Padding;
import heap.memory.Stripes;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default heap: each buffer is its own anonymous {@code mmap}, so pages are committed lazily, read as zero,
 * and go back to the kernel with {@code munmap} the moment the buffer is reclaimed. The exception: up to
 * {@code smallCacheBytes} of small buffers (at most {@link #SMALL_BUFFER_MAX} each) are zeroed and kept for reuse,
 * because a syscall pair and a TLB shootdown per 4 KiB buffer cost far more than clearing it. The cache is split
 * into one part per core, picked by thread, so threads allocating at once do not contend for one queue. Cached
 * memory stays charged against {@code maxTotalBytes} (a hit and a keep touch no budget); an allocation the limit
 * would refuse first unmaps the cache, so the limit still bounds the bytes handed out.
 */
public class SystemRamHeap extends AbstractHeap {
    static final HeapProperties PROPERTIES = new HeapProperties(CoherencyDomainSupport.ALL, false, false);
    public static final long SMALL_BUFFER_MAX = 64 * 1024;
    private static final long PAGE = Sizes.PAGE_SIZE;

    private final long maxTotalBytes;
    private final long maxBufferBytes;
    private final long smallCacheBytes;
    private final Budget committed; // max_total_bytes over live and cached memory, no counter shared by threads
    private final ZeroedCache[] caches;
    // Buffers above SMALL_BUFFER_MAX, for resident_bytes: only those are mapped lazily, so only their residency needs
    // measuring. Each costs an mmap anyway, so a concurrent set will do; the small ones, the most frequent, skip it.
    private final Set<Reservation> large = ConcurrentHashMap.newKeySet();

    /**
     * One part of the small-buffer cache, guarded by its lock: a stack of zeroed segments per size in pages, last in
     * first out (the warmest memory first). Stacks and depths are arrays with 128 bytes of unused slots at both
     * ends: the arrays of the parts end up side by side once the garbage collector moves them, and a slot one
     * thread writes must not share a cache line with another part's.
     */
    private static class ZeroedCache extends Padding.Locked {
        private static final int PAD = 32; // slots: at least 128 bytes of 4-byte references or ints
        private static final int SIZES = (int) (SMALL_BUFFER_MAX / PAGE) + 1;
        private final MemorySegment[][] stacks = new MemorySegment[SIZES][];
        private final int[] depths = new int[PAD + SIZES + PAD];
        long bytes;
        long hits; // counted under the lock take holds anyway: no atomic add of its own

        MemorySegment take(long size) {
            int pages = (int) (size / PAGE);
            lock();
            try {
                int depth = depths[PAD + pages];
                if (depth == 0) {
                    return null;
                }
                MemorySegment[] stack = stacks[pages];
                MemorySegment memory = stack[PAD + depth - 1];
                stack[PAD + depth - 1] = null;
                depths[PAD + pages] = depth - 1;
                bytes -= size;
                hits++;
                return memory;
            } finally {
                unlock();
            }
        }

        /** Clears and keeps {@code memory} if this part has room for it under {@code limit}; one lock for both. */
        boolean keepCleared(MemorySegment memory, long limit) {
            long size = memory.byteSize();
            int pages = (int) (size / PAGE);
            lock();
            try {
                if (bytes + size > limit) {
                    return false;
                }
                memory.fill((byte) 0); // under this part's lock: only a thread stealing from it ever waits for it
                int depth = depths[PAD + pages];
                MemorySegment[] stack = stacks[pages];
                if (stack == null || PAD + depth == stack.length - PAD) {
                    MemorySegment[] grown = new MemorySegment[PAD + Math.max(16, 2 * depth) + PAD];
                    if (stack != null) {
                        System.arraycopy(stack, PAD, grown, PAD, depth);
                    }
                    stacks[pages] = stack = grown;
                }
                stack[PAD + depth] = memory;
                depths[PAD + pages] = depth + 1;
                bytes += size;
                return true;
            } finally {
                unlock();
            }
        }

        long bytes() {
            lock();
            try {
                return bytes;
            } finally {
                unlock();
            }
        }

        /** Takes every segment out: the caller unmaps them. */
        List<MemorySegment> drain() {
            List<MemorySegment> drained = new ArrayList<>();
            lock();
            try {
                for (int pages = 0; pages < SIZES; pages++) {
                    MemorySegment[] stack = stacks[pages];
                    for (int depth = depths[PAD + pages]; depth > 0; depth--) {
                        drained.add(stack[PAD + depth - 1]);
                        stack[PAD + depth - 1] = null;
                    }
                    depths[PAD + pages] = 0;
                }
                bytes = 0;
                return drained;
            } finally {
                unlock();
            }
        }

        long hits() {
            lock();
            try {
                return hits;
            } finally {
                unlock();
            }
        }
    }

    /** A part of the cache padded on both sides (128 bytes here): parts share no cache line. */
    @SuppressWarnings("unused")
    private static final class PaddedZeroedCache extends ZeroedCache {
        private long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13, q14, q15;
    }

    public SystemRamHeap(long maxTotalBytes, long maxBufferBytes) {
        this(maxTotalBytes, maxBufferBytes, 16L << 20);
    }

    public SystemRamHeap(long maxTotalBytes, long maxBufferBytes, long smallCacheBytes) {
        this("system-ram", maxTotalBytes, maxBufferBytes, smallCacheBytes);
    }

    /** A heap that calls itself {@code name} in its log lines. */
    public SystemRamHeap(String name, long maxTotalBytes, long maxBufferBytes, long smallCacheBytes) {
        super(name, PROPERTIES);
        if (!NativeMemory.isSupported()) {
            throw new StatusException(Status.NOT_SUPPORTED, "the system-ram heap needs Linux on x86_64 or aarch64, not "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        if (maxTotalBytes <= 0 || maxBufferBytes <= 0) {
            throw new IllegalArgumentException("limits must be positive: max_total_bytes=" + maxTotalBytes
                    + ", max_buffer_bytes=" + maxBufferBytes);
        }
        this.maxTotalBytes = maxTotalBytes;
        this.committed = new Budget(maxTotalBytes);
        this.maxBufferBytes = maxBufferBytes;
        this.smallCacheBytes = Math.max(0, smallCacheBytes);
        this.caches = new ZeroedCache[Stripes.COUNT];
        for (int i = 0; i < caches.length; i++) {
            caches[i] = new PaddedZeroedCache();
        }
    }

    @Override
    protected Reservation reserve(long size, SingleBufferSettings settings) {
        if (size > maxBufferBytes) {
            throw new StatusException(Status.NO_MEMORY, "buffer of " + size + " bytes is above max_buffer_bytes="
                    + maxBufferBytes);
        }
        MemorySegment memory = takeZeroed(size); // charged when it was first mapped
        if (memory == null) {
            if (!committed.charge(size) && !(unmapCache() && committed.charge(size))) {
                throw new StatusException(Status.NO_MEMORY, "buffer of " + size + " bytes would bring the heap to "
                        + (committed.used() + size) + " bytes, above max_total_bytes=" + maxTotalBytes);
            }
            try {
                memory = NativeMemory.map(size);
            } catch (StatusException e) {
                committed.refund(size);
                throw e;
            }
        }
        Reservation reservation = new Mapped(memory, size);
        if (size > SMALL_BUFFER_MAX) {
            large.add(reservation);
        }
        return reservation;
    }

    /** A buffer's mapped memory; static: the heap is heap(), no field of its own. */
    private static final class Mapped extends Reservation {
        Mapped(MemorySegment memory, long size) {
            super(memory, size, OptionalLong.empty());
        }

        @Override
        protected void free() {
            SystemRamHeap heap = (SystemRamHeap) heap();
            if (size() > SMALL_BUFFER_MAX) {
                heap.large.remove(this);
            }
            heap.keepOrUnmap(memory());
        }
    }

    /** A zeroed segment of {@code size} from this thread's part of the cache, else from another part, else null. */
    private MemorySegment takeZeroed(long size) {
        if (size > SMALL_BUFFER_MAX) {
            return null;
        }
        int mine = Stripes.ofThisThread();
        for (int i = 0; i < caches.length; i++) {
            MemorySegment memory = caches[(mine + i) % caches.length].take(size);
            if (memory != null) {
                return memory;
            }
        }
        return null;
    }

    /** No client can reach the memory any more (mappings are closed): clear it for reuse, or give it back. */
    private void keepOrUnmap(MemorySegment memory) {
        long size = memory.byteSize();
        if (size <= SMALL_BUFFER_MAX) {
            int mine = Stripes.ofThisThread();
            for (int i = 0; i < caches.length; i++) { // this thread's part first; a full part leaves room in others
                if (caches[(mine + i) % caches.length].keepCleared(memory, smallCacheBytes / caches.length)) {
                    return;
                }
            }
        }
        unmap(memory);
    }

    /** Gives mapped memory back to the kernel, and its bytes back to the limit it was charged against. */
    private void unmap(MemorySegment memory) {
        NativeMemory.unmap(memory);
        committed.refund(memory.byteSize());
    }

    /** Unmaps every cached segment, so live buffers can have the bytes; false when nothing was cached. */
    private boolean unmapCache() {
        boolean any = false;
        for (ZeroedCache cache : caches) {
            for (MemorySegment memory : cache.drain()) {
                unmap(memory);
                any = true;
            }
        }
        return any;
    }

    @Override
    protected void addMetrics(Map<String, Long> metrics) {
        metrics.put(CAPACITY, maxTotalBytes);
        metrics.put(MAX_BUFFER_SIZE, maxBufferBytes);
        long resident = 0;
        long largeBytes = 0;
        for (Reservation reservation : List.copyOf(large)) {
            resident += NativeMemory.residentBytes(reservation.memory());
            largeBytes += reservation.size();
        }
        // Small buffers count whole: they come cleared (so resident) from the cache. Read apart from the set, the
        // used size may lag a large buffer by a moment: never below 0.
        metrics.put("resident_bytes", resident + Math.max(0, metrics.getOrDefault(USED_SIZE, 0L) - largeBytes));
        long cached = 0;
        long hits = 0;
        for (ZeroedCache cache : caches) {
            cached += cache.bytes();
            hits += cache.hits();
        }
        metrics.put("small_cache_bytes", cached);
        metrics.put("small_cache_hits", hits);
    }
}
