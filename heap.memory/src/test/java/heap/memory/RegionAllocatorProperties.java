package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.memory.RegionAllocator.Region;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class RegionAllocatorProperties {
    private static final long UNIT = 4096;

    @Property(tries = 200)
    void regionsNeverOverlapAlignmentHoldsAndEverythingFreedIsOneRegion(@ForAll @LongRange(min = 1, max = 1_000_000) long seed,
            @ForAll @IntRange(min = 16, max = 8192) int capacityUnits) {
        Random random = new Random(seed);
        long capacity = capacityUnits * UNIT;
        RegionAllocator allocator = new RegionAllocator(capacity, UNIT, 64 * UNIT);
        List<Region> live = new ArrayList<>();
        long expectedFailures = 0;
        long expectedFragmentationFailures = 0;
        for (int step = 0; step < 300; step++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                Region victim = live.remove(random.nextInt(live.size()));
                allocator.free(victim.offset(), victim.size());
            } else {
                long size = (1 + random.nextInt(capacityUnits / 4)) * UNIT;
                long alignment = UNIT << random.nextInt(7);
                long skew = size > UNIT && random.nextBoolean() ? UNIT : 0; // a guard page before the aligned part
                List<Region> freeBefore = allocator.freeRegions();
                long freeBytes = capacity - allocator.used();
                long offset = allocator.allocate(size, alignment, skew);
                if (offset < 0) {
                    expectedFailures++;
                    if (freeBytes >= size) {
                        expectedFragmentationFailures++;
                    }
                    assertTrue(freeBefore.stream().noneMatch(r -> fits(r, size, alignment, skew)),
                            "failed although a free region fitted " + size + " aligned to " + alignment);
                } else {
                    assertEquals(0, (offset + skew) % alignment, "alignment");
                    live.add(new Region(offset, size));
                }
            }
            List<Region> free = allocator.freeRegions();
            assertPartition(capacity, live, free);
            assertEquals(free.stream().mapToLong(Region::size).max().orElse(0), allocator.largestFreeRegion());
            assertEquals(free.stream().map(Region::size).sorted(java.util.Comparator.reverseOrder()).limit(10)
                    .mapToLong(Long::longValue).sum(), allocator.metrics().get("largest_10_free_regions_sum"));
            assertEquals(free.size(), allocator.metrics().get("free_regions"));
            assertEquals(live.size(), allocator.allocatedCount());
        }
        assertEquals(expectedFailures, allocator.metrics().get("region_allocations_failed"));
        assertEquals(expectedFragmentationFailures, allocator.metrics().get("allocations_failed_fragmentation"));
        for (Region region : live) {
            allocator.free(region.offset(), region.size());
        }
        assertEquals(List.of(new Region(0, capacity)), allocator.freeRegions());
        assertEquals(0, allocator.used());
    }

    private static boolean fits(Region region, long size, long alignment, long skew) {
        long aligned = ((region.offset() + skew + alignment - 1) & -alignment) - skew;
        return aligned + size <= region.end();
    }

    /** Live and free regions never overlap, never touch-merge-missed, and together cover the whole pool. */
    private static void assertPartition(long capacity, List<Region> live, List<Region> free) {
        List<Region> all = new ArrayList<>(live);
        all.addAll(free);
        all.sort(Comparator.comparingLong(Region::offset));
        long expectedOffset = 0;
        for (Region region : all) {
            assertEquals(expectedOffset, region.offset(), "regions overlap or leave a gap at " + expectedOffset);
            assertTrue(region.size() > 0);
            expectedOffset = region.end();
        }
        assertEquals(capacity, expectedOffset);
        for (int i = 1; i < free.size(); i++) {
            assertFalse(free.get(i - 1).end() == free.get(i).offset(), "adjacent free regions were not merged");
        }
    }
}
