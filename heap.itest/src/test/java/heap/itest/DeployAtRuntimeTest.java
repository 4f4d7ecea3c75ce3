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

            collection.close();
            awaitTrue("deleted in the stopped heap", () -> exampleMetrics.metrics().get(HeapMetrics.LIVE_BUFFERS) == 0
                    && exampleMetrics.metrics().get(HeapMetrics.RECLAIMED) == 2);
            awaitTrue("the drained heap leaves the registry", () -> allocator().heaps().stream()
                    .noneMatch(status -> status.id().equals(EXAMPLE)));
        } finally {
            bundle.uninstall();
        }
    }
}
