package heap.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import heap.api.vmo.Vmo;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Koids an operator reads and types stay together: threads at a person's pace take only the koids they need. */
class KoidPaceTest {

    /**
     * Console commands run on pooled threads: two threads taking turns after pauses get consecutive koids (before,
     * each thread's blocks grew from 4 koids whatever its pace, and a thread's turn skipped what the other held).
     */
    @Test
    void threadsTakingTurnsAfterPausesGetConsecutiveKoids() throws Exception {
        ExecutorService first = Executors.newSingleThreadExecutor();
        ExecutorService second = Executors.newSingleThreadExecutor();
        try {
            List<Long> koids = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                koids.add((round % 2 == 0 ? first : second).submit(KoidPaceTest::koidOfANewRoot).get());
                Thread.sleep(50); // as between two commands, typed or run from a script
            }
            long start = koids.getFirst();
            assertEquals(List.of(start, start + 1, start + 2, start + 3, start + 4, start + 5), koids);
        } finally {
            first.shutdownNow();
            second.shutdownNow();
        }
    }

    private static long koidOfANewRoot() {
        try (Arena arena = Arena.ofConfined()) {
            Vmo root = VmoObject.root(4096, arena.allocate(4096), OptionalLong.empty(), () -> { });
            long koid = root.koid();
            root.close();
            return koid;
        }
    }
}
