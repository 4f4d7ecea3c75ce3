package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.allocator.BufferCollection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reconfiguring the contiguous pool through ConfigAdmin replaces the pool; old buffers drain first. */
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
}
