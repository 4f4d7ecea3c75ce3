package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/**
 * heap.api's leak detector thread runs while its bundle is active: stopping the bundle ends it, so an update or an
 * uninstall leaves no thread running the old classes; starting the bundle again brings it back.
 */
class HeapApiBundleTest extends FrameworkTestSupport {

    @Test
    void stoppingHeapApiEndsItsLeakDetectorThreadAndStartingItAgainBringsItBack() throws Exception {
        Bundle api = bundle("heap.api");
        long running = detectorThreads();
        api.stop();
        try {
            assertEquals(running - 1, detectorThreads(), "the stopped bundle's detector thread still runs");
        } finally {
            api.start();
        }
        Thread.sleep(200); // a detector that ended at once (started before it was the detector) would be gone by now
        assertEquals(running, detectorThreads(), "the restarted bundle has no detector thread");
        assertEquals(Bundle.ACTIVE, api.getState());
    }

    private static long detectorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().equals("vmo-leak-detector"))
                .count();
    }
}
