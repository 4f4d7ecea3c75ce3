package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Status;
import heap.api.StatusException;
import heap.memory.RegionAllocator.Region;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegionAllocatorTest {
    private static final long UNIT = 4096;

    @Test
    void bestFitPicksTheSmallestRegionThatHolds() {
        RegionAllocator allocator = new RegionAllocator(64 * UNIT, UNIT, UNIT);
        long a = allocator.allocate(8 * UNIT, 0);
        long gapOf4 = allocator.allocate(4 * UNIT, 0);
        long b = allocator.allocate(8 * UNIT, 0);
        long gapOf2 = allocator.allocate(2 * UNIT, 0);
        allocator.allocate(8 * UNIT, 0);
        allocator.free(gapOf4, 4 * UNIT);
        allocator.free(gapOf2, 2 * UNIT);
        assertEquals(gapOf2, allocator.allocate(2 * UNIT, 0), "the 2-unit hole is the best fit");
        assertEquals(gapOf4, allocator.allocate(3 * UNIT, 0), "the 4-unit hole beats the large tail");
        assertEquals(List.of(a, b).size(), 2);
    }

    /** What a secure heap's successor asks of its draining predecessor's allocator: does a live region have a byte here. */
    @Test
    void anyAllocatedFindsALiveRegionAnywhereInARangeAndNothingInFreeOrOutsideParts() {
        RegionAllocator allocator = new RegionAllocator(64 * UNIT, UNIT, UNIT);
        long first = allocator.allocate(8 * UNIT, 0);
        long second = allocator.allocate(8 * UNIT, 0);
        allocator.allocate(8 * UNIT, 0);
        allocator.free(second, 8 * UNIT); // [8, 16) free between two live regions
        assertTrue(allocator.anyAllocated(first + 3 * UNIT, UNIT), "inside a live region, not at its start");
        assertTrue(!allocator.anyAllocated(second + UNIT, 6 * UNIT), "inside the free gap");
        assertTrue(!allocator.anyAllocated(second, 8 * UNIT), "exactly the free gap");
        assertTrue(allocator.anyAllocated(second + 7 * UNIT, 2 * UNIT), "the gap's last unit and the next live region's first");
        assertTrue(allocator.anyAllocated(second - UNIT, UNIT), "the live region's last unit before the gap");
        assertTrue(!allocator.anyAllocated(24 * UNIT, 40 * UNIT), "the free tail");
        assertTrue(!allocator.anyAllocated(64 * UNIT, 8 * UNIT), "beyond the capacity counts as free");
        assertTrue(allocator.anyAllocated(-4 * UNIT, 5 * UNIT), "before 0 counts as free, unit 0 is live");
        assertTrue(!allocator.anyAllocated(-4 * UNIT, 4 * UNIT), "wholly before the range");
    }

    @Test
    void alignmentAboveTheMaximumIsNotSupported() {
        RegionAllocator allocator = new RegionAllocator(64 * UNIT, UNIT, 16 * UNIT);
        StatusException e = assertThrows(StatusException.class, () -> allocator.allocate(UNIT, 32 * UNIT));
        assertEquals(Status.NOT_SUPPORTED, e.status());
        StatusException topBit = assertThrows(StatusException.class, () -> allocator.allocate(UNIT, 1L << 63));
        assertEquals(Status.NOT_SUPPORTED, topBit.status(), "2^63 is the largest alignment, not a negative one");
        assertTrue(topBit.getMessage().contains("9223372036854775808"), topBit.getMessage());
        assertThrows(StatusException.class, () -> allocator.allocate(UNIT, 3 * UNIT));
        assertThrows(StatusException.class, () -> allocator.allocate(UNIT + 1, 0));
        assertThrows(StatusException.class, () -> allocator.allocate(0, 0));
        assertEquals(0, allocator.used());
    }

    @Test
    void aPoolOfMoreUnitsThanAnIntCountsIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RegionAllocator((1L << 31) * UNIT, UNIT, UNIT));
        assertTrue(e.getMessage().contains("units of 4096 bytes"), e.getMessage());
    }

    @Test
    void aFreeInsideABlockOrOfAFreeBlockIsRefused() {
        RegionAllocator allocator = new RegionAllocator(16 * UNIT, UNIT, UNIT);
        long offset = allocator.allocate(4 * UNIT, 0);
        assertThrows(IllegalStateException.class, () -> allocator.free(offset + UNIT, UNIT), "inside a block");
        assertThrows(IllegalStateException.class, () -> allocator.free(8 * UNIT, 8 * UNIT), "a free block");
        assertThrows(IllegalStateException.class, () -> allocator.free(-UNIT, UNIT));
        assertThrows(IllegalStateException.class, () -> allocator.free(offset + 1, UNIT), "not on a unit");
        assertThrows(IllegalStateException.class, () -> allocator.free(64 * UNIT, UNIT), "past the end");
        assertEquals(List.of(new Region(4 * UNIT, 12 * UNIT)), allocator.freeRegions());
        assertEquals(1, allocator.allocatedCount());
    }

    @Test
    void doubleFreeAndWrongSizeAreRefusedWithoutChange() {
        RegionAllocator allocator = new RegionAllocator(16 * UNIT, UNIT, UNIT);
        long offset = allocator.allocate(2 * UNIT, 0);
        assertThrows(IllegalStateException.class, () -> allocator.free(offset, UNIT));
        allocator.free(offset, 2 * UNIT);
        assertThrows(IllegalStateException.class, () -> allocator.free(offset, 2 * UNIT));
        assertEquals(List.of(new Region(0, 16 * UNIT)), allocator.freeRegions());
    }

    @Test
    void fragmentationFailuresAreCountedApartFromPlainExhaustion() {
        RegionAllocator allocator = new RegionAllocator(8 * UNIT, UNIT, UNIT);
        List<Long> units = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            units.add(allocator.allocate(UNIT, 0));
        }
        allocator.free(units.get(1), UNIT);
        allocator.free(units.get(5), UNIT);
        assertEquals(-1, allocator.allocate(2 * UNIT, 0), "2 units are free but not together");
        assertEquals(-1, allocator.allocate(4 * UNIT, 0), "only 2 units are free at all");
        Map<String, Long> metrics = allocator.metrics();
        assertEquals(2, metrics.get("region_allocations_failed"));
        assertEquals(1, metrics.get("allocations_failed_fragmentation"));
        assertEquals(UNIT, metrics.get("largest_free_region"));
        assertEquals(2 * UNIT, metrics.get("largest_10_free_regions_sum"));
        assertEquals(8 * UNIT, metrics.get("high_water_mark"));
        assertEquals(0, metrics.get("free_at_high_water_mark"));
    }

    @Test
    void hundredThousandLiveRegionsStayFastAndConsistent() {
        RegionAllocator allocator = new RegionAllocator(400_000 * UNIT, UNIT, UNIT);
        long[] offsets = new long[100_000];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = allocator.allocate(UNIT * (1 + i % 3), 0);
        }
        for (int i = 0; i < offsets.length; i += 2) {
            allocator.free(offsets[i], UNIT * (1 + i % 3));
        }
        for (int i = 1; i < offsets.length; i += 2) {
            allocator.free(offsets[i], UNIT * (1 + i % 3));
        }
        assertEquals(List.of(new Region(0, 400_000 * UNIT)), allocator.freeRegions());
    }
}
