package heap.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.SysmemError;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import heap.api.allocator.QuotaStatus;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import heap.registry.FakeHeap.Fault;
import java.lang.foreign.ValueLayout;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Bundle-scoped views of one registry: ownership, reclaim when a bundle stops, adoption, accounting, quotas. */
class AllocatorViewTest extends RegistryTestSupport {
    private static final long MIB = 1L << 20;

    private OwnerStatus owner(long bundleId) {
        return registry.owners().stream().filter(o -> o.bundleId() == bundleId).findFirst().orElseThrow();
    }

    private static OwnerHeapUsage on(OwnerStatus owner, HeapId heap) {
        return owner.heaps().stream().filter(u -> u.heap().equals(heap)).findFirst().orElseThrow();
    }

    @Test
    void aStoppedBundlesBuffersGoBackAtOnceWithoutTheGarbageCollector() {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        BufferCollection collection = client.allocate(request(4, size(MIB).build(), true));
        Vmo child = collection.buffers().get(0).createSlice(0, PAGE);
        VmoMapping shared = collection.buffers().get(1).mapShared(0, PAGE, true);
        assertEquals(4 * MIB, heap.outstandingBytes.get());
        assertEquals("client 1.0.0 [7]", registry.collections().get(0).owner());
        assertEquals(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 4, 4 * MIB, 4 * MIB, 0, 0, 0),
                on(owner(7), HeapId.SYSTEM_RAM));

        registry.release(client);

