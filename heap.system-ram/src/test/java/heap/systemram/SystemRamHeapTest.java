package heap.systemram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemorySettings;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.SingleBufferSettings;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import heap.memory.Stripes;
import heap.tck.HeapConformance;
import heap.tck.HeapUnderTest;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class SystemRamHeapTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private static SingleBufferSettings settings(long size) {
        return new SingleBufferSettings(BufferMemorySettings.of(size, HeapId.SYSTEM_RAM));
    }

    @TestFactory
    Stream<DynamicTest> passesTheConformanceKit() {
        return HeapConformance.tests(HeapUnderTest.of(HeapId.SYSTEM_RAM, new SystemRamHeap(256 * MIB, 16 * MIB)));
    }

    @Test
    void handsOutZeroedMemory() {
        SystemRamHeap heap = new SystemRamHeap(GIB, 256 * MIB);
        for (int round = 0; round < 3; round++) {
            Vmo vmo = heap.allocateVmo(MIB, settings(MIB), 1, round);
            try (VmoMapping mapping = vmo.map(0, MIB, true)) {
                assertEquals(-1, mapping.segment().mismatch(MemorySegment.ofArray(new byte[(int) MIB])));
                mapping.segment().fill((byte) 0x5A);
            }
            heap.deleteVmo(1, round, vmo);
        }
    }

    @Test
    void reclaimsWhenTheLastHandleClosesWithoutDeleteVmo() {
        SystemRamHeap heap = new SystemRamHeap(GIB, 256 * MIB);
        Vmo vmo = heap.allocateVmo(8 * MIB, settings(8 * MIB), 2, 0);
        Vmo child = vmo.createSlice(0, MIB);
        vmo.close();
        assertEquals(8 * MIB, heap.metrics().get(HeapMetrics.USED_SIZE), "a child still holds the buffer");
        child.close();
        assertEquals(0, heap.metrics().get(HeapMetrics.USED_SIZE));
        assertEquals(0, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
        assertEquals(1, heap.metrics().get(HeapMetrics.RECLAIMED));
    }

    /** Only the segment leaves: the mapping object is unreachable once this returns. */
    private static MemorySegment segmentOfDroppedMapping(Vmo vmo) {
        return vmo.map(0, vmo.size(), true).segment();
    }

    /** Before the fix this read hit munmapped pages and killed the JVM with SIGSEGV (issue "Memory safety first"). */
    @Test
    void aSegmentKeptAfterItsMappingWasDroppedKeepsItsPagesMappedUntilItIsUnreachable() throws Exception {
        SystemRamHeap heap = new SystemRamHeap(GIB, 256 * MIB);
        Vmo heapVmo = heap.allocateVmo(4 * MIB, settings(4 * MIB), 8, 0);
        Vmo client = heapVmo.createReference();
        client.write(4 * MIB - 1, MemorySegment.ofArray(new byte[] {42}));
        MemorySegment segment = segmentOfDroppedMapping(client);
        client.close();
        heap.deleteVmo(8, 0, heapVmo);
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(4 * MIB, heap.metrics().get(HeapMetrics.USED_SIZE), "the reachable segment holds the pages");
        assertEquals(42, segment.get(ValueLayout.JAVA_BYTE, 4 * MIB - 1));
        segment = null;
        for (int i = 0; i < 250 && heap.metrics().get(HeapMetrics.USED_SIZE) != 0; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, heap.metrics().get(HeapMetrics.USED_SIZE), "unmapped once no segment can reach it");
    }

    @Test
    void aGibibyteBufferTouchedOnOnePageStaysSmallInResidentMemory() throws Exception {
        SystemRamHeap heap = new SystemRamHeap(4 * GIB, 2 * GIB);
        long before = residentSetBytes();
        Vmo vmo = heap.allocateVmo(GIB, settings(GIB), 3, 0);
        vmo.write(GIB / 2, MemorySegment.ofArray(new byte[] {1}));
        long grown = residentSetBytes() - before;
        assertTrue(grown < 16 * MIB, "resident memory grew by " + grown + " bytes for one touched page of 1 GiB");
        assertEquals(4096, heap.metrics().get("resident_bytes"), "exactly one page is resident");
        heap.deleteVmo(3, 0, vmo).toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertEquals(0, heap.metrics().get("resident_bytes"));
    }

    /** Only buffers above 64 KiB are mapped lazily and measured; small ones come cleared from the cache and count whole. */
    @Test
    void residentBytesMeasureLargeBuffersAndCountSmallOnesWhole() throws Exception {
        SystemRamHeap heap = new SystemRamHeap(4 * GIB, 2 * GIB);
        long small = SystemRamHeap.SMALL_BUFFER_MAX;
        Vmo smallVmo = heap.allocateVmo(small, settings(small), 4, 0);
        Vmo largeVmo = heap.allocateVmo(GIB, settings(GIB), 4, 1);
        largeVmo.write(0, MemorySegment.ofArray(new byte[] {1}));
        assertEquals(small + 4096, heap.metrics().get("resident_bytes"));
        heap.deleteVmo(4, 1, largeVmo).toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertEquals(small, heap.metrics().get("resident_bytes"));
        heap.deleteVmo(4, 0, smallVmo).toCompletableFuture().get(1, TimeUnit.SECONDS);
        assertEquals(0, heap.metrics().get("resident_bytes"));
    }

    @Test
    void memoryGoesBackToTheSystemWhenReclaimedNotWhenTheCollectorRuns() throws Exception {
        SystemRamHeap heap = new SystemRamHeap(4 * GIB, 512 * MIB);
        Vmo vmo = heap.allocateVmo(256 * MIB, settings(256 * MIB), 4, 0);
        vmo.zero(0, 256 * MIB); // commit every page
        long committed = residentSetBytes();
        heap.deleteVmo(4, 0, vmo).toCompletableFuture().get(1, TimeUnit.SECONDS);
        long released = committed - residentSetBytes();
        assertTrue(released > 200 * MIB, "only " + released + " bytes went back to the system on reclaim");
    }

    @Test
    void aStaleMappingFailsWithAClearExceptionAfterReclaim() {
        SystemRamHeap heap = new SystemRamHeap(GIB, 256 * MIB);
        Vmo vmo = heap.allocateVmo(4096, settings(4096), 5, 0);
        VmoMapping mapping = vmo.map(0, 4096, true);
        MemorySegment kept = mapping.segment();
        mapping.close();
        heap.deleteVmo(5, 0, vmo);
        assertEquals(0, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
        IllegalStateException stale = assertThrows(IllegalStateException.class,
                () -> kept.get(ValueLayout.JAVA_BYTE, 0));
        assertTrue(stale.getMessage().toLowerCase().contains("closed"), stale.getMessage());
    }

    @Test
    void limitsFailWithNoMemoryNamingTheLimit() {
        SystemRamHeap heap = new SystemRamHeap(8 * MIB, 4 * MIB);
        StatusException tooLarge = assertThrows(StatusException.class, () -> heap.allocateVmo(8 * MIB, settings(8 * MIB), 6, 0));
        assertEquals(Status.NO_MEMORY, tooLarge.status());
        assertTrue(tooLarge.getMessage().contains("max_buffer_bytes=4194304"), tooLarge.getMessage());
        Vmo first = heap.allocateVmo(4 * MIB, settings(4 * MIB), 6, 1);
        Vmo second = heap.allocateVmo(4 * MIB, settings(4 * MIB), 6, 2);
        StatusException full = assertThrows(StatusException.class, () -> heap.allocateVmo(4096, settings(4096), 6, 3));
        assertTrue(full.getMessage().contains("max_total_bytes=8388608"), full.getMessage());
        assertEquals(2, heap.metrics().get(HeapMetrics.ALLOCATIONS_FAILED));
        first.close();
        second.close();
        assertEquals(0, heap.metrics().get(HeapMetrics.USED_SIZE));
    }

    @Test
    void smallBuffersAreReusedZeroedAndTheCacheIsBounded() {
        int parts = Stripes.COUNT; // one 4 KiB buffer per part of the cache, whatever the core count
        SystemRamHeap heap = new SystemRamHeap(GIB, 256 * MIB, 4096L * parts);
        Vmo[] freed = new Vmo[parts + 1];
        for (int i = 0; i < freed.length; i++) {
            freed[i] = heap.allocateVmo(4096, settings(4096), 7, i);
        }
        for (Vmo vmo : freed) {
            vmo.write(0, MemorySegment.ofArray(new byte[] {9, 9, 9}));
            vmo.close();
        }
        assertEquals(4096L * parts, heap.metrics().get("small_cache_bytes"), "all but one kept: the cache is full");
        Vmo reused = heap.allocateVmo(4096, settings(4096), 7, parts + 1);
        assertEquals(1, heap.metrics().get("small_cache_hits"));
        byte[] seen = new byte[4096];
        reused.read(0, MemorySegment.ofArray(seen));
        assertEquals(-1, MemorySegment.ofArray(seen).mismatch(MemorySegment.ofArray(new byte[4096])), "reused memory is zeroed");
        reused.close();
        Vmo large = heap.allocateVmo(128 * 1024, settings(128 * 1024), 7, parts + 2);
        large.close();
        assertEquals(4096L * parts, heap.metrics().get("small_cache_bytes"), "buffers above 64 KiB are never kept");
    }

    @Test
    void cachedMemoryCountsAgainstTheLimitUntilALiveBufferNeedsItThenTheCacheIsUnmapped() {
        // Each part of the cache may hold the whole limit, whatever the core count: only the limit bounds it.
        SystemRamHeap heap = new SystemRamHeap(64 * 1024, 64 * 1024, 64 * 1024 * Stripes.COUNT);
        Vmo[] small = new Vmo[16];
        for (int i = 0; i < small.length; i++) {
            small[i] = heap.allocateVmo(4096, settings(4096), 10, i);
        }
        for (Vmo vmo : small) {
            vmo.close();
        }
        assertEquals(64 * 1024, heap.metrics().get("small_cache_bytes"), "all 16 kept, the heap's whole limit");
        Vmo larger = heap.allocateVmo(8192, settings(8192), 10, 16); // no 8 KiB buffer cached: it needs the bytes
        assertEquals(0, heap.metrics().get("small_cache_bytes"), "the cache was unmapped to make room");
        Vmo[] rest = new Vmo[14];
        for (int i = 0; i < rest.length; i++) {
            rest[i] = heap.allocateVmo(4096, settings(4096), 10, 17 + i);
        }
        StatusException full = assertThrows(StatusException.class, () -> heap.allocateVmo(4096, settings(4096), 10, 31));
        assertEquals(Status.NO_MEMORY, full.status());
        assertTrue(full.getMessage().contains("would bring the heap to 69632 bytes"), full.getMessage());
        larger.close();
        for (Vmo vmo : rest) {
            vmo.close();
        }
        assertEquals(0, heap.metrics().get(HeapMetrics.USED_SIZE));
    }

    @Test
    void manySmallBuffersOfEachSizeComeBackFromTheCacheZeroedLastFreedFirst() {
        // This thread's part of the cache holds all 300 buffers (8 MiB), whatever the core count.
        SystemRamHeap heap = new SystemRamHeap(GIB, 256 * MIB, 16 * MIB * Stripes.COUNT);
        int count = 100; // more than a part's stacks start with: they grow
        for (long size : new long[] {4096, 3 * 4096, 64 * 1024}) {
            Vmo[] held = new Vmo[count];
            for (int i = 0; i < count; i++) {
                held[i] = heap.allocateVmo(size, settings(size), 8, i);
                held[i].write(0, MemorySegment.ofArray(new byte[] {(byte) (i + 1)}));
            }
            long[] freedAddresses = new long[count];
            for (int i = 0; i < count; i++) {
                try (VmoMapping mapping = held[i].map(0, size, false)) {
                    freedAddresses[i] = mapping.segment().address();
                }
                held[i].close();
            }
            long hitsBefore = heap.metrics().get("small_cache_hits");
            for (int i = count - 1; i >= 0; i--) {
                held[i] = heap.allocateVmo(size, settings(size), 9, i);
                try (VmoMapping mapping = held[i].map(0, size, false)) {
                    assertEquals(freedAddresses[i], mapping.segment().address(), "last freed, first reused");
                    assertEquals(-1, mapping.segment().mismatch(MemorySegment.ofArray(new byte[(int) size])),
                            "reused memory is zeroed");
                }
            }
            for (Vmo vmo : held) {
                vmo.close();
            }
            assertEquals(hitsBefore + count, heap.metrics().get("small_cache_hits"), size + "-byte buffers all reused");
        }
    }

    @Test
    void badLimitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SystemRamHeap(0, 4096));
    }

    private static long residentSetBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
