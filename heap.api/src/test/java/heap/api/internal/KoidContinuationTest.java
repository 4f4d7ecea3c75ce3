package heap.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.vmo.Vmo;
import java.lang.foreign.Arena;
import java.lang.reflect.Proxy;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * Koids are unique for a framework run, as Zircon's are per boot: a heap.api revision that starts after another
 * (an update and a refresh load its classes anew, with a counter of their own) goes on where the other stopped.
 */
class KoidContinuationTest {

    @Test
    void aRevisionStartedAfterAnotherInTheSameFrameworkRunGoesOnFromItsKoids() throws Exception {
        String run = UUID.randomUUID().toString();
        String property = "heap.api.next.koid." + run;
        BundleContext context = contextOfRun(run);
        ApiActivator activator = new ApiActivator();
        activator.start(context);
        try {
            long made = koidOfANewRoot();
            activator.stop(context);
            Long saved = Long.getLong(property);
            assertTrue(saved != null && saved > made, "the stopped revision leaves its next koid: " + saved);

            long further = saved + 1_000_000; // as a revision whose counter (another class loader's) got further
            System.setProperty(property, Long.toString(further));
            activator.start(context);
            assertTrue(koidOfANewRoot() >= further, "a started revision goes on from the koid it was left");
            System.setProperty(property, Long.toString(made));
            activator.stop(context);
            activator.start(context);
            assertTrue(koidOfANewRoot() > further, "and never goes back");
        } finally {
            System.clearProperty(property);
        }
    }

    @Test
    void aFrameworkRunWithoutAStoppedRevisionNumbersAsBefore() throws Exception {
        String run = UUID.randomUUID().toString();
        assertNull(System.getProperty("heap.api.next.koid." + run));
        long before = VmoObject.firstUntakenKoid();
        new ApiActivator().start(contextOfRun(run));
        assertEquals(before, VmoObject.firstUntakenKoid(), "nothing to go on from");
    }

    /** On a thread of its own: a thread that made none has no koid block yet, so it takes from the shared counter. */
    private static long koidOfANewRoot() throws InterruptedException {
        AtomicLong koid = new AtomicLong();
        Thread thread = Thread.ofPlatform().start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                Vmo root = VmoObject.root(4096, arena.allocate(4096), OptionalLong.empty(), () -> { });
                koid.set(root.koid());
                root.close();
            }
        });
        thread.join();
        return koid.get();
    }

    private static BundleContext contextOfRun(String uuid) {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getProperty") && Constants.FRAMEWORK_UUID.equals(args[0])) {
                        return uuid;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
