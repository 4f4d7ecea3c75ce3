package heap.memory;

import heap.api.Status;
import heap.api.StatusException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Best-fit allocator over a range {@code [0, capacity)} in units of {@code unit} bytes. Free regions are kept in
 * two ordered trees, by offset (to merge neighbours on free) and by size (to find the best fit), so allocate and
 * free cost O(log n) in the number of regions. Thread safe. Keeps sysmem's contiguous-pool metrics.
 *
 * <p>Invariants (every method is synchronized on this object, which guards every field):
 * <ul>
 * <li>{@code freeByOffset} (offset → size) and {@code freeBySize} (size, then offset) hold the same free regions:
 *     each is added to and removed from both together ({@link #addFree}, {@link #removeFree}).
 * <li>Free regions never touch: {@link #free} merges a freed region with the free neighbours on both sides, so two
 *     adjacent free regions never exist and the number of free regions is at most allocated regions + 1.
 * <li>{@code allocated} (offset → size) holds exactly the regions handed out; free and allocated regions tile
 *     {@code [0, capacity)} without overlap, and {@code used} is the sum of the allocated sizes.
 * <li>Skew: a region may start with a {@code skew}-byte header (a guard page) before its aligned part, so what is
 *     aligned is {@code offset + skew}, not the offset; the region is {@code size} bytes from {@code offset}.
 * <li>Best fit with alignment: the smallest free regions of at least {@code size} are tried in size order, and the
 *     first {@link #ALIGNED_CANDIDATES} that fit after aligning are enough; if none of those does, the search jumps
 *     to the smallest region of at least {@code size + align - unit}, which fits whatever its start, and only if
 *     there is none scans the rest in size order.
 * </ul>
 */
public final class RegionAllocator {
    /** A range of the pool. */
    public record Region(long offset, long size) {
        public long end() {
            return offset + size;
        }
    }

    private static final Comparator<Region> BY_SIZE_THEN_OFFSET =
            Comparator.comparingLong(Region::size).thenComparingLong(Region::offset);
    /** Candidates looked at in size order before falling back to a size that always fits the alignment. */
    private static final int ALIGNED_CANDIDATES = 8;

    private final long capacity;
    private final long unit;
    private final long maxAlignment;
    private final TreeMap<Long, Long> freeByOffset = new TreeMap<>();
    private final TreeSet<Region> freeBySize = new TreeSet<>(BY_SIZE_THEN_OFFSET);
    private final HashMap<Long, Long> allocated = new HashMap<>();
    private long used;
    private long allocations;
    private long highWaterMark;
    private long freeAtHighWaterMark;
    private long maxFreeAtHighWater;
    private long failed;
    private long failedFragmentation;

    public RegionAllocator(long capacity, long unit, long maxAlignment) {
        if (unit <= 0 || Long.bitCount(unit) != 1) {
            throw new IllegalArgumentException("unit " + unit + " is not a power of two");
        }
        if (capacity <= 0 || capacity % unit != 0) {
            throw new IllegalArgumentException("capacity " + capacity + " is not a positive multiple of " + unit);
        }
        if (maxAlignment < unit || Long.bitCount(maxAlignment) != 1) {
            throw new IllegalArgumentException("max alignment " + maxAlignment + " is not a power of two >= " + unit);
        }
        this.capacity = capacity;
        this.unit = unit;
        this.maxAlignment = maxAlignment;
        addFree(0, capacity);
        freeAtHighWaterMark = capacity;
        maxFreeAtHighWater = capacity;
    }

    /**
     * Allocates {@code size} bytes whose offset is a multiple of {@code alignment} (0 means {@code unit}).
     *
     * @return the offset, or -1 when no free region fits (counted as a failure, and as a fragmentation failure
     *         when the total free space would have held it)
     * @throws StatusException INVALID_ARGS for a size that is not a positive multiple of the unit or an alignment
     *         that is not a power of two; NOT_SUPPORTED for an alignment above the maximum
     */
    public long allocate(long size, long alignment) {
        return allocate(size, alignment, 0);
    }

    /**
     * As {@link #allocate(long, long)}, but aligns {@code offset + skew} rather than the offset: for a region that
     * starts with a {@code skew}-byte header (a guard page) before the aligned part.
     */
    public synchronized long allocate(long size, long alignment, long skew) {
        if (size <= 0 || size % unit != 0) {
            throw new StatusException(Status.INVALID_ARGS, "size " + size + " is not a positive multiple of " + unit);
        }
        long align = alignment == 0 ? unit : alignment;
        if (Long.bitCount(align) != 1) {
            throw new StatusException(Status.INVALID_ARGS, "alignment " + Long.toUnsignedString(alignment)
                    + " is not a power of two");
        }
        if (Long.compareUnsigned(align, maxAlignment) > 0) {
            throw new StatusException(Status.NOT_SUPPORTED, "alignment " + Long.toUnsignedString(align)
                    + " is above this pool's maximum " + maxAlignment);
        }
        align = Math.max(align, unit);
        if (skew < 0 || skew >= size || skew % unit != 0) {
            throw new StatusException(Status.INVALID_ARGS, "skew " + skew + " is not a multiple of " + unit
                    + " inside a region of " + size + " bytes");
        }
        Region fit = size <= capacity - used ? bestFit(size, align, skew) : null;
        if (fit == null) {
            failed++;
            if (capacity - used >= size) {
                failedFragmentation++;
            }
            return -1;
        }
        long offset = alignUp(fit.offset() + skew, align) - skew;
        removeFree(fit);
        if (offset > fit.offset()) {
            addFree(fit.offset(), offset - fit.offset());
        }
        if (offset + size < fit.end()) {
            addFree(offset + size, fit.end() - offset - size);
        }
        allocated.put(offset, size);
        used += size;
        allocations++;
        if (used > highWaterMark) {
            highWaterMark = used;
            freeAtHighWaterMark = capacity - used;
            maxFreeAtHighWater = freeBySize.isEmpty() ? 0 : freeBySize.last().size();
        }
        return offset;
    }

    /**
     * Frees a region that {@link #allocate} returned, merging it with free neighbours.
     *
     * @throws IllegalStateException when {@code [offset, offset + size)} is not exactly an allocated region (a
     *         double free or a wrong size); nothing changes then
     */
    public synchronized void free(long offset, long size) {
        Long allocatedSize = allocated.get(offset);
        if (allocatedSize == null || allocatedSize != size) {
            throw new IllegalStateException("region at offset " + offset + " of " + size + " bytes is not allocated"
                    + (allocatedSize == null ? "" : " (it has " + allocatedSize + " bytes)"));
        }
        allocated.remove(offset);
        used -= size;
        long start = offset;
        long end = offset + size;
        Map.Entry<Long, Long> before = freeByOffset.lowerEntry(offset);
        if (before != null && before.getKey() + before.getValue() == start) {
            removeFree(new Region(before.getKey(), before.getValue()));
            start = before.getKey();
        }
        Map.Entry<Long, Long> after = freeByOffset.ceilingEntry(end);
        if (after != null && after.getKey() == end) {
            removeFree(new Region(after.getKey(), after.getValue()));
            end += after.getValue();
        }
        addFree(start, end - start);
    }

    public long capacity() {
        return capacity;
    }

    public synchronized long used() {
        return used;
    }

    public synchronized long largestFreeRegion() {
        return freeBySize.isEmpty() ? 0 : freeBySize.last().size();
    }

    /** Free regions in offset order. */
    public synchronized List<Region> freeRegions() {
        List<Region> regions = new ArrayList<>(freeByOffset.size());
        freeByOffset.forEach((offset, size) -> regions.add(new Region(offset, size)));
        return regions;
    }

    public synchronized int allocatedCount() {
        return allocated.size();
    }

    /** Sysmem's names: used_size, high_water_mark, free_at_high_water_mark, max_free_at_high_water, … */
    public synchronized Map<String, Long> metrics() {
        Map<String, Long> metrics = new LinkedHashMap<>();
        // Distinct from the heap's standard used_size and allocations_failed (heap.api): regions include guard pages,
        // and only failures to find a region count here.
        metrics.put("region_used_bytes", used);
        metrics.put("high_water_mark", highWaterMark);
        metrics.put("free_at_high_water_mark", freeAtHighWaterMark);
        metrics.put("max_free_at_high_water", maxFreeAtHighWater);
        metrics.put("region_allocations_failed", failed);
        metrics.put("allocations_failed_fragmentation", failedFragmentation);
        metrics.put("largest_free_region", largestFreeRegion());
        long top10 = 0;
        Iterator<Region> largest = freeBySize.descendingIterator();
        for (int i = 0; i < 10 && largest.hasNext(); i++) {
            top10 += largest.next().size();
        }
        metrics.put("largest_10_free_regions_sum", top10);
        metrics.put("free_regions", (long) freeByOffset.size());
        return metrics;
    }

    private Region bestFit(long size, long align, long skew) {
        Iterator<Region> candidates = freeBySize.tailSet(new Region(Long.MIN_VALUE, size), true).iterator();
        for (int i = 0; i < ALIGNED_CANDIDATES && candidates.hasNext(); i++) {
            Region candidate = candidates.next();
            if (fits(candidate, size, align, skew)) {
                return candidate;
            }
        }
        if (align > unit && size <= Long.MAX_VALUE - align) {
            // Any region this large fits whatever its alignment.
            Region surely = freeBySize.ceiling(new Region(Long.MIN_VALUE, size + align - unit));
            if (surely != null) {
                return surely;
            }
            while (candidates.hasNext()) {
                Region candidate = candidates.next();
                if (fits(candidate, size, align, skew)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static boolean fits(Region region, long size, long align, long skew) {
        long offset = alignUp(region.offset() + skew, align) - skew;
        return offset - region.offset() <= region.size() - size;
    }

    private static long alignUp(long value, long align) {
        return (value + align - 1) & -align;
    }

    private void addFree(long offset, long size) {
        freeByOffset.put(offset, size);
        freeBySize.add(new Region(offset, size));
    }

    private void removeFree(Region region) {
        freeByOffset.remove(region.offset());
        freeBySize.remove(region);
    }
}
