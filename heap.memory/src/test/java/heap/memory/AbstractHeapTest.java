package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemorySettings;
import heap.api.CoherencyDomain;
import heap.api.CoherencyDomainSupport;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.SingleBufferSettings;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.HeapBuffer;
import heap.api.vmo.Vmo;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AbstractHeapTest {
    private static final SingleBufferSettings SETTINGS = new SingleBufferSettings(new BufferMemorySettings(4096, false,
            false, CoherencyDomain.CPU, HeapId.SYSTEM_RAM, 4096, 0));

    /** A heap whose reservations count their frees, and whose first hand-out fails after the VMO exists. */
    private static final class CountingHeap extends AbstractHeap {
        final AtomicInteger frees = new AtomicInteger();
        final AtomicInteger handOutFailures = new AtomicInteger(1);

        CountingHeap() {
            super("counting", new HeapProperties(CoherencyDomainSupport.ALL, false, false));
        }

        @Override
        protected Reservation reserve(long size, SingleBufferSettings settings) {
            return new Reservation(Arena.ofAuto().allocate(size), size, OptionalLong.empty()) {
                @Override
                protected void free() {
                    frees.incrementAndGet();
                }

                @Override
                protected void handedOut(long collectionId, long index, long koid) {
                    if (handOutFailures.getAndDecrement() > 0) {
                        throw new IllegalStateException("hand-out failed");
                    }
                }
            };
        }
    }

    @Test
    void aHandOutThatFailsAfterTheVmoExistsFreesTheMemoryOnceAndCountsNothingLive() {
        CountingHeap heap = new CountingHeap();
        assertThrows(IllegalStateException.class, () -> heap.allocateVmo(4096, SETTINGS, 1, 0));
        assertEquals(1, heap.frees.get(), "freed once, by the release of the VMO made for it");
        assertEquals(0, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
        assertEquals(0, heap.metrics().get(HeapMetrics.USED_SIZE));
        Vmo vmo = heap.allocateVmo(4096, SETTINGS, 1, 1);
        assertEquals(1, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
        vmo.close();
        assertEquals(2, heap.frees.get());
        assertEquals(0, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
    }
    @Test
    void buffersAllocatedOnOneThreadAndFreedOnAnotherLeaveTheCountsExact() throws Exception {
        CountingHeap heap = new CountingHeap();
        heap.handOutFailures.set(0);
        java.util.List<Vmo> vmos = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            vmos.add(heap.allocateVmo(4096L * (i + 1), SETTINGS, 1, i)); // 55 pages in all
        }
        assertEquals(10, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
        assertEquals(55 * 4096L, heap.metrics().get(HeapMetrics.USED_SIZE));
        // Freed on other threads, whose stripes go below zero: the sums stay exact.
        Thread closer = Thread.ofPlatform().start(() -> vmos.subList(0, 7).forEach(Vmo::close));
        closer.join();
        assertEquals(3, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
        assertEquals((8 + 9 + 10) * 4096L, heap.metrics().get(HeapMetrics.USED_SIZE));
        assertEquals(10, heap.metrics().get(HeapMetrics.ALLOCATIONS));
        assertEquals(7, heap.metrics().get(HeapMetrics.RECLAIMED));
        vmos.subList(7, 10).forEach(Vmo::close);
        assertEquals(0, heap.metrics().get(HeapMetrics.USED_SIZE));
        assertEquals(10, heap.metrics().get(HeapMetrics.RECLAIMED));
    }

    @Test
    void aReservationOfPartPagesOrOfOtherMemoryIsRefusedNamingWhatWasWrong() {
        StatusException partPages = assertThrows(StatusException.class,
                () -> new AbstractHeap.Reservation(null, 4097, OptionalLong.empty()) {
                    @Override
                    protected void free() {
                    }
                });
        assertEquals(Status.INVALID_ARGS, partPages.status());
        assertEquals("INVALID_ARGS: a heap's buffer is whole pages, at most " + HeapBuffer.MAX_BYTES + " bytes, not 4097 bytes",
                partPages.getMessage());
        StatusException otherSize = assertThrows(StatusException.class,
                () -> new AbstractHeap.Reservation(Arena.ofAuto().allocate(8192), 4096, OptionalLong.empty()) {
                    @Override
                    protected void free() {
                    }
                });
        assertEquals("INVALID_ARGS: a buffer of 4096 bytes over memory of 8192 bytes", otherSize.getMessage());
    }

    @Test
    void aBufferAboveTheLargestAReservationCountsIsOutOfRangeAndReservesNothing() {
        CountingHeap heap = new CountingHeap();
        long tooLarge = HeapBuffer.MAX_BYTES + 4096;
        StatusException refused = assertThrows(StatusException.class,
                () -> heap.allocateVmo(tooLarge, SETTINGS, 1, 0));
        assertEquals(Status.OUT_OF_RANGE, refused.status());
        assertTrue(refused.getMessage().contains("size " + tooLarge + " is above"), refused.getMessage());
        assertEquals(0, heap.metrics().get(HeapMetrics.ALLOCATIONS));
        assertEquals(1, heap.metrics().get(HeapMetrics.ALLOCATIONS_FAILED));
        assertEquals(0, heap.frees.get(), "nothing was reserved");
    }

    /** Two instances of one heap (two factory configurations) log under names an operator can tell apart. */
    @Test
    void aHeapInstanceOtherThanZeroCarriesItsNumberInItsName() {
        assertEquals("secure", AbstractHeap.instanceName("secure", Map.of()));
        assertEquals("secure", AbstractHeap.instanceName("secure", Map.of("heap.id", 0L)));
        assertEquals("secure#2", AbstractHeap.instanceName("secure", Map.of("heap.id", " 02 ")));
        assertEquals("secure#18446744073709551615", AbstractHeap.instanceName("secure", Map.of("heap.id", -1L)));
        assertEquals("secure#abc", AbstractHeap.instanceName("secure", Map.of("heap.id", "abc")));
    }
}
