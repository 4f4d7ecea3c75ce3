package heap.memory;

import heap.api.Status;
import heap.api.StatusException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Segregated-fit allocator over a range {@code [0, capacity)} in units of {@code unit} bytes, with constant cost per
 * allocate and free whatever the number of live regions (the two-level segregated fit of TLSF, with boundary tags in
 * arrays indexed by unit instead of a tree of regions). Thread safe. Keeps sysmem's contiguous-pool metrics.
 *
 * <p>Bookkeeping: four {@code int}s per unit of capacity (16 bytes per 4 KiB page, 0.4% of the pool), made once.
 *
 * <p>Invariants (every method is synchronized on this object, which guards every field):
 * <ul>
 * <li>Blocks tile {@code [0, units)}: {@code blockUnits[s]} is non-zero exactly at the start {@code s} of a block —
 *     positive for a free block of that many units, negative for an allocated one — and 0 inside blocks.
 * <li>Free blocks never touch: {@link #free} merges a freed block with free neighbours on both sides. A free block
 *     also records its start at its last unit ({@code startOfLastUnit}), so the block before a freed one is found
 *     in one step; a stale record is recognised because it does not lead back to a free block ending there.
 * <li>Each free block is in exactly one list, the one of its size class, linked by {@code nextFree}/{@code
 *     previousFree} (-1 ends a list); bit {@code c} of {@code nonEmpty} is set exactly when list {@code c} has a
 *     block. Classes: 1–63 units one class each (exact); above, 16 classes per power of two.
 * <li>Fit: a few blocks of the request's own class (the best of them), then a few of each larger class (the first
 *     that fits after aligning), then the smallest of a few blocks of the first class whose every block fits
 *     however it is aligned. Only if all those fail is every block tried, so an allocation fails only when no free block can
 *     hold it.
 * <li>Skew: a region may start with a {@code skew}-byte header (a guard page) before its aligned part, so what is
 *     aligned is {@code offset + skew}, not the offset; the region is {@code size} bytes from {@code offset}.
 * </ul>
 */
public final class RegionAllocator {
    /** A range of the pool. */
    public record Region(long offset, long size) {
        public long end() {
            return offset + size;
        }
    }

    private static final int EXACT_CLASSES = 64;
    private static final int SUBCLASS_BITS = 4;
    private static final int CLASSES = EXACT_CLASSES + (32 - 6) * (1 << SUBCLASS_BITS);
    /** Blocks looked at per class: the best of them in the request's own class, the first that fits above it. */
    private static final int CANDIDATES = 8;
    private static final int NONE = -1;

