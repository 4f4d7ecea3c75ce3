package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.HeapState;
import heap.api.vmo.Vmo;
import java.io.File;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

/** A fourth heap bundle, built in this reactor, installed while the framework runs. */
class DeployAtRuntimeTest extends FrameworkTestSupport {
    private static final HeapId EXAMPLE = new HeapId("example.heap.BOUNDED", 0);

    @Test
    void aHeapBundleInstalledAtRuntimeBecomesRoutableAndItsBuffersOutliveItsStop() throws Exception {
        File jar = new File(context.getProperty("heap.example.jar"));
        assertTrue(jar.isFile(), "the example heap bundle was not built: " + jar);
        Bundle bundle = context.installBundle(jar.toURI().toString());
        try {
            bundle.start();
            awaitActive(EXAMPLE);
            javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            javax.management.ObjectName exampleBean = new javax.management.ObjectName(
                    "heap.platform:type=Heap,heapType=\"example.heap.BOUNDED\",id=0,*");
            awaitTrue("the example heap's MBean appears", () -> jmx.queryNames(exampleBean, null).size() == 1);
            javax.management.ObjectName bean = jmx.queryNames(exampleBean, null).iterator().next();
            HeapMetrics exampleMetrics = heapMetrics(EXAMPLE.heapType());
            BufferCollection collection = allocator().allocate(request(2, size(PAGE).permittedHeaps(EXAMPLE).build(), true));
            assertEquals(EXAMPLE, collection.settings().bufferSettings().heap());
            collection.buffers().forEach(buffer -> fill(buffer, (byte) 0x42));

            bundle.stop();
            awaitTrue("the stopped heap is draining", () -> allocator().heaps().stream()
                    .anyMatch(status -> status.id().equals(EXAMPLE) && status.state() == HeapState.DRAINING));
            SysmemException gone = assertThrows(SysmemException.class, () -> allocator().allocate(
                    request(1, size(PAGE).permittedHeaps(EXAMPLE).build(), true)));
            assertEquals(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, gone.error());
            for (Vmo buffer : collection.buffers()) {
                assertTrue(holds(buffer, (byte) 0x42), "a buffer of the stopped heap lost its bytes");
                fill(buffer, (byte) 0x43);
            }
            assertEquals(2, exampleMetrics.metrics().get(HeapMetrics.LIVE_BUFFERS));
            assertEquals("draining", jmx.getAttribute(bean, "State"), "JMX shows the truth after the stop");
            assertEquals(2L, jmx.getAttribute(bean, "LiveBuffers"));

            collection.close();
            awaitTrue("deleted in the stopped heap", () -> exampleMetrics.metrics().get(HeapMetrics.LIVE_BUFFERS) == 0
                    && exampleMetrics.metrics().get(HeapMetrics.RECLAIMED) == 2);
            awaitTrue("the drained heap leaves the registry", () -> allocator().heaps().stream()
                    .noneMatch(status -> status.id().equals(EXAMPLE)));
            assertTrue(!jmx.isRegistered(bean), "its MBean went with it");
            assertTrue(jmx.isRegistered(new javax.management.ObjectName("heap.platform:type=Registry")));
        } finally {
            bundle.uninstall();
        }
    }
}
