package heap.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.vmo.Collector;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A confined mapping's leak watch lives in its thread's own list: only that thread links and unlinks, the detector
 * only marks what the collector found, and lists of ended threads are swept and dropped by the detector.
 */
class ConfinedWatchesTest {

    private static void inThread(ThrowingRunnable body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        thread.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void watchesTheCollectorFoundRunOnceAndLeaveTheirThreadsListAtItsNextRegistration() throws Exception {
        inThread(() -> {
            AtomicInteger found = new AtomicInteger();
            int dropped = 50;
            for (int i = 0; i < dropped; i++) {
                LeakWatcher.registerConfined(new Object(), found::incrementAndGet); // unreachable at once
            }
            Object kept = new Object();
            LeakWatcher.Watch cancelled = LeakWatcher.registerConfined(kept, found::incrementAndGet);
            cancelled.cancel();
            assertTrue(Collector.gcUntil(() -> found.get() == dropped, 250), "every dropped one found: " + found);
            assertEquals(dropped, LeakWatcher.linkedOnThisThread(), "found, still linked until the thread's next one");

            LeakWatcher.Watch next = LeakWatcher.registerConfined(kept, found::incrementAndGet);
            assertEquals(1, LeakWatcher.linkedOnThisThread(), "the found ones unlinked: only the new one is left");
            next.cancel();
            assertEquals(0, LeakWatcher.linkedOnThisThread());
            Collector.gcUntil(() -> false, 5);
            assertEquals(dropped, found.get(), "a cancelled watch never runs its action");
        });
    }

    @Test
    void theListOfAThreadThatEndedIsKeptUntilNothingInItIsLeftToFindThenDropped() throws Exception {
        AtomicInteger found = new AtomicInteger();
        AtomicReference<Thread> ended = new AtomicReference<>();
        AtomicReference<Object> stillMapped = new AtomicReference<>(new Object());
        inThread(() -> {
            ended.set(Thread.currentThread());
            LeakWatcher.registerConfined(stillMapped.get(), found::incrementAndGet);
            LeakWatcher.registerConfined(new Object(), found::incrementAndGet);
        });
        assertTrue(Collector.gcUntil(() -> found.get() == 1, 250), "the dropped one found after its thread ended");
        LeakWatcher.pruneEndedThreads();
        assertTrue(LeakWatcher.keepsListOf(ended.get()), "one watch in it is still to be found");

        stillMapped.set(null);
        assertTrue(Collector.gcUntil(() -> found.get() == 2, 250), "the kept one found once dropped");
        LeakWatcher.pruneEndedThreads();
        assertFalse(LeakWatcher.keepsListOf(ended.get()), "nothing left in it: dropped");
    }

    @Test
    void aVirtualThreadsConfinedWatchesGoToTheStripes() throws Exception {
        AtomicInteger found = new AtomicInteger();
        AtomicReference<Class<?>> kind = new AtomicReference<>();
        Thread virtual = Thread.ofVirtual().start(
                () -> kind.set(LeakWatcher.registerConfined(new Object(), found::incrementAndGet).getClass()));
        virtual.join();
        assertEquals(LeakWatcher.Striped.class, kind.get());
        assertFalse(LeakWatcher.keepsListOf(virtual), "no list of its own");
        assertTrue(Collector.gcUntil(() -> found.get() == 1, 250), "and the collector still finds what it dropped");
    }
}
