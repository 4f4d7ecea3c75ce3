package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.HeapState;
import heap.api.vmo.VmoMapping;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Bundles updated in place: the new one serves, and nothing keeps the old one's classes — not the per-thread state
 * of the threads that used it, not a thread of its own, not the registry's record of a heap that went away, not
 * Jetty's or the health check executor's references to the servlets and checks of the old web console and health
 * bundles.
 */
class BundleUpdateTest extends FrameworkTestSupport {
    // registry, quarantined, held back, lost, pool occupancy, guard corruption, quotas
    private static final int HEAP_CHECKS = 8;

    @Test
    void anUpdatedRegistryServesAndLeavesNothingThatKeepsItsOldClasses() throws Exception {
        awaitActive(HeapId.SYSTEM_RAM);
        long before = allocateOnePage(HeapId.SYSTEM_RAM); // this thread now has call state of the old registry
        WeakReference<ClassLoader> old = updateAndRefresh("heap.registry");
        awaitActive(HeapId.SYSTEM_RAM);
        long after = allocateOnePage(HeapId.SYSTEM_RAM);
        assertTrue(after > before, "R1: the updated registry goes on from the old one's collection ids, " + before
                + " then " + after);
        assertCollected(old, "the updated registry's old classes are still reachable");
    }

    @Test
    void anUpdatedHeapServesAndLeavesNothingThatKeepsItsOldClasses() throws Exception {
        awaitActive(HeapId.SECURE);
        long before = activeServiceId(HeapId.SECURE);
        allocateOnePage(HeapId.SECURE);
        WeakReference<ClassLoader> old = updateAndRefresh("heap.secure");
        awaitTrue("a new secure heap instance", () -> activeServiceId(HeapId.SECURE) != before);
        allocateOnePage(HeapId.SECURE);
        assertCollected(old, "the updated secure heap's old classes are still reachable");
    }

    @Test
    void updatedSystemRamAndContiguousHeapsServeAndLeaveNothingThatKeepsTheirOldClasses() throws Exception {
        for (HeapId heap : List.of(HeapId.SYSTEM_RAM, HeapId.CONTIGUOUS_SYSTEM_RAM)) {
            awaitActive(heap);
            long before = activeServiceId(heap);
            allocateOnePage(heap);
            WeakReference<ClassLoader> old = updateAndRefresh(bundleOf(heap));
            awaitTrue("a new instance of " + heap, () -> activeServiceId(heap) != before && activeServiceId(heap) != -1);
            allocateOnePage(heap);
            assertCollected(old, "the updated " + heap + " heap's old classes are still reachable");
        }
    }

