package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.HeapStatus;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectService;

/**
 * Several instances of one heap: one per factory configuration (deploy/heap.secure-NAME.cfg), each numbered by its
 * heap.id, and a heap's new configuration starting a new instance while the old one drains. A physical address names
 * memory to a device, so no two live buffers of any instances ever report the same one.
 */
class HeapInstancesTest extends FrameworkTestSupport {
    @InjectService(timeout = 15_000)
    ServiceComponentRuntime components;

    private static final HeapId SECURE_1 = new HeapId(HeapId.SECURE.heapType(), 1);
    private static final HeapId SECURE_2 = new HeapId(HeapId.SECURE.heapType(), 2);

    @AfterEach
    void backToTheOneDefaultSecureHeap() throws Exception {
        Configuration[] left = configurationAdmin().listConfigurations("(|(service.factoryPid=heap.secure)(service.pid=heap.secure))");
        for (Configuration configuration : left == null ? new Configuration[0] : left) {
            configuration.delete();
        }
        awaitActive(HeapId.SECURE);
    }

    private static Dictionary<String, Object> properties(Object... keysAndValues) {
        Dictionary<String, Object> properties = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }

    private long onlyAddress(BufferCollection collection) {
        return collection.buffers().get(0).physicalAddress().orElseThrow();
    }

    private static boolean inside(long address, HeapStatus heap) {
        long base = heap.metrics().get("protected_range_base");
        return address >= base && address < base + heap.metrics().get(HeapMetrics.CAPACITY);
    }

    @Test
    void twoFactoryConfigurationsRunTwoInstancesWithTheirOwnIdsAndDisjointRanges() throws Exception {
        // As FileInstall reads deploy/heap.secure-a.cfg and -b.cfg: text values; b's capacity is refused, not fatal.
        configurationAdmin().getFactoryConfiguration("heap.secure", "a", "?")
                .update(properties("heap.id", "1", "capacity.bytes", "16777216"));
        configurationAdmin().getFactoryConfiguration("heap.secure", "b", "?")
                .update(properties("heap.id", "2", "capacity.bytes", "banana"));
        HeapStatus first = awaitActive(SECURE_1);
        HeapStatus second = awaitActive(SECURE_2);
        assertEquals(16L << 20, first.metrics().get(HeapMetrics.CAPACITY));
        assertEquals(256L << 20, second.metrics().get(HeapMetrics.CAPACITY), "banana refused: the default capacity");

        try (BufferCollection onFirst = allocator().allocate(request(1, size(PAGE).secureRequired(true)
                .permittedHeaps(SECURE_1).build(), false));
                BufferCollection onSecond = allocator().allocate(request(1, size(PAGE).secureRequired(true)
                        .permittedHeaps(SECURE_2).build(), false))) {
            assertEquals(SECURE_1, onFirst.settings().bufferSettings().heap());
            assertEquals(SECURE_2, onSecond.settings().bufferSettings().heap());
            assertTrue(inside(onlyAddress(onFirst), first) && !inside(onlyAddress(onFirst), second),
                    "0x" + Long.toHexString(onlyAddress(onFirst)) + " is not only in SECURE#1's range: " + first.metrics());
            assertTrue(inside(onlyAddress(onSecond), second) && !inside(onlyAddress(onSecond), first),
                    "0x" + Long.toHexString(onlyAddress(onSecond)) + " is not only in SECURE#2's range: " + second.metrics());
        }
    }