    private final long capacity;
    private final long unit;
    private final long maxAlignment;
    private final int units;
    private final int[] blockUnits;
    private final int[] startOfLastUnit;
    private final int[] nextFree;
    private final int[] previousFree;
    private final int[] classHead = new int[CLASSES];
    private final long[] nonEmpty = new long[(CLASSES + 63) / 64];
    private int freeBlocks;
    private int allocatedBlocks;
    private long used;
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
        if (capacity / unit > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("capacity " + capacity + " is above " + Integer.MAX_VALUE + " units of "
                    + unit + " bytes");
        }
        this.capacity = capacity;
        this.unit = unit;
        this.maxAlignment = maxAlignment;
        this.units = (int) (capacity / unit);
        this.blockUnits = new int[units];
        this.startOfLastUnit = new int[units];
        this.nextFree = new int[units];
        this.previousFree = new int[units];
        java.util.Arrays.fill(classHead, NONE);
        addFree(0, units);
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
        int start = size <= capacity - used ? fit(size / unit, align / unit, skew / unit) : NONE;
        if (start == NONE) {
            failed++;
            if (capacity - used >= size) {
                failedFragmentation++;
            }
            return -1;
        }
        int blockEnd = start + blockUnits[start];
        int first = (int) alignedStart(start, align / unit, skew / unit);
        int end = first + (int) (size / unit);
        removeFree(start);
        if (first > start) {
            addFree(start, first - start);
        }
        if (end < blockEnd) {
            addFree(end, blockEnd - end);
        }
        blockUnits[first] = -(end - first);
        allocatedBlocks++;
        used += size;
        if (used > highWaterMark) {
            highWaterMark = used;
            freeAtHighWaterMark = capacity - used;
            maxFreeAtHighWater = largestFreeRegion();
        }
        return first * unit;
    }

    /**
     * Frees a region that {@link #allocate} returned, merging it with free neighbours.
     *
     * @throws IllegalStateException when {@code [offset, offset + size)} is not exactly an allocated region (a
     *         double free or a wrong size); nothing changes then
     */
    public synchronized void free(long offset, long size) {
        int start = offset >= 0 && offset < capacity && offset % unit == 0 ? (int) (offset / unit) : NONE;
        int allocatedUnits = start == NONE ? 0 : -blockUnits[start];
        if (allocatedUnits <= 0 || (long) allocatedUnits * unit != size) {
            throw new IllegalStateException("region at offset " + offset + " of " + size + " bytes is not allocated"
                    + (allocatedUnits <= 0 ? "" : " (it has " + (long) allocatedUnits * unit + " bytes)"));
        }
        blockUnits[start] = 0;
        allocatedBlocks--;
        used -= size;
        int freedStart = start;
        int freedEnd = start + allocatedUnits;
        int before = freedStart > 0 ? startOfLastUnit[freedStart - 1] : NONE;
        if (before != NONE && blockUnits[before] > 0 && before + blockUnits[before] == freedStart) {
            removeFree(before);
            freedStart = before;
        }
        if (freedEnd < units && blockUnits[freedEnd] > 0) {
            int afterEnd = freedEnd + blockUnits[freedEnd];
            removeFree(freedEnd);
            freedEnd = afterEnd;
        }
        addFree(freedStart, freedEnd - freedStart);
    }

    /**
     * True if any byte of {@code [offset, offset + size)} is in an allocated region; bytes outside {@code [0,
     * capacity)} count as free. Costs the length of the blocks it crosses: for a heap's successor sharing its range
     * while it drains, not for every allocation.
     */
    public synchronized boolean anyAllocated(long offset, long size) {
        long from = Math.max(0, offset);
        long to = Math.min(capacity, offset + size);
        if (from >= to) {
            return false;
        }
        int block = (int) (from / unit);
        while (blockUnits[block] == 0) { // inside a block: back to its start (unit 0 always starts one)
            block--;
        }
        int last = (int) ((to - 1) / unit);
        for (; block <= last; block += Math.abs(blockUnits[block])) {
            if (blockUnits[block] < 0) {
                return true;
            }
        }
        return false;
    }

    public long capacity() {
        return capacity;
    }

    public synchronized long used() {
        return used;
    }

    public synchronized long largestFreeRegion() {
        int top = highestNonEmptyClass();
        long largest = 0;
        for (int block = top == NONE ? NONE : classHead[top]; block != NONE; block = nextFree[block]) {
            largest = Math.max(largest, blockUnits[block]);
        }
        return largest * unit;
    }

    /** Free regions in offset order. */
    public synchronized List<Region> freeRegions() {
        List<Region> regions = new ArrayList<>(freeBlocks);
        for (int block = 0; block < units; block += Math.abs(blockUnits[block])) {
            if (blockUnits[block] > 0) {
                regions.add(new Region(block * unit, blockUnits[block] * unit));
            }
        }
        return regions;
    }

    public synchronized int allocatedCount() {
        return allocatedBlocks;
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
        metrics.put("largest_10_free_regions_sum", largestFreeSum(10));
        metrics.put("free_regions", (long) freeBlocks);
        return metrics;
    }

    /** The start of a free block that holds {@code units} aligned as asked, or NONE. */
    private int fit(long units, long align, long skew) {
        int own = classOf(units);
        int best = NONE;
        int looked = 0;
        for (int block = classHead[own]; block != NONE && looked < CANDIDATES; block = nextFree[block]) {
            looked++;
            if (fits(block, units, align, skew) && (best == NONE || blockUnits[block] < blockUnits[best])) {
                best = block;
                if (blockUnits[block] == units) {
                    break; // nothing fits better
                }
            }
        }
        if (best != NONE) {
            return best;
        }
        // From this class up, every block is at least units + align - 1 long, which fits wherever it starts.
        int sure = align == 1 ? own + 1 : Math.min(CLASSES, classOf(units + align - 1) + 1);
        for (int c = nextNonEmptyClass(own + 1); c != NONE && c < sure; c = nextNonEmptyClass(c + 1)) {
            looked = 0;
            for (int block = classHead[c]; block != NONE && looked < CANDIDATES; block = nextFree[block]) {
                looked++;
                if (fits(block, units, align, skew)) {
                    return block;
                }
            }
        }
        int surely = nextNonEmptyClass(sure);
        if (surely != NONE) {
            return smallestOfFirst(classHead[surely]); // each fits: the smallest of a few splits the least
        }
        // Only blocks the bounded looks above skipped are left: try each, so a fit is never missed.
        for (int c = nextNonEmptyClass(own); c != NONE; c = nextNonEmptyClass(c + 1)) {
            for (int block = classHead[c]; block != NONE; block = nextFree[block]) {
                if (fits(block, units, align, skew)) {
                    return block;
                }
            }
        }
        return NONE;
    }

    private int smallestOfFirst(int head) {
        int smallest = head;
        int looked = 1;
        for (int block = nextFree[head]; block != NONE && looked < CANDIDATES; block = nextFree[block]) {
            looked++;
            if (blockUnits[block] < blockUnits[smallest]) {
                smallest = block;
            }
        }
        return smallest;
    }

    private boolean fits(int block, long units, long align, long skew) {
        return alignedStart(block, align, skew) + units <= block + (long) blockUnits[block];
    }

    /** The first unit at or after {@code block} where a region can start so that its start + skew is aligned. */
    private static long alignedStart(int block, long align, long skew) {
        return ((block + skew + align - 1) & -align) - skew;
    }

    /** Exact classes below 64 units; above, 16 per power of two. */
    private static int classOf(long units) {
        if (units < EXACT_CLASSES) {
            return (int) units;
        }
        int log = 63 - Long.numberOfLeadingZeros(units);
        int sub = (int) (units >>> (log - SUBCLASS_BITS)) & ((1 << SUBCLASS_BITS) - 1);
        return EXACT_CLASSES + (log - 6) * (1 << SUBCLASS_BITS) + sub;
    }

    private int nextNonEmptyClass(int from) {
        for (int word = from >>> 6; word < nonEmpty.length; word++) {
            long bits = nonEmpty[word] & (word == from >>> 6 ? -1L << (from & 63) : -1L);
            if (bits != 0) {
                return word * 64 + Long.numberOfTrailingZeros(bits);
            }
        }
        return NONE;
    }

    private int highestNonEmptyClass() {
        for (int word = nonEmpty.length - 1; word >= 0; word--) {
            if (nonEmpty[word] != 0) {
                return word * 64 + 63 - Long.numberOfLeadingZeros(nonEmpty[word]);
            }
        }
        return NONE;
    }

    /** The bytes of the {@code count} largest free blocks: the top classes hold them. */
    private long largestFreeSum(int count) {
        List<Integer> sizes = new ArrayList<>();
        for (int word = nonEmpty.length - 1; word >= 0 && sizes.size() < count; word--) {
            for (long bits = nonEmpty[word]; bits != 0 && sizes.size() < count; ) {
                int c = word * 64 + 63 - Long.numberOfLeadingZeros(bits);
                bits &= ~(1L << (c & 63));
                for (int block = classHead[c]; block != NONE; block = nextFree[block]) {
                    sizes.add(blockUnits[block]);
                }
            }
        }
        sizes.sort(java.util.Comparator.reverseOrder());
        long sum = 0;
        for (int i = 0; i < Math.min(count, sizes.size()); i++) {
            sum += sizes.get(i);
        }
        return sum * unit;
    }

    private void addFree(int start, int length) {
        blockUnits[start] = length;
        startOfLastUnit[start + length - 1] = start;
        int c = classOf(length);
        int head = classHead[c];
        nextFree[start] = head;
        previousFree[start] = NONE;
        if (head != NONE) {
            previousFree[head] = start;
        }
        classHead[c] = start;
        nonEmpty[c >>> 6] |= 1L << (c & 63);
        freeBlocks++;
    }

    /** Takes a free block out of its class list; its boundary tags are rewritten by whoever uses its units next. */
    private void removeFree(int start) {
        int c = classOf(blockUnits[start]);
        int next = nextFree[start];
        int previous = previousFree[start];
        if (previous == NONE) {
            classHead[c] = next;
            if (next == NONE) {
                nonEmpty[c >>> 6] &= ~(1L << (c & 63));
            }
        } else {
            nextFree[previous] = next;
        }
        if (next != NONE) {
            previousFree[next] = previous;
        }
        blockUnits[start] = 0;
        freeBlocks--;
    }
}