    /**
     * Felix disposes an updated bundle's old revision at once when nothing is wired to it, and its loader then loads
     * nothing more; the old heap instance still frees the buffers it gave out. Every class of the old revision must
     * be loadable after the refresh (loaded as the heap started), and a buffer held across the update, with a
     * mapping open, is freed by the old instance: its memory goes back. Before, the first free after an update
     * failed in released() with NoClassDefFoundError for a record class only that path used.
     */
    @Test
    void aHeapUpdatedWhileItsBuffersAreHeldFreesThemAfterwardsWithItsOldClasses() throws Exception {
        for (HeapId heap : List.of(HeapId.SYSTEM_RAM, HeapId.CONTIGUOUS_SYSTEM_RAM, HeapId.SECURE)) {
            String symbolicName = bundleOf(heap);
            awaitActive(heap);
            long before = activeServiceId(heap);
            Bundle bundle = bundle(symbolicName);
            List<String> classes = java.util.Collections.list(bundle.findEntries("/", "*.class", true)).stream()
                    .map(url -> url.getPath().substring(1, url.getPath().length() - ".class".length()).replace('/', '.'))
                    .toList();
            ServiceReference<HeapMetrics> metricsReference = context.getServiceReferences(HeapMetrics.class,
                    "(service.id=" + before + ")").iterator().next();
            HeapMetrics oldHeap = context.getService(metricsReference);
            BufferCollection held = allocator().allocate(onePageOn(heap));
            VmoMapping mapping = heap.equals(HeapId.SECURE) ? null : held.buffers().get(0).map(0, PAGE, true);
            try {
                ClassLoader oldLoader = bundle.adapt(BundleWiring.class).getClassLoader();
                updateAndRefresh(symbolicName);
                awaitTrue("a new instance of " + heap, () -> activeServiceId(heap) != before && activeServiceId(heap) != -1);
                for (String name : classes) {
                    oldLoader.loadClass(name); // throws for a class the disposed revision was never asked for
                }
                assertTrue(oldHeap.metrics().get(HeapMetrics.USED_SIZE) > 0, "the held buffer is still the old heap's");
                if (mapping != null) {
                    mapping.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 7);
                }
            } finally {
                held.close(); // with the mapping open, deleteVmo waits for it
                if (mapping != null) {
                    mapping.close();
                }
            }
            awaitTrue("the old " + heap + " heap got its memory back",
                    () -> oldHeap.metrics().get(HeapMetrics.USED_SIZE) == 0);
            context.ungetService(metricsReference);
        }
    }

    @Test
    void anUpdatedWebConsoleServesItsPagesAndLeavesNothingThatKeepsItsOldClasses() throws Exception {
        awaitTrue("/metrics answers", () -> status("/metrics", null, null) == 200);
        assertTrue(get("/metrics", null, null).body().contains("heap_allocations_total"), "the heaps' metrics");
        awaitTrue("the heaps page asks for a password", () -> status("/system/console/heaps", null, null) == 401);
        WeakReference<ClassLoader> old = updateAndRefresh("heap.webconsole");
        awaitTrue("/metrics answers again", () -> status("/metrics", null, null) == 200);
        awaitTrue("the heaps page is back", () -> status("/system/console/heaps", null, null) == 401);
        assertTrue(get("/metrics", null, null).body().contains("heap_allocations_total"), "the heaps' metrics");
        assertCollected(old, "the updated web console bundle's old classes are still reachable");
    }

    @Test
    void updatedHealthChecksRunAndLeaveNothingThatKeepsTheirOldClasses() throws Exception {
        assertEquals(HEAP_CHECKS, awaitHeapChecks(), "the heap health checks before the update");
        WeakReference<ClassLoader> old = updateAndRefresh("heap.health");
        assertEquals(HEAP_CHECKS, awaitHeapChecks(), "the heap health checks after the update");
        assertCollected(old, "the updated health bundle's old classes are still reachable");
    }

    /** How many heap health checks ran, once all of them are registered. */
    private int awaitHeapChecks() {
        return awaitValue("the heap health checks", () -> {
            ServiceReference<HealthCheckExecutor> reference = context.getServiceReference(HealthCheckExecutor.class);
            if (reference == null) {
                return null;
            }
            HealthCheckExecutor executor = context.getService(reference);
            try {
                int ran = executor.execute(HealthCheckSelector.tags("heap")).size();
                return ran == HEAP_CHECKS ? ran : null;
            } finally {
                context.ungetService(reference);
            }
        });
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

    private long activeServiceId(HeapId heap) {
        return allocator().heaps().stream()
                .filter(status -> status.id().equals(heap) && status.state() == HeapState.ACTIVE)
                .mapToLong(status -> status.serviceId()).findFirst().orElse(-1);
    }

    /** One buffer served by {@code heap}; its collection's id. */
    private long allocateOnePage(HeapId heap) {
        try (BufferCollection collection = allocator().allocate(onePageOn(heap))) {
            assertEquals(heap, allocator().collections().stream().filter(summary -> summary.id() == collection.id())
                    .findFirst().orElseThrow().servedBy());
            return collection.id();
        }
    }

    /** A request the given heap serves: one page (the contiguous pool's settings name SYSTEM_RAM, as in sysmem). */
    private static AllocationRequest onePageOn(HeapId heap) {
        boolean secure = heap.equals(HeapId.SECURE);
        return request(1, size(PAGE).secureRequired(secure)
                .physicallyContiguousRequired(heap.equals(HeapId.CONTIGUOUS_SYSTEM_RAM)).build(), !secure);
    }

    /** The platform bundle that provides {@code heap}. */
    private static String bundleOf(HeapId heap) {
        return heap.equals(HeapId.SYSTEM_RAM) ? "heap.system-ram"
                : heap.equals(HeapId.SECURE) ? "heap.secure" : "heap.contiguous";
    }
}
