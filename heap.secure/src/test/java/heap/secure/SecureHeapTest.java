package heap.secure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.BufferMemorySettings;
import heap.api.CoherencyDomain;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.SingleBufferSettings;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.PhysicalRanges;
import heap.api.vmo.Vmo;
import heap.tck.HeapConformance;
import heap.tck.HeapUnderTest;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;

class SecureHeapTest {
    private static final long PAGE = 4096;
    private static final long MIB = 1L << 20;
    private static final long BASE = 0x4000_0000L;

    private static SingleBufferSettings settings(long size) {
        return new SingleBufferSettings(new BufferMemorySettings(size, false, true, CoherencyDomain.INACCESSIBLE,
                HeapId.SECURE, size, 0));
    }

    private static void assertDenied(Executable executable) {
        StatusException e = assertThrows(StatusException.class, executable);
        assertEquals(Status.ACCESS_DENIED, e.status(), e.getMessage());
    }

    @TestFactory
    Stream<DynamicTest> passesTheConformanceKitInItsCpuInaccessibleMode() {
        return HeapConformance.tests(HeapUnderTest.of(HeapId.SECURE, new SecureHeap(64 * MIB, MIB, BASE)).declaringSecure());
    }

    @Test
    void theCpuCanNeverMapReadOrWriteABufferItsChildrenOrDuplicates() {
        SecureHeap heap = new SecureHeap(16 * MIB, MIB, BASE);
        Vmo vmo = heap.allocateVmo(4 * PAGE, settings(4 * PAGE), 1, 0);
        Vmo slice = vmo.createSlice(PAGE, PAGE);
        Vmo reference = vmo.createReference();
        Vmo duplicate = vmo.duplicate();
        MemorySegment oneByte = MemorySegment.ofArray(new byte[1]);
        for (Vmo handle : List.of(vmo, slice, reference, duplicate)) {
            assertTrue(handle.isInaccessible());
            assertDenied(() -> handle.map(0, PAGE, false));
            assertDenied(() -> handle.mapShared(0, PAGE, true));
            assertDenied(() -> handle.read(0, oneByte));
            assertDenied(() -> handle.write(0, oneByte));
            assertDenied(() -> handle.zero(0, 1));
        }
        assertEquals(4 * PAGE, vmo.size(), "the official size is kept");
        for (Vmo handle : List.of(slice, reference, duplicate, vmo)) {
            handle.close();
        }
        assertEquals(0, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
    }

    @Test
    void eachBufferIsARangeOfTheProtectedRangeWithItsOffsetVisible() {
        SecureHeap heap = new SecureHeap(16 * MIB, MIB, BASE);
        Vmo first = heap.allocateVmo(MIB, settings(MIB), 2, 0);
        Vmo second = heap.allocateVmo(MIB, settings(MIB), 2, 1);
        long firstOffset = first.physicalAddress().orElseThrow() - BASE;
        long secondOffset = second.physicalAddress().orElseThrow() - BASE;
        assertTrue(firstOffset >= 0 && secondOffset >= 0 && Math.abs(firstOffset - secondOffset) >= MIB);
        first.close();
        second.close();
    }

    @Test
    void aFullRangeFailsWithNoMemoryAndFreeingEverythingRestoresItAll() {
        SecureHeap heap = new SecureHeap(8 * MIB, MIB, BASE);
        List<Vmo> buffers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            buffers.add(heap.allocateVmo(MIB, settings(MIB), 3, i));
        }
        StatusException full = assertThrows(StatusException.class, () -> heap.allocateVmo(PAGE, settings(PAGE), 3, 8));
        assertEquals(Status.NO_MEMORY, full.status());
        assertTrue(full.getMessage().contains("0 of 8388608 bytes free"), full.getMessage());
        assertEquals(8 * MIB, heap.metrics().get("used_size"), "heap.api's used_size: the live buffers' bytes");
        assertEquals(1, heap.metrics().get("allocations_failed"), "heap.api's allocations_failed: every failed call");
        assertEquals(8 * MIB, heap.metrics().get("region_used_bytes"));
        buffers.forEach(Vmo::close);
        assertEquals(0, heap.metrics().get("used_size"));
        assertEquals(8 * MIB, heap.metrics().get("largest_free_region"), "the whole range is one free range again");
        Vmo whole = heap.allocateVmo(8 * MIB, settings(8 * MIB), 4, 0);
        whole.close();
    }

