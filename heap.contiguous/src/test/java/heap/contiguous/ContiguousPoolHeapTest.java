package heap.contiguous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemorySettings;
import heap.api.CoherencyDomain;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.PoolRegion;
import heap.api.SingleBufferSettings;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.PhysicalRanges;
import heap.api.vmo.Vmo;
import heap.contiguous.ContiguousPoolHeap.PoolSettings;
import heap.tck.HeapConformance;
import heap.tck.HeapUnderTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class ContiguousPoolHeapTest {
    private static final long PAGE = 4096;
    private static final long MIB = 1L << 20;

    private static ContiguousPoolHeap heap(long poolBytes, boolean guards, boolean fatal) {
        return new ContiguousPoolHeap(new PoolSettings(poolBytes, MIB, guards, fatal));
    }

    private static SingleBufferSettings settings(long size, long alignment) {
        return new SingleBufferSettings(new BufferMemorySettings(size, true, false, CoherencyDomain.CPU,
                HeapId.CONTIGUOUS_SYSTEM_RAM, size, alignment));
    }

    @TestFactory
    Stream<DynamicTest> passesTheConformanceKitWithPerBufferGuards() {
        return HeapConformance.tests(HeapUnderTest.of(HeapId.CONTIGUOUS_SYSTEM_RAM, heap(64 * MIB, true, false)));
    }

    @TestFactory
    Stream<DynamicTest> passesTheConformanceKitWithPoolGuardsOnly() {
        return HeapConformance.tests(HeapUnderTest.of(HeapId.CONTIGUOUS_SYSTEM_RAM, heap(64 * MIB, false, false)));
    }

    @Test
    void eachBufferIsOneRangeOfThePoolAtItsPhysicalAddress() {
        ContiguousPoolHeap heap = heap(16 * MIB, false, false);
        Vmo first = heap.allocateVmo(MIB, settings(MIB, 0), 1, 0);
        Vmo second = heap.allocateVmo(MIB, settings(MIB, 0), 1, 1);
        long base = heap.metrics().get("pool_base_address");
        long firstAddress = first.physicalAddress().orElseThrow();
        long secondAddress = second.physicalAddress().orElseThrow();
        assertTrue(firstAddress >= base && firstAddress + MIB <= base + 16 * MIB);
        assertTrue(Math.abs(secondAddress - firstAddress) >= MIB, "buffers overlap");
        second.write(0, MemorySegment.ofArray(new byte[] {7}));
        assertEquals(7, heap.poolForTesting().get(ValueLayout.JAVA_BYTE, secondAddress - base));
        first.close();
        second.close();
    }

    @Test
    void theLayoutCoversThePoolWithBuffersTheirGuardsAndTheFreeGapsInOrder() {
        ContiguousPoolHeap heap = heap(16 * PAGE, true, false);
        assertEquals(List.of(new PoolRegion(0, 16 * PAGE, PoolRegion.Kind.FREE, 0, 0, 0)), heap.layout());
        Vmo first = heap.allocateVmo(PAGE, settings(PAGE, 0), 7, 0);
        Vmo second = heap.allocateVmo(2 * PAGE, settings(2 * PAGE, 0), 7, 1);
        heap.clientHandle(second, 7, 1, 4242);
        first.close();
        List<PoolRegion> layout = heap.layout();
        assertEquals(List.of(PoolRegion.Kind.FREE, PoolRegion.Kind.GUARD, PoolRegion.Kind.BUFFER, PoolRegion.Kind.GUARD,
                PoolRegion.Kind.FREE), layout.stream().map(PoolRegion::kind).toList(), layout.toString());
        PoolRegion buffer = layout.get(2);
        assertEquals(new PoolRegion(4 * PAGE, 2 * PAGE, PoolRegion.Kind.BUFFER, 7, 1, 4242), buffer);
        assertEquals(new PoolRegion(0, 3 * PAGE, PoolRegion.Kind.FREE, 0, 0, 0), layout.get(0), "the first buffer's place");
        for (int i = 1; i < layout.size(); i++) {
            assertEquals(layout.get(i - 1).end(), layout.get(i).offset(), "a gap or an overlap in " + layout);
        }
        assertEquals(16 * PAGE, layout.getLast().end());
        second.close();
        heap.close();
        assertEquals(List.of(), heap.layout(), "a released pool has no layout");
    }

    @Test
    void alignmentIsHonouredUpToTheMaximumAndNotSupportedAbove() {
        for (boolean guards : new boolean[] {false, true}) {
            ContiguousPoolHeap heap = heap(16 * MIB, guards, false);
            Vmo misaligning = heap.allocateVmo(PAGE, settings(PAGE, 0), 2, 0);
            Vmo aligned = heap.allocateVmo(PAGE, settings(PAGE, 256 * 1024), 2, 1);
            assertEquals(0, aligned.physicalAddress().orElseThrow() % (256 * 1024), "guards=" + guards);
            StatusException tooAligned = assertThrows(StatusException.class,
                    () -> heap.allocateVmo(PAGE, settings(PAGE, 2 * MIB), 2, 2));
            assertEquals(Status.NOT_SUPPORTED, tooAligned.status());
            misaligning.close();
            aligned.close();
            assertEquals(0, heap.metrics().get(HeapMetrics.USED_SIZE));
        }
    }

    @Test
    void aBytePastABuffersEndIsReportedAsCorruptionNamingThatBuffer() {
        ContiguousPoolHeap heap = heap(16 * MIB, true, false);
        Vmo neighbour = heap.allocateVmo(PAGE, settings(PAGE, 0), 7, 2);
        Vmo victim = heap.allocateVmo(2 * PAGE, settings(2 * PAGE, 0), 7, 3);
        long offset = victim.physicalAddress().orElseThrow() - heap.metrics().get("pool_base_address");
        heap.poolForTesting().set(ValueLayout.JAVA_BYTE, offset + 2 * PAGE, (byte) 0xEE); // a device overruns
        List<String> reports = heap.checkIntegrity();
        assertEquals(1, reports.size(), reports.toString());
        assertTrue(reports.get(0).contains("after buffer collection 7 index 3 koid " + victim.koid()), reports.get(0));
        assertEquals(1, heap.metrics().get("guard_failures"));
        heap.clientHandle(neighbour, 7, 3, 4242); // not this buffer's VMO: nothing changes
        assertTrue(heap.checkIntegrity().get(0).contains("index 3 koid " + victim.koid()));
        assertEquals(2, heap.metrics().get("guard_failures"));
        heap.clientHandle(victim, 7, 3, 4242); // the registry names the koid its client holds
        List<String> again = heap.checkIntegrity();
        assertEquals(1, again.size(), "sysmem reports a corruption at every check that still sees it");
        assertTrue(again.get(0).contains("index 3 koid 4242"), again.get(0));
        assertEquals(3, heap.metrics().get("guard_failures"));
        victim.close(); // the free path checks the guards again
        assertEquals(4, heap.metrics().get("guard_failures"));
        assertTrue(heap.checkIntegrity().isEmpty(), "the corrupted guard went with its region");
        neighbour.close();
    }

    /** sysmem's unused-page guarding (off by default): a write into memory nobody owns is reported. */
    @Test
    void aWriteIntoFreePagesIsReportedWhenUnusedPagesAreGuarded() {
        ContiguousPoolHeap guarded = new ContiguousPoolHeap(new PoolSettings(16 * PAGE, MIB, false, false, true));
        Vmo vmo = guarded.allocateVmo(4 * PAGE, settings(4 * PAGE, 0), 11, 0);
        long offset = vmo.physicalAddress().orElseThrow() - guarded.metrics().get("pool_base_address");
        vmo.close();
        assertTrue(guarded.checkIntegrity().isEmpty(), "freed pages hold the pattern again");
        guarded.poolForTesting().set(ValueLayout.JAVA_BYTE, offset + PAGE + 9, (byte) 0x77); // a stale DMA write
        List<String> reports = guarded.checkIntegrity();
        assertEquals(1, reports.size(), reports.toString());
        assertTrue(reports.get(0).contains("unused page at pool offset " + (offset + PAGE)), reports.get(0));
        assertEquals(1, guarded.checkIntegrity().size(), "reported again while it lasts");
        assertEquals(2, guarded.metrics().get("unused_page_failures"));
        assertEquals(0, guarded.metrics().get("guard_failures"));

        ContiguousPoolHeap unguarded = heap(16 * PAGE, false, false);
        Vmo other = unguarded.allocateVmo(4 * PAGE, settings(4 * PAGE, 0), 12, 0);
        long otherOffset = other.physicalAddress().orElseThrow() - unguarded.metrics().get("pool_base_address");
        other.close();
        unguarded.poolForTesting().set(ValueLayout.JAVA_BYTE, otherOffset + 9, (byte) 0x77);
        assertTrue(unguarded.checkIntegrity().isEmpty(), "off by default, as in sysmem");
        assertEquals(0, unguarded.metrics().get("unused_page_failures"));
    }

    @Test
    void theGuardAfterThePoolCatchesAnOverrunOfTheLastBuffer() {
        ContiguousPoolHeap heap = heap(4 * PAGE, false, false);
        Vmo whole = heap.allocateVmo(4 * PAGE, settings(4 * PAGE, 0), 8, 0);
        MemorySegment pool = heap.poolForTesting();
        MemorySegment afterPool = MemorySegment.ofAddress(pool.address() + pool.byteSize()).reinterpret(1);
        afterPool.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x55);
        whole.close();
        assertEquals(1, heap.metrics().get("guard_failures"));
    }

    @Test
    void aFatalGuardFailureStopsTheHeapHandingOutMemory() {
        ContiguousPoolHeap heap = heap(16 * MIB, true, true);
        Vmo vmo = heap.allocateVmo(PAGE, settings(PAGE, 0), 9, 0);
        long offset = vmo.physicalAddress().orElseThrow() - heap.metrics().get("pool_base_address");
        heap.poolForTesting().set(ValueLayout.JAVA_BYTE, offset - 1, (byte) 0x55); // an underrun
        assertEquals(1, heap.checkIntegrity().size());
        StatusException stopped = assertThrows(StatusException.class, () -> heap.allocateVmo(PAGE, settings(PAGE, 0), 9, 1));
        assertEquals(Status.BAD_STATE, stopped.status());
        vmo.close();
    }

    /** Seen in the hot-swap test: an allocation racing the close that unmapped the drained pool wrote into it. */
    @Test
    void anAllocationRacingCloseNeverTouchesAReleasedPool() throws Exception {
        for (int round = 0; round < 200; round++) {
            ContiguousPoolHeap heap = heap(MIB, true, false);
            java.util.concurrent.atomic.AtomicReference<Throwable> unexpected = new java.util.concurrent.atomic.AtomicReference<>();
            Thread allocating = Thread.ofPlatform().start(() -> {
                for (int i = 0; ; i++) {
                    try {
                        heap.allocateVmo(PAGE, settings(PAGE, 0), 20, i).close();
                    } catch (StatusException e) {
                        if (e.status() != Status.BAD_STATE) {
                            unexpected.set(e);
                        }
                        return;
                    } catch (Throwable e) {
                        unexpected.set(e);
                        return;
                    }
                }
            });
            Thread.sleep(0, round * 1000);
            heap.close();
            allocating.join();
            assertEquals(null, unexpected.get());
            assertTrue(heap.poolReleased(), "drained, so released");
        }
    }

    @Test
    void afterCloseAllocationFailsWithBadStateAndThePoolDrainsBeforeRelease() {
        ContiguousPoolHeap heap = heap(16 * MIB, false, false);
        Vmo outstanding = heap.allocateVmo(MIB, settings(MIB, 0), 10, 0);
        heap.close();
        StatusException closed = assertThrows(StatusException.class, () -> heap.allocateVmo(PAGE, settings(PAGE, 0), 10, 1));
        assertEquals(Status.BAD_STATE, closed.status());
        assertFalse(heap.poolReleased(), "an outstanding buffer keeps the pool");
        outstanding.write(MIB - 1, MemorySegment.ofArray(new byte[] {3}));
        assertEquals(0, heap.metrics().get("pool_released"));
        outstanding.close();
        assertTrue(heap.poolReleased());
        assertEquals(1, heap.metrics().get("pool_released"));
    }

    /** A configured carve-out is only numbers: the kernel may have put the pool there, so the pool claims its own. */
    @Test
    void aRangeConfiguredLaterOverThePoolIsRefusedNamingThePoolUntilItHasDrained() {
        PhysicalRanges ranges = new PhysicalRanges();
        ContiguousPoolHeap heap = new ContiguousPoolHeap("contiguous#0", new PoolSettings(16 * MIB, MIB, false, false), ranges);
        long base = heap.metrics().get("pool_base_address");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> ranges.claim(base + MIB, MIB, "secure#1", (address, size) -> false));
        assertTrue(refused.getMessage().contains("which heap contiguous#0 holds"), refused.getMessage());

        Vmo outstanding = heap.allocateVmo(MIB, settings(MIB, 0), 1, 0);
        heap.close();
        assertEquals(1, ranges.size(), "a live buffer keeps the pool's claim");
        assertThrows(IllegalStateException.class, () -> ranges.claim(base, MIB, "secure#1", (address, size) -> false));
        outstanding.close();
        assertEquals(0, ranges.size(), "drained: the addresses are free to claim");
    }

    @Test
    void passesTheKitsClaimCheckAgainstTheTableItWasGiven() {
        PhysicalRanges ranges = new PhysicalRanges();
        ContiguousPoolHeap heap = new ContiguousPoolHeap("contiguous#0", new PoolSettings(16 * MIB, MIB, false, false), ranges);
        HeapConformance.physicalAddressesClaimedIn(ranges).run(HeapUnderTest.of(HeapId.CONTIGUOUS_SYSTEM_RAM, heap));
        heap.close();
    }

    @Test
    void aPoolTheKernelMapsOverAConfiguredRangeIsMappedAgainPastIt() {
        PhysicalRanges ranges = new PhysicalRanges();
        PoolSettings settings = new PoolSettings(16 * MIB, MIB, false, false);
        ContiguousPoolHeap first = new ContiguousPoolHeap("contiguous#0", settings, ranges);
        long firstBase = first.metrics().get("pool_base_address");
        first.close(); // unmapped: the kernel will likely offer those addresses again
        ranges.claim(firstBase - 64 * MIB, 144 * MIB, "secure#1", (address, size) -> false);

        ContiguousPoolHeap second = new ContiguousPoolHeap("contiguous#0", settings, ranges);
        long secondBase = second.metrics().get("pool_base_address");
        assertTrue(secondBase + 16 * MIB <= firstBase - 64 * MIB || secondBase >= firstBase + 80 * MIB,
                "pool at 0x" + Long.toHexString(secondBase) + " overlaps the configured range");
        assertEquals(2, ranges.size());
        Vmo vmo = second.allocateVmo(MIB, settings(MIB, 0), 1, 0);
        vmo.write(0, MemorySegment.ofArray(new byte[] {1}));
        vmo.close();
        second.close();
        assertEquals(1, ranges.size());
    }

    @Test
    void aPoolThatFindsNoUnclaimedAddressesFailsNamingTheClaimAndKeepsNothing() {
        PhysicalRanges ranges = new PhysicalRanges();
        ranges.claim(0, Long.MAX_VALUE, "secure#1", (address, size) -> false);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new ContiguousPoolHeap("contiguous#0", new PoolSettings(16 * MIB, MIB, false, false), ranges));
        assertTrue(refused.getMessage().startsWith("the kernel mapped the pool of heap contiguous#0 over addresses "
                + "another heap claims 4 times; the last time: the range"), refused.getMessage());
        assertTrue(refused.getMessage().contains("which heap secure#1 holds"), refused.getMessage());
        assertEquals(1, ranges.size(), "no claim of the pool's stays");
    }

    /** heap.api's standard keys mean the heap's buffers and failures, whatever the pool keeps around them. */
    @Test
    void theStandardMetricsMeanWhatHeapApiSaysWithGuardPagesToo() {
        ContiguousPoolHeap heap = heap(16 * PAGE, true, false);
        Vmo vmo = heap.allocateVmo(2 * PAGE, settings(2 * PAGE, 0), 12, 0);
        assertThrows(StatusException.class, () -> heap.allocateVmo(PAGE + 1, settings(PAGE + 1, 0), 12, 1));
        Map<String, Long> metrics = heap.metrics();
        assertEquals(2 * PAGE, metrics.get(HeapMetrics.USED_SIZE), "the buffer's bytes, not its guard pages");
        assertEquals(4 * PAGE, metrics.get("region_used_bytes"), "the region holds a guard page at each end");
        assertEquals(1, metrics.get(HeapMetrics.ALLOCATIONS_FAILED), "every failed allocateVmo, not only region misses");
        assertEquals(0, metrics.get("region_allocations_failed"));
        assertEquals(1, metrics.get(HeapMetrics.LIVE_BUFFERS));
        vmo.close();
    }

    @Test
    void publishesSysmemsPoolMetrics() {
        ContiguousPoolHeap heap = heap(8 * PAGE, false, false);
        Vmo[] units = new Vmo[8];
        for (int i = 0; i < 8; i++) {
            units[i] = heap.allocateVmo(PAGE, settings(PAGE, 0), 11, i);
        }
        units[1].close();
        units[5].close();
        assertThrows(StatusException.class, () -> heap.allocateVmo(2 * PAGE, settings(2 * PAGE, 0), 11, 9));
        Map<String, Long> metrics = heap.metrics();
        assertEquals(6 * PAGE, metrics.get("used_size"));
        assertEquals(6 * PAGE, metrics.get("region_used_bytes"));
        assertEquals(8 * PAGE, metrics.get("high_water_mark"));
        assertEquals(0, metrics.get("free_at_high_water_mark"));
        assertEquals(0, metrics.get("max_free_at_high_water"));
        assertEquals(1, metrics.get("allocations_failed"));
        assertEquals(1, metrics.get("region_allocations_failed"));
        assertEquals(1, metrics.get("allocations_failed_fragmentation"));
        assertEquals(PAGE, metrics.get("largest_free_region"));
        assertEquals(2 * PAGE, metrics.get("largest_10_free_regions_sum"));
        assertEquals(0, metrics.get("guard_failures"));
        for (Vmo unit : units) {
            unit.close();
        }
    }

    @Test
    void badPoolSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> heap(PAGE + 1, false, false));
        assertThrows(IllegalArgumentException.class, () -> heap(0, false, false));
    }
}
