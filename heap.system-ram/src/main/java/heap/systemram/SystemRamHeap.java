package heap.systemram;

import heap.api.CoherencyDomainSupport;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Status;
import heap.api.StatusException;
import heap.memory.AbstractHeap;
import heap.memory.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default heap: each buffer is its own anonymous {@code mmap}, so pages are committed lazily, read as zero,
 * and go back to the kernel with {@code munmap} the moment the buffer is reclaimed. The exception: up to
 * {@code smallCacheBytes} of small buffers (at most {@link #SMALL_BUFFER_MAX} each) are zeroed and kept for reuse,
 * because a syscall pair and a TLB shootdown per 4 KiB buffer cost far more than clearing it.
 */
public class SystemRamHeap extends AbstractHeap {
    static final HeapProperties PROPERTIES = new HeapProperties(CoherencyDomainSupport.ALL, false, false);
    public static final long SMALL_BUFFER_MAX = 64 * 1024;

    private final long maxTotalBytes;
    private final long maxBufferBytes;
    private final long smallCacheBytes;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong cachedBytes = new AtomicLong();
    private final AtomicLong cacheHits = new AtomicLong();
    private final Set<MemorySegment> live = ConcurrentHashMap.newKeySet();
    private final Map<Long, Queue<MemorySegment>> zeroedBySize = new ConcurrentHashMap<>();

    public SystemRamHeap(long maxTotalBytes, long maxBufferBytes) {
        this(maxTotalBytes, maxBufferBytes, 16L << 20);
    }

    public SystemRamHeap(long maxTotalBytes, long maxBufferBytes, long smallCacheBytes) {
        super("system-ram", PROPERTIES);
        if (!NativeMemory.isSupported()) {
            throw new StatusException(Status.NOT_SUPPORTED, "the system-ram heap needs Linux on x86_64 or aarch64, not "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        }
        if (maxTotalBytes <= 0 || maxBufferBytes <= 0) {
            throw new IllegalArgumentException("limits must be positive: max_total_bytes=" + maxTotalBytes
                    + ", max_buffer_bytes=" + maxBufferBytes);
        }
        this.maxTotalBytes = maxTotalBytes;
        this.maxBufferBytes = maxBufferBytes;
        this.smallCacheBytes = Math.max(0, smallCacheBytes);
    }

    @Override
    protected Reservation reserve(long size, SingleBufferSettings settings) {
        if (size > maxBufferBytes) {
            throw new StatusException(Status.NO_MEMORY, "buffer of " + size + " bytes is above max_buffer_bytes="
                    + maxBufferBytes);
        }
        long total = committed.addAndGet(size);
        if (total > maxTotalBytes) {
            committed.addAndGet(-size);
            throw new StatusException(Status.NO_MEMORY, "buffer of " + size + " bytes would bring the heap to "
                    + total + " bytes, above max_total_bytes=" + maxTotalBytes);
        }
        MemorySegment memory = takeZeroed(size);
        if (memory == null) {
            try {
                memory = NativeMemory.map(size);
            } catch (StatusException e) {
                committed.addAndGet(-size);
                throw e;
            }
        }
        live.add(memory);
        MemorySegment reserved = memory;
        return new Reservation(memory, size, OptionalLong.empty()) {
            @Override
            protected void free() {
                live.remove(reserved);
                keepOrUnmap(reserved);
                committed.addAndGet(-size);
            }
        };
    }

    private MemorySegment takeZeroed(long size) {
        Queue<MemorySegment> zeroed = size <= SMALL_BUFFER_MAX ? zeroedBySize.get(size) : null;
        MemorySegment memory = zeroed == null ? null : zeroed.poll();
        if (memory != null) {
            cachedBytes.addAndGet(-size);
            cacheHits.incrementAndGet();
        }
        return memory;
    }

    /** No client can reach the memory any more (mappings are closed): clear it for reuse, or give it back. */
    private void keepOrUnmap(MemorySegment memory) {
        long size = memory.byteSize();
        if (size <= SMALL_BUFFER_MAX && cachedBytes.addAndGet(size) <= smallCacheBytes) {
            memory.fill((byte) 0);
            zeroedBySize.computeIfAbsent(size, ignored -> new ConcurrentLinkedQueue<>()).add(memory);
            return;
        }
        if (size <= SMALL_BUFFER_MAX) {
            cachedBytes.addAndGet(-size);
        }
        NativeMemory.unmap(memory);
    }

    @Override
    protected void addMetrics(Map<String, Long> metrics) {
        metrics.put(CAPACITY, maxTotalBytes);
        metrics.put(MAX_BUFFER_SIZE, maxBufferBytes);
        long resident = 0;
        for (MemorySegment memory : live) {
            resident += NativeMemory.residentBytes(memory);
        }
        metrics.put("resident_bytes", resident);
        metrics.put("small_cache_bytes", cachedBytes.get());
        metrics.put("small_cache_hits", cacheHits.get());
    }
}
