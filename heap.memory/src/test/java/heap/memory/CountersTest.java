package heap.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CountersTest {
    @Test
    void sumsAreExactOnceEveryThreadHasCountedWhicheverStripesTheThreadsShare() throws Exception {
        Counters counters = new Counters(3);
        int threads = 2 * Stripes.COUNT + 1; // more threads than stripes: some share one
        int rounds = 100_000;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            started.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    counters.add(0, 4096, 1, 1); // an allocation: bytes and count together
                    if (i % 2 == 0) {
                        counters.add(0, -4096, 2, 1); // every other one reclaimed
                    }
                }
            }));
        }
        for (Thread thread : started) {
            thread.join();
        }
        assertEquals((long) threads * rounds / 2 * 4096, counters.sum(0), "bytes in use");
        assertEquals((long) threads * rounds, counters.sum(1), "allocations");
        assertEquals((long) threads * rounds / 2, counters.sum(2), "reclaimed");
    }

    @Test
    void aCounterNobodyMovedIsZeroAndCountersAreIndependent() {
        Counters counters = new Counters(2);
        counters.add(1, -7);
        assertEquals(0, counters.sum(0));
        assertEquals(-7, counters.sum(1));
    }

    @Test
    void aCounterOutOfRangeIsRefusedNotWrittenIntoThePadding() {
        Counters counters = new Counters(2);
        assertThrows(IndexOutOfBoundsException.class, () -> counters.add(2, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> counters.add(0, 1, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> counters.sum(2));
        assertEquals(0, counters.sum(0), "a refused pair moves neither counter");
        assertEquals("counters need a positive count, not 0",
                assertThrows(IllegalArgumentException.class, () -> new Counters(0)).getMessage());
    }
}
