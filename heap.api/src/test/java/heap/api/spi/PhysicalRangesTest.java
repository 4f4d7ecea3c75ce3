package heap.api.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.Status;
import heap.api.StatusException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhysicalRangesTest {
    private static final long MIB = 1L << 20;
    private final PhysicalRanges ranges = new PhysicalRanges();

    @Test
    void rangesThatOnlyTouchDoNotOverlap() {
        ranges.claim(0, MIB, "a", (address, size) -> false);
        ranges.claim(MIB, MIB, "b", (address, size) -> false);
        assertEquals(2, ranges.size());
    }

    @Test
    void pastClaimsOverlappingIsTheFirstAddressARangeOfThatSizeOverlapsNone() {
        ranges.claim(2 * MIB, 2 * MIB, "a", (address, size) -> false);
        ranges.claim(5 * MIB, MIB, "b", (address, size) -> false);
        assertEquals(0, ranges.pastClaimsOverlapping(0, 2 * MIB), "touching a claim is not overlapping it");
        assertEquals(4 * MIB, ranges.pastClaimsOverlapping(3 * MIB, MIB));
        assertEquals(6 * MIB, ranges.pastClaimsOverlapping(MIB, 2 * MIB), "past a, a range of 2 MiB overlaps b: past b too");
        assertEquals(7 * MIB, ranges.pastClaimsOverlapping(7 * MIB, MIB));
    }

    @Test
    void aRangeIsCoveredOnlyWhenClaimsTogetherHoldEveryAddressOfIt() {
        ranges.claim(0, 2 * MIB, "a", (address, size) -> false);
        ranges.claim(2 * MIB, MIB, "b", (address, size) -> false);
        ranges.claim(4 * MIB, MIB, "c", (address, size) -> false);
        assertTrue(ranges.covers(MIB, 2 * MIB), "a and b together");
        assertTrue(ranges.covers(4 * MIB, MIB));
        assertFalse(ranges.covers(2 * MIB, 2 * MIB + 1), "the gap between b and c");
        assertFalse(ranges.covers(4 * MIB, MIB + 1), "one byte past c");
        assertFalse(ranges.covers(6 * MIB, 4096));
    }

    @Test
    void anotherHeapsDrainingClaimStillRefusesAndSaysUntilWhen() {
        ranges.claim(0, 2 * MIB, "a", (address, size) -> false).draining();
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> ranges.claim(MIB, 2 * MIB, "b", (address, size) -> false));
        assertEquals("the range [0x100000, 0x300000) of heap b overlaps [0x0, 0x200000), which heap a holds until its "
                + "last buffer goes: give each heap a range of its own", refused.getMessage());
        assertEquals(1, ranges.size());
    }

    @Test
    void aSuccessorAsksEveryDrainingPredecessorUntilEachHasEnded() {
        List<String> asked = new ArrayList<>();
        PhysicalRanges.Claim oldest = ranges.claim(0, 4 * MIB, "s", (address, size) -> {
            asked.add("oldest");
            return address < MIB;
        });
        oldest.draining();
        PhysicalRanges.Claim older = ranges.claim(0, 4 * MIB, "s", (address, size) -> {
            asked.add("older");
            return address >= 3 * MIB;
        });
        assertFalse(older.predecessorsEnded());
        older.draining();
        PhysicalRanges.Claim newest = ranges.claim(MIB, 4 * MIB, "s", (address, size) -> false);
        assertTrue(newest.heldByPredecessor(0, 4096));
        assertTrue(newest.heldByPredecessor(3 * MIB, 4096));
        assertFalse(newest.heldByPredecessor(2 * MIB, 4096));
        assertEquals(List.of("oldest", "oldest", "older", "oldest", "older"), asked);

        oldest.close();
        assertFalse(newest.heldByPredecessor(0, 4096), "an ended predecessor is not asked");
        assertFalse(newest.predecessorsEnded(), "the older one still drains");
        older.close();
        older.close(); // twice: nothing more
        assertTrue(newest.predecessorsEnded());
        assertEquals(1, ranges.size());
    }

    @Test
    void aRangeThatIsNoRangeOrAMissingNameIsRefusedNamingIt() {
        for (long[] bad : new long[][] {{0, 0}, {-4096, 4096}, {Long.MAX_VALUE - 10, 4096}}) {
            StatusException e = assertThrows(StatusException.class,
                    () -> ranges.claim(bad[0], bad[1], "a", (address, size) -> false));
            assertEquals(Status.INVALID_ARGS, e.status());
            assertTrue(e.getMessage().contains("range of " + bad[1] + " bytes at " + bad[0]), e.getMessage());
        }
        StatusException noName = assertThrows(StatusException.class,
                () -> ranges.claim(0, 4096, null, (address, size) -> false));
        assertEquals("INVALID_ARGS: heap is null", noName.getMessage());
        assertEquals(0, ranges.size());
    }
}
