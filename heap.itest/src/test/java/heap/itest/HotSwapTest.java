package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/** The contiguous heap bundle is updated in place while two threads allocate, write, verify and free. */
class HotSwapTest extends FrameworkTestSupport {
    private static final long POOL = 8L << 20;
    private static final long BUFFER = 64L << 10;

    @AfterEach
    void restoreTheDefaultPool() throws Exception {
        resetContiguousPool();
    }

    @Test
    void theContiguousHeapIsReplacedUnderLoadWithoutLosingOrCorruptingABuffer() throws Exception {
        configureContiguousPool(POOL);
        HeapStatus before = awaitActive(HeapId.CONTIGUOUS_SYSTEM_RAM);
        HeapMetrics oldHeap = heapMetrics(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType());
        BufferCollection heldAcrossTheSwap = allocator().allocate(request(2, size(BUFFER).physicallyContiguousRequired(true).build(), true));
        heldAcrossTheSwap.buffers().forEach(buffer -> fill(buffer, (byte) 0x7E));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong allocations = new AtomicLong();
        AtomicLong noMemory = new AtomicLong();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            byte pattern = (byte) (t + 1);
            workers.add(Thread.ofPlatform().name("hot-swap-load-" + t).start(() -> {
                while (running.get()) {
                    try (BufferCollection collection = allocator().allocate(request(1,
                            size(BUFFER).physicallyContiguousRequired(true).build(), true))) {
                        allocations.incrementAndGet();
                        fill(collection.buffers().get(0), pattern);
                        if (!holds(collection.buffers().get(0), pattern)) {
                            failures.add("buffer of collection " + collection.id() + " corrupted");
                        }
                    } catch (SysmemException e) {
                        if (e.error() == SysmemError.NO_MEMORY) {
                            noMemory.incrementAndGet();
                        } else {
                            failures.add(e.toString());
                        }
                    } catch (RuntimeException e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        sleep(300);
        long allocationsBeforeSwap = allocations.get();
        long swapStarted = System.nanoTime();
        Bundle contiguous = bundle("heap.contiguous");
        contiguous.update();
        CountDownLatch refreshed = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(contiguous),
                event -> { if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) { refreshed.countDown(); } });
        assertTrue(refreshed.await(30, TimeUnit.SECONDS), "framework refresh did not finish");
        HeapStatus after = awaitValue("a new contiguous instance", () -> allocator().heaps().stream()
                .filter(status -> status.id().equals(HeapId.CONTIGUOUS_SYSTEM_RAM) && status.serviceId() != before.serviceId()
                        && status.state() == HeapState.ACTIVE).findFirst().orElse(null));
        long swapMillis = (System.nanoTime() - swapStarted) / 1_000_000;
        long duringSwap = allocations.get() - allocationsBeforeSwap;
        sleep(300);
        running.set(false);
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        System.out.println("hot-swap: " + duringSwap + " allocations during the " + swapMillis + " ms swap, "
                + allocations.get() + " in all, " + noMemory.get() + " NO_MEMORY on the " + POOL + "-byte pool");

        assertEquals(List.of(), failures, "failures other than NO_MEMORY");
        assertNotEquals(before.serviceId(), after.serviceId());
        assertTrue(allocations.get() > allocationsBeforeSwap, "allocations went on after the swap");
        for (var buffer : heldAcrossTheSwap.buffers()) {
            assertTrue(holds(buffer, (byte) 0x7E), "a buffer of the old instance was corrupted across the swap");
        }
        assertEquals(2, oldHeap.metrics().get(HeapMetrics.LIVE_BUFFERS), "the old instance still holds its two buffers");
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName oldBean = bean(before.serviceId());
        javax.management.ObjectName newBean = bean(after.serviceId());
        awaitTrue("JMX shows both instances after the update", () -> jmx.isRegistered(oldBean) && jmx.isRegistered(newBean));
        assertEquals("draining", jmx.getAttribute(oldBean, "State"));
        assertEquals(2L, jmx.getAttribute(oldBean, "LiveBuffers"));
        assertEquals("active", jmx.getAttribute(newBean, "State"));
        heldAcrossTheSwap.close();
        awaitTrue("the old instance drains and releases its pool", () -> oldHeap.metrics().get(HeapMetrics.LIVE_BUFFERS) == 0
                && oldHeap.metrics().get("pool_released") == 1);
        awaitTrue("the drained instance's MBean goes, the new one stays", () -> !jmx.isRegistered(oldBean)
                && jmx.isRegistered(newBean));
    }

    private static javax.management.ObjectName bean(long serviceId) throws javax.management.MalformedObjectNameException {
        return new javax.management.ObjectName("heap.platform:type=Heap,heapType=\"" + HeapId.CONTIGUOUS_SYSTEM_RAM.heapType()
                + "\",id=0,serviceId=" + serviceId);
    }
}