        assertEquals(0, heap.outstandingBytes.get(), "handles, the child and the shared mapping were closed");
        assertTrue(child.isClosed() && shared.isClosed());
        OwnerStatus stopped = owner(7);
        assertTrue(stopped.stopped());
        assertEquals(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 0, 0, 4 * MIB, 0, 4, 4 * MIB), on(stopped, HeapId.SYSTEM_RAM));
        assertTrue(registry.collections().isEmpty());
    }

    /** A bundle is charged for what it holds: the charge ends when its last handle closes, not when the heap answers. */
    @Test
    void aClosedBuffersChargeEndsAtOnceEvenWhileItsHeapHasNotAnsweredDeleteVmo() {
        FakeHeap mute = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NEVER_ANSWERS_DELETE);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        client.allocate(request(2, size(MIB).build(), true)).close();
        assertEquals(2, mute.deletes.get());
        assertEquals(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 0, 0, 2 * MIB, 0, 0, 0), on(owner(7), HeapId.SYSTEM_RAM));
        assertEquals(2, status(mute).liveBuffers(), "the heap still has them until it answers or the limit passes");
    }

    /** A heap may hand out more than asked (its own granularity): the bundle is charged and freed the size it asked. */
    @Test
    void aBufferIsChargedAndFreedAtItsCollectionsSizeWhateverTheHeapRoundedItTo() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.ROUNDS_UP);
        BufferAllocator producer = registry.view(7, "producer", "1.0.0");
        BufferAllocator consumer = registry.view(8, "consumer", "1.0.0");
        BufferCollection collection = producer.allocate(request(2, size(MIB).build(), true));
        assertEquals(MIB + PAGE, collection.buffers().get(0).size(), "the heap's larger VMO is what clients see");
        Vmo passed = collection.buffers().get(0);
        consumer.adopt(passed);
        assertEquals(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 1, MIB, 2 * MIB, 0, 0, 0), on(owner(7), HeapId.SYSTEM_RAM));
        assertEquals(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 1, MIB, MIB, 0, 0, 0), on(owner(8), HeapId.SYSTEM_RAM));
        collection.close();
        assertEquals(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 0, 0, 2 * MIB, 0, 0, 0), on(owner(7), HeapId.SYSTEM_RAM));
        assertEquals(new OwnerHeapUsage(HeapId.SYSTEM_RAM, 0, 0, MIB, 0, 0, 0), on(owner(8), HeapId.SYSTEM_RAM));
        assertEquals(List.of(), registry.collections(), "listed by its payer, unlisted whoever was charged last");
    }

    @Test
    void anAdoptedBufferSurvivesTheSendersStopAndCountsAgainstTheAdopter() {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator producer = registry.view(7, "producer", "1.0.0");
        BufferAllocator consumer = registry.view(8, "consumer", "1.0.0");
        BufferCollection collection = producer.allocate(request(2, size(MIB).build(), true));
        Vmo passed = collection.buffers().get(0).duplicate();
        consumer.adopt(passed);
        assertEquals(1, on(owner(8), HeapId.SYSTEM_RAM).liveBuffers());
        assertEquals(1, on(owner(7), HeapId.SYSTEM_RAM).liveBuffers());

        registry.release(producer);

        assertEquals(MIB, heap.outstandingBytes.get(), "the adopted buffer is still there");
        assertFalse(passed.isClosed());
        assertTrue(registry.collections().get(0).ownerStopped(), "the collection's allocating bundle stopped");
        registry.release(consumer);
        assertEquals(0, heap.outstandingBytes.get());
        assertEquals(1, on(owner(8), HeapId.SYSTEM_RAM).reclaimedBuffers());
        assertEquals(List.of(), registry.collections(), "the adopter's free unlists the producer's collection");
    }

    @Test
    void aConfinedMappingOpenAtStopHoldsItsMemoryBackUntilItCloses() {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        BufferCollection collection = client.allocate(request(2, size(MIB).build(), true));
        VmoMapping confined = collection.buffers().get(0).map(0, PAGE, true);

        registry.release(client);

        assertEquals(MIB, heap.outstandingBytes.get(), "held back, never handed to another tenant");
        assertEquals(MIB, owner(7).heldBackBytes());
        assertEquals(1, owner(7).heldBackBuffers());
        assertTrue(registry.collections().get(0).ownerStopped());
        confined.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        confined.close();
        assertEquals(0, heap.outstandingBytes.get());
        assertEquals(0, owner(7).heldBackBytes());
        assertEquals(2, on(owner(7), HeapId.SYSTEM_RAM).reclaimedBuffers());
    }

    @Test
    void aBundleThatComesBackGetsAFreshOwnerAndKeepsItsHistory() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator first = registry.view(7, "client", "1.0.0");
        first.allocate(request(1, size(MIB).build(), true));
        registry.release(first);
        BufferAllocator again = registry.view(7, "client", "1.0.1");
        try (BufferCollection collection = again.allocate(request(1, size(MIB).build(), true))) {
            assertFalse(owner(7).stopped());
            assertEquals(1, on(owner(7), HeapId.SYSTEM_RAM).reclaimedBuffers());
            assertEquals(1, on(owner(7), HeapId.SYSTEM_RAM).liveBuffers());
        }
    }

    /** Seen under churn: a bundle stopping while its allocation is in the heap; the buffer is deleted exactly once. */
    @Test
    void aBundleStoppingMidAllocationGetsAClearErrorAndItsBufferIsDeletedOnce() {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.CALLS_BACK);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        heap.callBack = ignored -> registry.release(client); // the bundle stops while the heap allocates
        assertTrue(assertError(SysmemError.UNSPECIFIED, () -> client.allocate(request(1, size(PAGE).build(), true)))
                .getMessage().contains("stopped while allocating"));
        assertEquals(1, heap.deletes.get(), "deleteVmo exactly once");
        assertEquals(0, status(heap).failures(), "no deleteVmo of a closed handle");
        assertEquals(0, heap.outstandingBytes.get());
        assertEquals(0, status(heap).liveBuffers());
        assertError(SysmemError.UNSPECIFIED, () -> client.allocate(request(1, size(PAGE).build(), true)));
    }

    @Test
    void aViewLetGoWhileTheRegistryStopsReclaimsNothing() {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        BufferCollection collection = client.allocate(request(1, size(MIB).build(), true));
        registry.stop();
        registry.release(client);
        assertEquals(MIB, heap.outstandingBytes.get(), "a registry restart leaves clients' buffers valid");
        collection.close();
    }

    @Test
    void adoptRefusesNullAndClosedHandlesAndChangesNothing() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator producer = registry.view(7, "producer", "1.0.0");
        BufferAllocator consumer = registry.view(8, "consumer", "1.0.0");
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> consumer.adopt(null));
        BufferCollection collection = producer.allocate(request(1, size(PAGE).build(), true));
        Vmo closed = collection.buffers().get(0).duplicate();
        closed.close();
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> consumer.adopt(closed));
        registry.release(consumer);
        assertError(SysmemError.PROTOCOL_DEVIATION, () -> consumer.adopt(collection.buffers().get(0)));
        assertEquals(1, on(owner(7), HeapId.SYSTEM_RAM).liveBuffers(), "still the producer's");
        collection.close();
    }

    @Test
    void aQuotaRefusesWhatGoesBeyondItNamingTheFiguresAndAppliesLiveChanges() {
        FakeHeap heap = add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator client = registry.view(7, "com.example.camera", "1.0.0");
        BufferAllocator other = registry.view(8, "com.other", "1.0.0");
        registry.putQuota(new Quota("heap.quota~cam", "com.example.*", Optional.empty(), 2 * MIB, -1));
        BufferCollection first = client.allocate(request(2, size(MIB).build(), true));
        String refusal = assertError(SysmemError.NO_MEMORY, () -> client.allocate(request(1, size(MIB).build(), true)))
                .getMessage();
        for (String part : new String[] {"heap.quota~cam", "com.example.*", "2097152 bytes", "com.example.camera",
                "holds 2097152 bytes in 2 buffers", "asked for 1048576 bytes in 1 more"}) {
            assertTrue(refusal.contains(part), refusal + " names " + part);
        }
        assertEquals(2 * MIB, heap.outstandingBytes.get(), "nothing was allocated for the refused request");
        assertEquals(1, on(owner(7), HeapId.SYSTEM_RAM).allocationsFailed());
        other.allocate(request(3, size(MIB).build(), true)).close(); // another bundle is not limited

        registry.putQuota(new Quota("heap.quota~cam", "com.example.*", Optional.empty(), 3 * MIB, -1));
        BufferCollection second = client.allocate(request(1, size(MIB).build(), true));
        registry.putQuota(new Quota("heap.quota~cam", "com.example.*", Optional.of("some.other.heap"), 0, 0));
        BufferCollection third = client.allocate(request(1, size(MIB).build(), true)); // only other heaps limited
        registry.removeQuota("heap.quota~cam");
        BufferCollection fourth = client.allocate(request(4, size(MIB).build(), true));
        for (BufferCollection c : new BufferCollection[] {first, second, third, fourth}) {
            c.close();
        }
        assertEquals(8 * MIB, on(owner(7), HeapId.SYSTEM_RAM).peakBytes());
    }

    @Test
    void theQuotasInForceAreListedByPidWithTheBundlesTheyLimitAndAChangeOrRemovalShowsAtOnce() {
        registry.view(7, "com.example.camera", "1.0.0");
        registry.view(8, "com.example.audio", "1.0.0");
        registry.view(9, "com.other", "1.0.0");
        assertEquals(List.of(), registry.quotas());
        registry.putQuota(new Quota("heap.quota~other", "com.other", Optional.of(HeapId.SYSTEM_RAM_TYPE), -1, 4));
        registry.putQuota(new Quota("heap.quota~cam", "com.example.*", Optional.empty(), 2 * MIB, -1));
        assertEquals(List.of(
                new QuotaStatus("heap.quota~cam", "com.example.*", null, 2 * MIB, -1,
                        List.of("com.example.audio", "com.example.camera"), null),
                new QuotaStatus("heap.quota~other", "com.other", HeapId.SYSTEM_RAM_TYPE, -1, 4, List.of("com.other"),
                        null)),
                registry.view(9, "com.other", "1.0.0").quotas(), "every bundle's view lists them all");
        registry.putQuota(new Quota("heap.quota~cam", "com.example.c*", Optional.empty(), MIB, 2));
        registry.removeQuota("heap.quota~other");
        assertEquals(List.of(new QuotaStatus("heap.quota~cam", "com.example.c*", null, MIB, 2,
                List.of("com.example.camera"), null)), registry.quotas());
    }

    @Test
    void aBufferQuotaCountsBuffers() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        registry.putQuota(new Quota("q", "client", Optional.of(HeapId.SYSTEM_RAM_TYPE), -1, 3));
        try (BufferCollection held = client.allocate(request(3, size(PAGE).build(), true))) {
            assertTrue(assertError(SysmemError.NO_MEMORY, () -> client.allocate(request(1, size(PAGE).build(), true)))
                    .getMessage().contains("allows 3 buffers"));
        }
    }

    /** What the shell calls a heap (secure, system-ram) names its type in a quota too, rather than limiting nothing. */
    @Test
    void aQuotaNamingAHeapTypeByItsLastPartLimitsThatHeapAndOnlyThat() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        for (String type : new String[] {"system-ram", "SYSTEM_RAM", "System_Ram", HeapId.SYSTEM_RAM_TYPE}) {
            registry.putQuota(new Quota("q", "client", Optional.of(type), -1, 1));
            try (BufferCollection held = client.allocate(request(1, size(PAGE).build(), true))) {
                assertTrue(assertError(SysmemError.NO_MEMORY, () -> client.allocate(request(1, size(PAGE).build(),
                        true))).getMessage().contains("allows 1 buffer: the bundle holds 4096 bytes in 1 buffer and"),
                        "heap.type=" + type + " limits system RAM");
            }
        }
        for (String other : new String[] {"ram", "secure", "HEAP_TYPE.SYSTEM_RAM", "other.SYSTEM_RAM"}) {
            registry.putQuota(new Quota("q", "client", Optional.of(other), -1, 1));
            client.allocate(request(2, size(PAGE).build(), true)).close(); // not this heap's type: no limit here
        }
    }

    /** Which heaps listed now each quota applies to: a heap type that names none (a typo) shows as limiting nothing. */
    @Test
    void eachQuotaListsTheHeapsItCoversNowSoAMistypedHeapTypeShowsItLimitsNothing() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        add(HeapId.SECURE, ALL_DOMAINS, Fault.NONE);
        registry.putQuota(new Quota("heap.quota~a", "client", Optional.of("system-ram"), -1, 1));
        registry.putQuota(new Quota("heap.quota~b", "client", Optional.of("secur"), -1, 1));
        registry.putQuota(new Quota("heap.quota~c", "client", Optional.empty(), -1, 1));
        List<QuotaStatus> quotas = registry.quotas();
        assertEquals(List.of(HeapId.SYSTEM_RAM.toString()), quotas.get(0).heapsCovered());
        assertEquals(List.of(), quotas.get(1).heapsCovered(), "secur names no heap");
        assertEquals(List.of(HeapId.SYSTEM_RAM.toString(), HeapId.SECURE.toString()).stream().sorted().toList(),
                quotas.get(2).heapsCovered(), "every heap listed");
    }

    /** A form (the Web Console's) sends the fields left empty: absent, not a heap type "" or a number "". */
    @Test
    void emptyQuotaValuesAreAbsentOnes() {
        Quota quota = QuotaConfigurations.parse("heap.quota~form", config("bundle", "client", "heap.type", " ",
                "max.bytes", "", "max.buffers", "2"));
        assertEquals(new QuotaStatus("heap.quota~form", "client", null, -1, 2, List.of(), null),
                quota.status(List.of(), null, List.of()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuotaConfigurations.parse("p",
                config("bundle", "client", "max.bytes", "", "max.buffers", ""))).getMessage()
                .contains("limits nothing"));
    }

    @Test
    void malformedQuotaConfigurationsAreRefusedNamingKeyAndValueAndThePreviousQuotaStays() {
        add(HeapId.SYSTEM_RAM, ALL_DOMAINS, Fault.NONE);
        BufferAllocator client = registry.view(7, "client", "1.0.0");
        QuotaConfigurations configurations = new QuotaConfigurations(registry);
        configurations.updated("heap.quota~a", config("bundle", "client", "max.buffers", 1L));
        String[][] bad = {{"max.bytes", "-5", "max.bytes=-5"}, {"max.bytes", "banana", "max.bytes=banana"},
            {"max.buffers", "-2", "max.buffers=-2"}, {"bundle", "client[", "bundle=client["}};
        for (String[] entry : bad) {
            Hashtable<String, Object> properties = config("bundle", "client", "max.buffers", 1L);
            properties.put(entry[0], entry[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QuotaConfigurations.parse("heap.quota~a", properties));
            assertTrue(e.getMessage().contains(entry[2]), e.getMessage());
            configurations.updated("heap.quota~a", properties);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuotaConfigurations.parse("p",
                config("max.bytes", 5L))).getMessage().contains("bundle is missing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuotaConfigurations.parse("p",
                config("bundle", 5L, "max.bytes", 5L))).getMessage().contains("bundle=5 is not a string"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> QuotaConfigurations.parse("p",
                config("bundle", "x"))).getMessage().contains("limits nothing"));
        try (BufferCollection held = client.allocate(request(1, size(PAGE).build(), true))) {
            assertError(SysmemError.NO_MEMORY, () -> client.allocate(request(1, size(PAGE).build(), true)));
        }
        QuotaStatus listed = registry.quotas().get(0);
        assertEquals(1, listed.maxBuffers(), "the quota in force from before is the one listed");
        assertEquals("bundle=client[ is not a glob of a bundle symbolic name (letters, digits, '_', '-', '.', '*', '?')",
                listed.refusal(), "with why its last update was refused");
        configurations.updated("heap.quota~new", config("bundle", "x", "max.bytes", "lots"));
        assertEquals(new QuotaStatus("heap.quota~new", null, null, -1, -1, List.of(),
                "max.bytes=lots is not a whole number of bytes"), registry.quotas().get(1), "refused with none before");
        configurations.updated("heap.quota~a", config("bundle", "client", "max.buffers", 1L));
        assertTrue(registry.quotas().get(0).inForce(), "a good update clears the refusal");
        configurations.deleted("heap.quota~new");
        configurations.deleted("heap.quota~a");
        assertEquals(List.of(), registry.quotas());
        client.allocate(request(2, size(PAGE).build(), true)).close();
    }

    private static Hashtable<String, Object> config(Object... keysAndValues) {
        Hashtable<String, Object> properties = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }
}
