package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.HeapState;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Bundles updated in place: the new one serves, and nothing keeps the old one's classes — not the per-thread state
 * of the threads that used it, not a thread of its own, not the registry's record of a heap that went away.
 */
class BundleUpdateTest extends FrameworkTestSupport {

    @Test
    void anUpdatedRegistryServesAndLeavesNothingThatKeepsItsOldClasses() throws Exception {
        awaitActive(HeapId.SYSTEM_RAM);
        allocateOnePage(HeapId.SYSTEM_RAM); // this thread now has call state of the old registry
        WeakReference<ClassLoader> old = updateAndRefresh("heap.registry");
        awaitActive(HeapId.SYSTEM_RAM);
        allocateOnePage(HeapId.SYSTEM_RAM);
        assertCollected(old, "the updated registry's old classes are still reachable");
    }

    @Test
    void anUpdatedHeapServesAndLeavesNothingThatKeepsItsOldClasses() throws Exception {
        awaitActive(HeapId.SECURE);
        long before = secureServiceId();
        allocateOnePage(HeapId.SECURE);
        WeakReference<ClassLoader> old = updateAndRefresh("heap.secure");
        awaitTrue("a new secure heap instance", () -> secureServiceId() != before);
        allocateOnePage(HeapId.SECURE);
        assertCollected(old, "the updated secure heap's old classes are still reachable");
    }

    private WeakReference<ClassLoader> updateAndRefresh(String symbolicName) throws BundleException,
            InterruptedException {
        Bundle bundle = bundle(symbolicName);
        WeakReference<ClassLoader> old = new WeakReference<>(bundle.adapt(BundleWiring.class).getClassLoader());
        bundle.update();
        CountDownLatch refreshed = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(bundle),
                event -> { if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) { refreshed.countDown(); } });
        assertTrue(refreshed.await(30, TimeUnit.SECONDS), "framework refresh did not finish");
        return old;
    }

    private static void assertCollected(WeakReference<ClassLoader> old, String message) throws InterruptedException {
        for (int i = 0; i < 150 && old.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(old.get(), message);
    }

    private long secureServiceId() {
        return allocator().heaps().stream()
                .filter(status -> status.id().equals(HeapId.SECURE) && status.state() == HeapState.ACTIVE)
                .mapToLong(status -> status.serviceId()).findFirst().orElse(-1);
    }

    private void allocateOnePage(HeapId heap) {
        boolean secure = heap.equals(HeapId.SECURE);
        try (BufferCollection collection = allocator().allocate(request(1, size(PAGE).secureRequired(secure).build(),
                !secure))) {
            assertEquals(heap, collection.settings().bufferSettings().heap());
        }
    }
}