    @Test
    void aNewConfigurationNeverHandsOutAnAddressABufferOfTheOldInstanceStillHas() throws Exception {
        HeapStatus old = awaitActive(HeapId.SECURE);
        HeapMetrics oldMetrics = heapMetrics(HeapId.SECURE.heapType());
        try (BufferCollection held = allocator().allocate(request(1, size(PAGE).secureRequired(true).build(), false))) {
            configurationAdmin().getConfiguration("heap.secure", "?").update(properties("capacity.bytes", 32L << 20));
            awaitTrue("the secure heap restarted with 32 MiB", () -> allocator().heaps().stream().anyMatch(status ->
                    status.id().equals(HeapId.SECURE) && status.state() == heap.api.allocator.HeapState.ACTIVE
                            && Long.valueOf(32L << 20).equals(status.metrics().get(HeapMetrics.CAPACITY))));
            List<BufferCollection> fresh = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) { // the old range's first pages are what a same-base range would reuse
                    fresh.add(allocator().allocate(request(1, size(PAGE).secureRequired(true).build(), false)));
                    long address = onlyAddress(fresh.get(i));
                    assertTrue(!inside(address, old), "0x" + Long.toHexString(address)
                            + " is in the draining instance's range, where 0x" + Long.toHexString(onlyAddress(held))
                            + " is still live: " + old.metrics());
                }
            } finally {
                fresh.forEach(BufferCollection::close);
            }
            assertEquals(0, oldMetrics.metrics().get("protected_range_released"), "a buffer still has an address in it");
        }
        awaitTrue("the old range is given back once its last buffer is gone",
                () -> oldMetrics.metrics().get("protected_range_released") == 1);
    }

    /** A board's carve-out configured for two instances: their buffers would share physical addresses. */
    @Test
    void aSecondInstanceConfiguredOverTheFirstsProtectedRangeFailsToActivateNamingItAndTheFirstServesOn() throws Exception {
        configurationAdmin().getFactoryConfiguration("heap.secure", "a", "?").update(properties("heap.id", "1",
                "capacity.bytes", "16777216", "protected.range.base", "1073741824"));
        awaitActive(SECURE_1);
        configurationAdmin().getFactoryConfiguration("heap.secure", "b", "?").update(properties("heap.id", "2",
                "capacity.bytes", "16777216", "protected.range.base", "1082130432")); // 8 MiB in: overlaps
        String failure = awaitValue("secure#2's activation failure", () -> activationFailure(2));
        assertTrue(failure.contains("the range [0x40800000, 0x41800000) of heap secure#2 overlaps [0x40000000, "
                + "0x41000000), which heap secure#1 holds: give each heap a range of its own"), failure);
        assertTrue(allocator().heaps().stream().noneMatch(status -> status.id().equals(SECURE_2)), "no secure#2 listed");
        try (BufferCollection onFirst = allocator().allocate(request(1, size(PAGE).secureRequired(true)
                .permittedHeaps(SECURE_1).build(), false))) {
            assertEquals(0x4000_0000L, onlyAddress(onFirst));
        }
    }

    /** A carve-out configured over the addresses the kernel gave the contiguous pool: two heaps' buffers would share them. */
    @Test
    void aSecureInstanceConfiguredOverTheContiguousPoolFailsToActivateNamingThePool() throws Exception {
        HeapStatus pool = allocator().heaps().stream().filter(status -> status.id().equals(HeapId.CONTIGUOUS_SYSTEM_RAM))
                .findFirst().orElseThrow();
        long poolBase = pool.metrics().get("pool_base_address");
        configurationAdmin().getFactoryConfiguration("heap.secure", "a", "?").update(properties("heap.id", "1",
                "capacity.bytes", "16777216", "protected.range.base", String.valueOf(poolBase)));
        String failure = awaitValue("secure#1's activation failure", () -> activationFailure(1));
        assertTrue(failure.contains("of heap secure#1 overlaps [0x" + Long.toHexString(poolBase) + ", "), failure);
        assertTrue(failure.contains("which heap contiguous holds"), failure);
        try (BufferCollection contiguous = allocator().allocate(request(1, size(PAGE).physicallyContiguousRequired(true)
                .build(), true))) {
            long address = onlyAddress(contiguous);
            assertTrue(address >= poolBase && address < poolBase + pool.metrics().get(HeapMetrics.CAPACITY),
                    "the pool serves on");
        }
    }

    /**
     * The same carve-out across a new configuration of one heap: the new instance starts over the range the old one
     * drains in, and skips the addresses the old one's live buffer has until that buffer goes.
     */
    @Test
    void aNewConfigurationOverTheSameConfiguredRangeSkipsTheAddressesTheOldInstancesBuffersStillHave() throws Exception {
        configurationAdmin().getConfiguration("heap.secure", "?").update(properties("protected.range.base", 0x4000_0000L,
                "capacity.bytes", 16L << 20));
        awaitTrue("the secure heap over the configured range", () -> allocator().heaps().stream().anyMatch(status ->
                status.id().equals(HeapId.SECURE) && status.state() == heap.api.allocator.HeapState.ACTIVE
                        && Long.valueOf(0x4000_0000L).equals(status.metrics().get("protected_range_base"))));
        HeapMetrics oldMetrics = heapMetrics(HeapId.SECURE.heapType());
        BufferCollection held = allocator().allocate(request(1, size(PAGE).secureRequired(true).build(), false));
        assertEquals(0x4000_0000L, onlyAddress(held));
        configurationAdmin().getConfiguration("heap.secure", "?").update(properties("protected.range.base", 0x4000_0000L,
                "capacity.bytes", 32L << 20));
        awaitTrue("the secure heap restarted with 32 MiB over the same range", () -> allocator().heaps().stream()
                .anyMatch(status -> status.id().equals(HeapId.SECURE) && status.state() == heap.api.allocator.HeapState.ACTIVE
                        && Long.valueOf(32L << 20).equals(status.metrics().get(HeapMetrics.CAPACITY))));
        HeapMetrics newMetrics = heapMetrics(HeapId.SECURE.heapType());
        try (BufferCollection fresh = allocator().allocate(request(1, size(PAGE).secureRequired(true).build(), false))) {
            assertTrue(onlyAddress(fresh) != onlyAddress(held), "0x" + Long.toHexString(onlyAddress(fresh))
                    + " is the old instance's live buffer's address");
            assertEquals(PAGE, newMetrics.metrics().get("protected_range_parked_bytes"), "the old buffer's page, skipped");
        }
        held.close();
        awaitTrue("the old instance drained and ended its claim", () -> oldMetrics.metrics().get("protected_range_released") == 1);
        assertEquals(0, newMetrics.metrics().get("protected_range_parked_bytes"), "the skipped page is free again");
    }

    /** SCR's reason the secure heap instance configured with {@code heapId} failed to activate, or null. */
    private String activationFailure(long heapId) {
        for (ComponentDescriptionDTO description : components.getComponentDescriptionDTOs()) {
            if (description.name.equals("heap.secure.SecureHeapComponent")) {
                for (ComponentConfigurationDTO configuration : components.getComponentConfigurationDTOs(description)) {
                    if (configuration.state == ComponentConfigurationDTO.FAILED_ACTIVATION
                            && String.valueOf(heapId).equals(String.valueOf(configuration.properties.get("heap.id")))) {
                        return configuration.failure;
                    }
                }
            }
        }
        return null;
    }
}
