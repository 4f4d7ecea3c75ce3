package heap.benchmarks;

import heap.api.BufferMemoryConstraints;
import heap.api.BufferMemorySettings;
import heap.api.CoherencyDomain;
import heap.api.Heap;
import heap.api.HeapId;
import heap.api.SingleBufferSettings;
import heap.api.allocator.AllocationRequest;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import heap.contiguous.ContiguousPoolHeap;
import heap.registry.HeapRegistry;
import heap.secure.SecureHeap;
import heap.systemram.SystemRamHeap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Map;

/** The three heaps and the registry, wired as the framework wires them, without the framework. */
final class Platform implements AutoCloseable {
    static final long PAGE = 4096;

    final SystemRamHeap systemRam = new SystemRamHeap(64L << 30, 1L << 30);
    final ContiguousPoolHeap contiguous;
    final SecureHeap secure;
    final HeapRegistry registry = new HeapRegistry(new HeapRegistry.Limits(1L << 30, 64L << 30, 128,
            Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO));

    Platform(long contiguousPoolBytes, long secureBytes) {
        contiguous = new ContiguousPoolHeap(new ContiguousPoolHeap.PoolSettings(contiguousPoolBytes, 1L << 20, false, false));
        secure = new SecureHeap(secureBytes, 1L << 20, 0);
        add(systemRam, HeapId.SYSTEM_RAM);
        add(contiguous, HeapId.CONTIGUOUS_SYSTEM_RAM);
        registry.addHeap(secure, Map.of(Heap.HEAP_TYPE, HeapId.SECURE.heapType(), Heap.HEAP_ID, 0L, Heap.SECURE, true),
                "benchmark");
    }

    private void add(Heap heap, HeapId id) {
        registry.addHeap(heap, Map.of(Heap.HEAP_TYPE, id.heapType(), Heap.HEAP_ID, id.id()), "benchmark");
    }

    static AllocationRequest plain(long size) {
        return AllocationRequest.of(1, BufferMemoryConstraints.builder().minSizeBytes(size).build(), true);
    }

    static AllocationRequest contiguous(long size) {
        return AllocationRequest.of(1, BufferMemoryConstraints.builder().minSizeBytes(size)
                .physicallyContiguousRequired(true).build(), true);
    }

    static AllocationRequest secure(long size) {
        return AllocationRequest.of(1, BufferMemoryConstraints.builder().minSizeBytes(size).secureRequired(true).build(), false);
    }

    static SingleBufferSettings settings(long size, HeapId heap, CoherencyDomain domain) {
        return new SingleBufferSettings(new BufferMemorySettings(size, false, domain == CoherencyDomain.INACCESSIBLE,
                domain, heap, size, 0));
    }

    /** The client's part of a round trip: map, write one byte per page, unmap. */
    static long touch(Vmo vmo) {
        try (VmoMapping mapping = vmo.map(0, vmo.size(), true)) {
            return touch(mapping.segment());
        }
    }

    static long touch(MemorySegment segment) {
        for (long offset = 0; offset < segment.byteSize(); offset += PAGE) {
            segment.set(ValueLayout.JAVA_BYTE, offset, (byte) 1);
        }
        return segment.byteSize();
    }

    @Override
    public void close() {
        registry.stop();
        contiguous.close();
        secure.close();
    }
}