    @Test
    void afterCloseNewAllocationsFailButOutstandingBuffersStay() {
        SecureHeap heap = new SecureHeap(8 * MIB, MIB, BASE);
        Vmo outstanding = heap.allocateVmo(PAGE, settings(PAGE), 5, 0);
        heap.close();
        StatusException closed = assertThrows(StatusException.class, () -> heap.allocateVmo(PAGE, settings(PAGE), 5, 1));
        assertEquals(Status.BAD_STATE, closed.status());
        assertEquals(1, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
        outstanding.close();
        assertEquals(0, heap.metrics().get(HeapMetrics.LIVE_BUFFERS));
    }

    /** Physical addresses are the buffers' names to devices: two live buffers of two instances never share one. */
    @Test
    void rangesReservedFromTheKernelNeverOverlapAcrossInstances() {
        SecureHeap first = new SecureHeap(16 * MIB, MIB, SecureHeap.RESERVED_RANGE);
        SecureHeap second = new SecureHeap(16 * MIB, MIB, SecureHeap.RESERVED_RANGE);
        long firstBase = first.rangeBase();
        long secondBase = second.rangeBase();
        assertTrue(firstBase + 16 * MIB <= secondBase || secondBase + 16 * MIB <= firstBase,
                "ranges at 0x" + Long.toHexString(firstBase) + " and 0x" + Long.toHexString(secondBase) + " overlap");
        assertEquals(0, firstBase % MIB, "the base is aligned to the largest alignment served");
        Vmo a = first.allocateVmo(MIB, settings(MIB), 6, 0);
        Vmo b = second.allocateVmo(MIB, settings(MIB), 7, 0);
        assertEquals(firstBase, a.physicalAddress().orElseThrow());
        assertEquals(secondBase, b.physicalAddress().orElseThrow());
        a.close();
        b.close();
        first.close();
        second.close();
    }

    @Test
    void aReservedRangeGoesBackToTheKernelOnlyOnceClosedAndDrained() {
        SecureHeap heap = new SecureHeap(8 * MIB, MIB, SecureHeap.RESERVED_RANGE);
        Vmo outstanding = heap.allocateVmo(PAGE, settings(PAGE), 8, 0);
        assertEquals(0, heap.metrics().get("protected_range_released"));
        heap.close();
        assertEquals(0, heap.metrics().get("protected_range_released"), "a buffer still has an address in it");
        outstanding.close();
        assertEquals(1, heap.metrics().get("protected_range_released"));
        SecureHeap idle = new SecureHeap(8 * MIB, MIB, SecureHeap.RESERVED_RANGE);
        idle.close();
        assertEquals(1, idle.metrics().get("protected_range_released"), "closed with no buffer: given back at once");
    }

    @Test
    void aConfiguredBaseIsUsedAsGivenAndLimitsAlignmentToItsOwn() {
        long base = 0x4001_0000L; // aligned to 64 KiB, not to 1 MiB
        SecureHeap heap = new SecureHeap(8 * MIB, MIB, base);
        assertEquals(base, heap.rangeBase());
        assertEquals(0, heap.metrics().get("protected_range_released"), "claimed until closed and drained");
        Vmo aligned = heap.allocateVmo(PAGE, aligned(PAGE, 64 * 1024), 9, 0);
        assertEquals(0, aligned.physicalAddress().orElseThrow() % (64 * 1024));
        StatusException above = assertThrows(StatusException.class, () -> heap.allocateVmo(PAGE, aligned(PAGE, MIB), 9, 1));
        assertEquals(Status.NOT_SUPPORTED, above.status(), "no address in the range is aligned to 1 MiB: " + above.getMessage());
        aligned.close();
    }

    /** Two heaps over one range would give two tenants' live buffers one physical address: the second is refused. */
    @Test
    void aRangeOverlappingAnotherHeapsClaimIsRefusedNamingItAndKeepsNothing() {
        PhysicalRanges ranges = new PhysicalRanges();
        SecureHeap first = new SecureHeap("secure#1", 8 * MIB, MIB, BASE, ranges);
        IllegalStateException overlap = assertThrows(IllegalStateException.class,
                () -> new SecureHeap("secure#2", 8 * MIB, MIB, BASE + 4 * MIB, ranges));
        assertEquals("the range [0x40400000, 0x40c00000) of heap secure#2 overlaps [0x40000000, 0x40800000), which heap "
                + "secure#1 holds: give each heap a range of its own", overlap.getMessage());
        IllegalStateException twin = assertThrows(IllegalStateException.class,
                () -> new SecureHeap("secure#1", 8 * MIB, MIB, BASE, ranges));
        assertTrue(twin.getMessage().endsWith("which heap secure#1 holds (another active instance of it): give each heap "
                + "a range of its own"), twin.getMessage());
        SecureHeap reserved = new SecureHeap("secure#3", 8 * MIB, MIB, SecureHeap.RESERVED_RANGE, ranges);
        assertThrows(IllegalStateException.class, () -> new SecureHeap("secure#4", 8 * MIB, MIB, reserved.rangeBase(), ranges),
                "a range reserved from the kernel is claimed too");
        assertEquals(2, ranges.size(), "the refused heaps claimed nothing");
        new SecureHeap("secure#2", 8 * MIB, MIB, BASE + 8 * MIB, ranges).close(); // beside it: fine, and gone once closed
        first.close();
        reserved.close();
        assertEquals(0, ranges.size(), "closed and drained: nothing claimed");
    }

    /**
     * A new instance of the same heap over the same range (a new configuration, an updated bundle) starts while the
     * old one drains, and hands out none of the addresses the old one's live buffers still have; once the old one
     * has drained, those addresses are its to give.
     */
    @Test
    void aReplacementSkipsTheAddressesItsDrainingPredecessorsBuffersStillHaveUntilItHasDrained() {
        PhysicalRanges ranges = new PhysicalRanges();
        SecureHeap old = new SecureHeap("secure", 8 * MIB, MIB, BASE, ranges);
        Vmo kept = old.allocateVmo(PAGE, settings(PAGE), 1, 0);
        Vmo alsoKept = old.allocateVmo(2 * PAGE, settings(2 * PAGE), 2, 0);
        old.close();
        SecureHeap replacement = new SecureHeap("secure", 8 * MIB, MIB, BASE, ranges);
        Vmo fresh = replacement.allocateVmo(PAGE, settings(PAGE), 3, 0);
        long oldStart = kept.physicalAddress().orElseThrow();
        long oldEnd = alsoKept.physicalAddress().orElseThrow() + 2 * PAGE;
        long address = fresh.physicalAddress().orElseThrow();
        assertTrue(address >= oldEnd || address + PAGE <= oldStart, "0x" + Long.toHexString(address)
                + " is in a predecessor's live buffer [0x" + Long.toHexString(oldStart) + ", 0x" + Long.toHexString(oldEnd) + ")");
        assertTrue(replacement.metrics().get("protected_range_parked_bytes") > 0, "what it skipped is parked, not lost");

        kept.close();
        alsoKept.close();
        assertEquals(1, old.metrics().get("protected_range_released"), "the predecessor drained and ended its claim");
        assertEquals(0, replacement.metrics().get("protected_range_parked_bytes"), "parked addresses are free again");
        Vmo atTheStart = replacement.allocateVmo(PAGE, settings(PAGE), 4, 0);
        assertEquals(BASE, atTheStart.physicalAddress().orElseThrow(), "the predecessor's first address, now free");
        fresh.close();
        atTheStart.close();
        replacement.close();
        assertEquals(0, ranges.size());
    }

    @Test
    void aReplacementClosedWhileItsPredecessorStillDrainsDrainsToo() {
        PhysicalRanges ranges = new PhysicalRanges();
        SecureHeap old = new SecureHeap("secure", 8 * MIB, MIB, BASE, ranges);
        Vmo kept = old.allocateVmo(PAGE, settings(PAGE), 1, 0);
        old.close();
        SecureHeap replacement = new SecureHeap("secure", 8 * MIB, MIB, BASE, ranges);
        replacement.allocateVmo(PAGE, settings(PAGE), 2, 0).close(); // parks the predecessor's page on the way
        replacement.close();
        assertEquals(1, replacement.metrics().get("protected_range_released"), "parked regions do not keep it from draining");
        assertEquals(1, ranges.size(), "the predecessor still holds its buffer's address");
        kept.close();
        assertEquals(0, ranges.size());
    }

    @Test
    void aBaseOrCapacityOffThePageIsRefusedNamingIt() {
        IllegalArgumentException base = assertThrows(IllegalArgumentException.class, () -> new SecureHeap(MIB, MIB, 100));
        assertTrue(base.getMessage().contains("protected_range_base 100"), base.getMessage());
        IllegalArgumentException capacity = assertThrows(IllegalArgumentException.class, () -> new SecureHeap(100, MIB, 0));
        assertTrue(capacity.getMessage().contains("capacity_bytes 100"), capacity.getMessage());
        IllegalArgumentException alignment = assertThrows(IllegalArgumentException.class,
                () -> new SecureHeap(MIB, 3 * PAGE, SecureHeap.RESERVED_RANGE));
        assertTrue(alignment.getMessage().contains("max alignment 12288 is not a power of two"), alignment.getMessage());
    }

    private static SingleBufferSettings aligned(long size, long alignment) {
        return new SingleBufferSettings(new BufferMemorySettings(size, false, true, CoherencyDomain.INACCESSIBLE,
                HeapId.SECURE, size, alignment));
    }
}
