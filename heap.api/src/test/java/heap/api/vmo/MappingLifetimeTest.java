package heap.api.vmo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.spi.Vmos;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Memory goes back to its creator only when no segment of it can be reached, however the mapping ended. The
 * creator here plays the next tenant: on release it overwrites the memory, so a stale segment that could still
 * read it would see that tenant's bytes.
 */
class MappingLifetimeTest {
    private static final int SIZE = 64 * 1024;
    private static final byte OURS = 0x11;
    private static final byte NEXT_TENANT = 0x5A;

    private final Arena memoryArena = Arena.ofShared();
    private final MemorySegment memory = memoryArena.allocate(SIZE);
    private final AtomicInteger releases = new AtomicInteger();
    private final AtomicReference<MemorySegment> watchedSegment = new AtomicReference<>();
    private final AtomicBoolean segmentAliveAtRelease = new AtomicBoolean();

    private Vmo buffer() {
        Vmo vmo = Vmos.root(memory, () -> {
            MemorySegment watched = watchedSegment.get();
            segmentAliveAtRelease.set(watched != null && watched.scope().isAlive());
            memory.fill(NEXT_TENANT);
            releases.incrementAndGet();
        });
        vmo.write(0, MemorySegment.ofArray(new byte[SIZE]).fill(OURS));
        return vmo;
    }

    /** Returns only the segment: the mapping object is unreachable once this returns. */
    private static MemorySegment segmentOfDroppedMapping(Vmo vmo, boolean shared) {
        VmoMapping mapping = shared ? vmo.mapShared(0, SIZE, true) : vmo.map(0, SIZE, true);
        return mapping.segment();
    }

    @Test
    void aDroppedConfinedMappingKeepsTheMemoryWhileItsSegmentIsReachable() throws Exception {
        Vmo vmo = buffer();
        MemorySegment segment = segmentOfDroppedMapping(vmo, false);
        vmo.close();
        assertFalse(Collector.gcUntil(() -> releases.get() > 0, 10), "memory released while a segment of it was reachable");
        for (long i = 0; i < SIZE; i += 4096) {
            assertEquals(OURS, segment.get(ValueLayout.JAVA_BYTE, i), "offset " + i);
        }
        segment.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        long leaksBefore = Vmos.leakedHandles();
        segment = null;
        assertTrue(Collector.gcUntil(() -> releases.get() == 1, 250), "memory came back once the segment was unreachable");
        assertTrue(Vmos.leakedHandles() > leaksBefore, "the dropped mapping is reported as a leak");
    }

    @Test
    void aDroppedConfinedMappingWhoseSliceIsKeptKeepsTheMemoryToo() throws Exception {
        Vmo vmo = buffer();
        MemorySegment slice = segmentOfDroppedMapping(vmo, false).asSlice(4096, 16);
        vmo.close();
        assertFalse(Collector.gcUntil(() -> releases.get() > 0, 10), "a slice shares its mapping's scope");
        assertEquals(OURS, slice.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void aDroppedSharedMappingIsClosedBeforeTheMemoryGoesSoAKeptSegmentThrows() throws Exception {
        Vmo vmo = buffer();
        MemorySegment segment = segmentOfDroppedMapping(vmo, true);
        watchedSegment.set(segment);
        vmo.close();
        assertTrue(Collector.gcUntil(() -> releases.get() == 1, 250), "a dropped shared mapping is collected");
        assertFalse(segmentAliveAtRelease.get(), "its arena was closed before the memory was released");
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void aClosedMappingsKeptSegmentThrowsWhateverTheKind() {
        for (boolean shared : new boolean[] {false, true}) {
            Vmo vmo = buffer();
            VmoMapping mapping = shared ? vmo.mapShared(0, SIZE, false) : vmo.map(0, SIZE, false);
            MemorySegment segment = mapping.segment();
            vmo.close();
            assertEquals(0, releases.get(), "the open mapping keeps the buffer after its handle closed");
            assertEquals(OURS, segment.get(ValueLayout.JAVA_BYTE, 0));
            mapping.close();
            assertEquals(1, releases.get());
            assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
            releases.set(0);
        }
    }
}
