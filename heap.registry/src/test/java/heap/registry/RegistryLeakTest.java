package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemoryConstraints;
import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import heap.api.spi.Vmos;
import heap.registry.FakeHeap.Fault;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Collections dropped or failed leave nothing behind; a full heap gives the leak detector one chance first. */
class RegistryLeakTest extends RegistryTestSupport {
    private static final long BUFFER = 64 * 1024;

    private static void allocateAndDrop(HeapRegistry registry) {
        registry.allocate(request(1, size(BUFFER).build(), true)); // the client forgets it without close
    }

    /** Until the heap is empty and the registry has forgotten its collections, which it does just after. */
    private void gcUntilReclaimed(FakeHeap heap) throws InterruptedException {
        for (int i = 0; i < 250 && (heap.outstandingBytes.get() != 0 || !registry.collections().isEmpty()); i++) {
            System.gc();
            Thread.sleep(20);
        }
    }

    @Test
    void droppedCollectionsAreReclaimedSoAFullHeapServesACarefulClientAgain() throws Exception {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        heap.capacityBytes = 8 * BUFFER;
        long leaksBefore = Vmos.leakedHandles();
        for (int i = 0; i < 40; i++) {
            allocateAndDrop(registry); // from the 9th on, only leak reclaim can make room
        }
        assertTrue(Vmos.leakedHandles() > leaksBefore, "the dropped handles were reported as leaks");
        try (BufferCollection careful = registry.allocate(request(4, size(BUFFER).build(), true))) {
            assertEquals(4, careful.buffers().size());
        }
        gcUntilReclaimed(heap);
        assertEquals(0, heap.outstandingBytes.get());
        assertTrue(registry.collections().isEmpty(), "reclaimed collections are gone: " + registry.collections());
    }

    @Test
    void aHeapFullOfLiveBuffersStillAnswersNoMemoryAndTheLiveBuffersStayValid() {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        heap.capacityBytes = 2 * BUFFER;
        try (BufferCollection held = registry.allocate(request(2, size(BUFFER).build(), true))) {
            assertError(SysmemError.NO_MEMORY, () -> registry.allocate(request(1, size(BUFFER).build(), true)));
            held.buffers().get(1).zero(0, BUFFER);
            assertEquals(1, registry.collections().size(), "only the held collection is known");
        }
    }

    @Test
    void aFailedAllocationLeavesNoCollectionBehind() {
        add(new HeapId("test.heap.THROWS", 0), ALL_DOMAINS, Fault.THROWS_STATUS);
        add(new HeapId("test.heap.AFTER_TWO", 0), ALL_DOMAINS, Fault.FAILS_AFTER_TWO);
        add(new HeapId("test.heap.TOO_SMALL", 0), ALL_DOMAINS, Fault.TOO_SMALL);
        for (String type : List.of("test.heap.THROWS", "test.heap.AFTER_TWO", "test.heap.TOO_SMALL")) {
            BufferMemoryConstraints only = size(PAGE).permittedHeaps(new HeapId(type, 0)).build();
            assertError(SysmemError.NO_MEMORY, () -> registry.allocate(request(4, only, true)));
            assertTrue(registry.collections().isEmpty(), type + " left " + registry.collections());
        }
    }

    @Test
    void leakReclaimIsSharedByCallersThatFailTogether() throws Exception {
        AtomicLong closedLeaks = new AtomicLong();
        AtomicBoolean leaking = new AtomicBoolean();
        LeakReclaim reclaim = new LeakReclaim(() -> leaking.get() && closedLeaks.get() < 3
                ? closedLeaks.incrementAndGet() : closedLeaks.get());
        long started = System.nanoTime();
        assertFalse(reclaim.reclaimSince(started), "nothing was closed");
        assertTrue(reclaim.reclaimSince(started), "a caller that started before the last run just retries");
        leaking.set(true);
        assertTrue(reclaim.reclaimSince(System.nanoTime()), "leaks closed during the run count");
        assertEquals(3, closedLeaks.get());
    }

    @Test
    void badRequestsAreRefusedNamingTheValue() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> registry.allocate(null));
        var noSize = BufferMemoryConstraints.builder().minSizeBytes(0).maxSizeBytes(0).build();
        assertTrue(assertError(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                () -> registry.allocate(request(1, noSize, true))).getMessage().contains("min_size_bytes"));
        HeapRegistry other = new HeapRegistry(HeapRegistry.Limits.DEFAULT);
        try (BufferCollection ours = registry.allocate(request(1, size(PAGE).build(), true))) {
            assertError(SysmemError.PROTOCOL_DEVIATION, () -> other.attachLifetimeTracking(ours, 0));
        } finally {
            other.stop();
        }
        assertTrue(registry.collections().isEmpty());
    }

    @Test
    void theLargestAlignmentIsKeptUnsignedAndReachesTheHeap() {
        var aligned = size(PAGE).physicallyContiguousRequired(true).minPhysicalBaseAlignment(1L << 63).build();
        assertEquals(1L << 63, Routing.aggregate(AllocationRequest.of(1, aligned, true).participants()).alignment());
    }
}
