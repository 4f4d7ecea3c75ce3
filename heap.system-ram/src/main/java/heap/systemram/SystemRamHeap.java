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
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default heap: each buffer is its own anonymous {@code mmap}, so pages are committed lazily, read as zero,
 * and go back to the kernel with {@code munmap} the moment the buffer is reclaimed.
 */
public class SystemRamHeap extends AbstractHeap {
    static final HeapProperties PROPERTIES = new HeapProperties(CoherencyDomainSupport.ALL, false, false);

    private final long maxTotalBytes;
    private final long maxBufferBytes;
    private final AtomicLong committed = new AtomicLong();
    private final Set<MemorySegment> live = ConcurrentHashMap.newKeySet();

    public SystemRamHeap(long maxTotalBytes, long maxBufferBytes) {
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
        MemorySegment memory;
        try {
            memory = NativeMemory.map(size);
        } catch (StatusException e) {
            committed.addAndGet(-size);
            throw e;
        }
        live.add(memory);
        return new Reservation(memory, size, OptionalLong.empty()) {
            @Override
            protected void free() {
                live.remove(memory);
                NativeMemory.unmap(memory);
                committed.addAndGet(-size);
            }
        };
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
    }
}
