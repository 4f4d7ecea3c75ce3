package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.allocator.BufferCollection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.service.cm.Configuration;
import org.osgi.test.common.annotation.Property;
import org.osgi.test.common.annotation.config.InjectConfiguration;
import org.osgi.test.common.annotation.config.WithConfiguration;
import org.osgi.test.junit5.cm.ConfigurationExtension;

/** Reconfiguring the contiguous pool through ConfigAdmin replaces the pool; old buffers drain first. */
@ExtendWith(ConfigurationExtension.class)
class ConfigAdminTest extends FrameworkTestSupport {

    @AfterEach
    void restoreTheDefaultPool() throws Exception {
        resetContiguousPool();
    }

    @Test
    void aNewPoolSizeReplacesThePoolWhileBuffersFromTheOldOneStayValid() throws Exception {
        configureContiguousPool(16L << 20);
        HeapMetrics oldPool = heapMetrics(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType());
        long oldBase = oldPool.metrics().get("pool_base_address");
        BufferCollection old = allocator().allocate(request(1, size(1 << 20).physicallyContiguousRequired(true).build(), true));
        fill(old.buffers().get(0), (byte) 0x11);

        configureContiguousPool(32L << 20);
        HeapMetrics newPool = heapMetrics(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType());
        assertEquals(32L << 20, newPool.metrics().get(HeapMetrics.CAPACITY));
        assertTrue(holds(old.buffers().get(0), (byte) 0x11), "a buffer of the old pool changed");
        assertEquals(0, oldPool.metrics().get("pool_released"), "the old pool is kept while a buffer uses it");

        try (BufferCollection fresh = allocator().allocate(request(1, size(1 << 20).physicallyContiguousRequired(true).build(), true))) {
            long address = fresh.buffers().get(0).physicalAddress().orElseThrow();
            long newBase = newPool.metrics().get("pool_base_address");
            assertTrue(address >= newBase && address < newBase + (32L << 20), "new buffers come from the new pool");
            assertTrue(address < oldBase || address >= oldBase + (16L << 20));
        }
        old.close();
        awaitTrue("the old pool is released once its last buffer is gone", () -> oldPool.metrics().get("pool_released") == 1);
    }

    /** A bad value is refused; the heap keeps running with the previous valid one, never vanishes. */
    @Test
    @WithConfiguration(pid = "heap.contiguous", location = "?", properties = {
        @Property(key = "pool.size.bytes", value = "16777216", scalar = Property.Scalar.Long),
        @Property(key = "guard.pages.per.buffer", value = "true", scalar = Property.Scalar.Boolean)})
    void anInvalidPoolSizeIsRefusedAndTheHeapKeepsItsPreviousPool(
            @InjectConfiguration("heap.contiguous") Configuration contiguous) throws Exception {
        awaitTrue("the 16 MiB pool active", () -> allocator().heaps().stream().anyMatch(status ->
                status.id().equals(HeapId.CONTIGUOUS_SYSTEM_RAM) && Long.valueOf(16L << 20).equals(
                        status.metrics().get(HeapMetrics.CAPACITY))));
        for (Object bad : new Object[] {"banana", 100L, -1L}) {
            java.util.Dictionary<String, Object> properties = new java.util.Hashtable<>();
            properties.put("pool.size.bytes", bad);
            properties.put("guard.pages.per.buffer", "maybe");
            properties.put("pool.sise.bytes", 1L << 20); // misspelt: warned about, ignored
            contiguous.update(properties);
            sleep(300); // a refused change must not take the heap down, not even for a moment after the update
            awaitTrue("still active with the 16 MiB pool after pool.size.bytes=" + bad, () -> allocator().heaps().stream()
                    .anyMatch(status -> status.id().equals(HeapId.CONTIGUOUS_SYSTEM_RAM)
                            && status.state() == heap.api.allocator.HeapState.ACTIVE
                            && Long.valueOf(16L << 20).equals(status.metrics().get(HeapMetrics.CAPACITY))));
            try (BufferCollection still = allocator().allocate(request(1, size(1 << 20)
                    .physicallyContiguousRequired(true).build(), true))) {
                assertEquals(1, still.buffers().size());
            }
        }
    }
}
