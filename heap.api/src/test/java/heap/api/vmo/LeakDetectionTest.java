package heap.api.vmo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.spi.LeakDetection;
import heap.api.spi.VmoOwner;
import heap.api.spi.Vmos;
import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The leak detection levels (Netty's ResourceLeakDetector levels): what the garbage collector watches. Whatever the
 * level, an owner's release closes everything it holds, so a bundle's stop gives back what it dropped.
 */
class LeakDetectionTest {
    private final Arena arena = Arena.ofShared();
    private final AtomicInteger releases = new AtomicInteger();
    private final LeakDetection before = Vmos.leakDetection();

    @AfterEach
    void restoreTheLevel() {
        Vmos.setLeakDetection(before);
    }

    private Vmo root() {
        return Vmos.root(arena.allocate(4096), releases::incrementAndGet);
    }

    /** Handles made through an owner and dropped at once: only the root stays with the test. */
    private void dropOwnedHandles(VmoOwner owner, Vmo root, int count) {
        for (int i = 0; i < count; i++) {
            owner.createReference(root);
        }
    }

    @Test
    void atOffTheCollectorClosesNothingButTheOwnersReleaseClosesEveryDroppedHandle() throws Exception {
        Vmos.setLeakDetection(LeakDetection.OFF);
        Vmo root = root();
        VmoOwner owner = Vmos.owner("bundle");
        dropOwnedHandles(owner, root, 50);
        long leaks = Vmos.leakedHandles();
        assertFalse(Collector.gcUntil(() -> root.childCount() == 0, 10),
                "no dropped handle is closed by the collector at OFF");
        assertEquals(leaks, Vmos.leakedHandles(), "nothing reported");
        assertEquals(new VmoOwner.Release(50, 0), owner.release());
        assertEquals(0, root.childCount(), "the owner's release closed them all");
    }

    @Test
    void atSampledAboutOneInTheIntervalIsWatchedAndTheRestComeBackWithTheOwner() throws Exception {
        Vmos.setLeakDetection(LeakDetection.SAMPLED);
        int watched = 0;
        int draws = 100 * LeakDetection.SAMPLE_INTERVAL;
        for (int i = 0; i < draws; i++) {
            watched += Vmos.watchForLeak() ? 1 : 0;
        }
        assertTrue(watched > 50 && watched < 150, "about 100 of " + draws + " watched, not " + watched);

        Vmo root = root();
        VmoOwner owner = Vmos.owner("bundle");
        // about 32 watched: the chance that none is, e^-32, cannot fail a run (at 4 intervals it was e^-4, 1 in 55)
        int dropped = 32 * LeakDetection.SAMPLE_INTERVAL;
        dropOwnedHandles(owner, root, dropped);
        long leaks = Vmos.leakedHandles();
        Collector.gcUntil(() -> Vmos.leakedHandles() > leaks && root.childCount() < dropped, 50);
        // the collector may still close a sample while the owner releases: each handle ends once, by one of them
        VmoOwner.Release release = owner.release();
        assertTrue(Collector.gcUntil(() -> root.childCount() == 0, 50), "the owner closed the rest");
        int collected = dropped - release.handles();
        assertTrue(collected > 0 && collected < dropped / 2, "a sample is collected: " + collected);
        assertTrue(Vmos.leakedHandles() - leaks >= collected, "and each reported");
    }

    @Test
    void atSampledEveryDroppedConfinedMappingStillGivesItsMemoryBack() throws Exception {
        Vmos.setLeakDetection(LeakDetection.SAMPLED);
        Vmo root = root();
        Vmo child = root.createReference();
        for (int i = 0; i < 20; i++) {
            child.map(0, 4096, true); // dropped, segment and all
        }
        child.close();
        root.close();
        assertTrue(Collector.gcUntil(() -> releases.get() == 1, 250),
                "every confined mapping is watched: the memory came back");
    }

    @Test
    void aConfinedMappingDroppedOnAThreadThatEndedStillGivesItsMemoryBack() throws Exception {
        Vmos.setLeakDetection(LeakDetection.SAMPLED);
        Vmo root = root();
        Vmo child = root.createReference();
        Thread mapper = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 20; i++) {
                child.map(0, 4096, true); // dropped, and its thread ends: nobody can close it now
            }
        });
        mapper.join();
        assertEquals(20, child.mappingCount());
        child.close();
        root.close();
        assertTrue(Collector.gcUntil(() -> releases.get() == 1, 250),
                "the thread's list outlives it: every mapping was found and the memory came back");
    }

    @Test
    void atParanoidEveryDroppedHandleIsClosedByTheCollectorAndReported() throws Exception {
        Vmos.setLeakDetection(LeakDetection.PARANOID);
        Vmo root = root();
        VmoOwner owner = Vmos.owner("bundle");
        dropOwnedHandles(owner, root, 50);
        long leaks = Vmos.leakedHandles();
        assertTrue(Collector.gcUntil(() -> root.childCount() == 0, 250), "all 50 collected");
        assertEquals(leaks + 50, Vmos.leakedHandles(), "and each reported");
    }

    @Test
    void levelsAreNamedInAnyCaseAndABadNameIsRefusedNamingIt() {
        assertEquals(LeakDetection.PARANOID, LeakDetection.parse(" Paranoid "));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> LeakDetection.parse("some"));
        assertEquals("heap.leak.detection=some is not one of off, sampled, paranoid", refused.getMessage());
        assertThrows(heap.api.StatusException.class, () -> Vmos.setLeakDetection(null));
    }

    @Test
    void aWatchRunsItsActionOnceWhetherCleanedFoundUnreachableOrBothAndAFailingActionStopsNoOther()
            throws Exception {
        AtomicInteger cleaned = new AtomicInteger();
        java.lang.ref.Cleaner.Cleanable watch = Vmos.watch(new Object(), cleaned::incrementAndGet);
        watch.clean();
        watch.clean();
        assertEquals(1, cleaned.get(), "cleaning twice runs the action once");

        AtomicInteger found = new AtomicInteger();
        Vmos.watch(new Object(), () -> {
            throw new IllegalStateException("an action that fails");
        });
        java.util.List<java.lang.ref.Cleaner.Cleanable> kept = new java.util.ArrayList<>();
        int watched = 200;
        for (int i = 0; i < watched; i++) {
            kept.add(Vmos.watch(new Object(), found::incrementAndGet)); // each object unreachable at once
        }
        assertTrue(Collector.gcUntil(() -> found.get() == watched, 250), "every unreachable object found: " + found);
        kept.forEach(java.lang.ref.Cleaner.Cleanable::clean);
        assertEquals(watched, found.get(), "cleaning after the collector found it runs nothing again");
        assertThrows(heap.api.StatusException.class, () -> Vmos.watch(null, () -> { }));
    }
}
