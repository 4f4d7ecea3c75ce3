package heap.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.OwnerStatus;
import heap.api.allocator.QuotaStatus;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.service.cm.Configuration;

/**
 * Real client bundles, installed from bytes the test writes, use the allocator through their own bundle context:
 * what they hold comes back when they stop, are updated or uninstalled — with no garbage collection asked for.
 */
class OwnershipInFrameworkTest extends FrameworkTestSupport {
    private static final long MIB = 1L << 20;
    /** What a churn client leaves to its bundle's stop between updates (two clients' use peaked at 194-234 MiB). */
    private static final long LEFT_TO_STOP_PER_CLIENT = 64 * MIB;

    private long contiguousUsed() {
        return heapMetrics(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType()).metrics().get(HeapMetrics.USED_SIZE);
    }

    private static heap.api.BufferMemoryConstraints contiguous(long bytes) {
        return size(bytes).physicallyContiguousRequired(true).build();
    }

    private OwnerStatus ownerStatus(Bundle bundle) {
        return allocator().owners().stream().filter(o -> o.bundleId() == bundle.getBundleId()).findFirst()
                .orElseThrow(() -> new AssertionError("no owner row for " + bundle));
    }

    private static void awaitWithin(long millis, String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within " + millis + " ms");
            sleep(5);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stop", "update", "uninstall"})
    void aClientThatGoesAwayWithoutClosingGivesItsPoolMemoryBackWithinASecond(String how) throws Exception {
        awaitActive(HeapId.CONTIGUOUS_SYSTEM_RAM);
        long before = contiguousUsed();
        Bundle client = startClient("itest.client." + how);
        BufferCollection collection = viewOf(client).allocate(request(4, contiguous(8 * MIB), true));
        collection.buffers().forEach(buffer -> fill(buffer, (byte) 0x33));
        assertEquals(before + 32 * MIB, contiguousUsed());

        switch (how) {
            case "stop" -> client.stop();
            case "update" -> client.update(clientJar("itest.client." + how, "1.0.1"));
            default -> client.uninstall();
        }

        awaitWithin(1000, "the pool's used_size back at " + before + " after " + how, () -> contiguousUsed() == before);
        assertTrue(collection.buffers().stream().allMatch(Vmo::isClosed), "the client's handles were closed");
        assertTrue(allocator().collections().stream().noneMatch(c -> c.id() == collection.id()));
    }

    @Test
    void aBufferAdoptedByASecondBundleSurvivesTheFirstsStopAndGoesWithTheSeconds() throws Exception {
        awaitActive(HeapId.CONTIGUOUS_SYSTEM_RAM);
        long before = contiguousUsed();
        Bundle producer = startClient("itest.producer");
        Bundle consumer = startClient("itest.consumer");
        BufferCollection collection = viewOf(producer).allocate(request(2, contiguous(4 * MIB), true));
        Vmo passed = collection.buffers().get(1).duplicate();
        fill(passed, (byte) 0x44);
        viewOf(consumer).adopt(passed);

        producer.stop();
        awaitWithin(1000, "the producer's own buffer back", () -> contiguousUsed() == before + 4 * MIB);
        assertTrue(holds(passed, (byte) 0x44), "the adopted buffer kept its bytes");
        assertEquals(1, ownerStatus(consumer).liveBuffers());

        consumer.stop();
        awaitWithin(1000, "the adopted buffer back after the consumer's stop", () -> contiguousUsed() == before);
        assertTrue(passed.isClosed());
    }

    @Test
    void aConfinedMappingOpenAtStopHoldsItsMemoryBackAndItIsNeverReusedMeanwhile() throws Exception {
        awaitActive(HeapId.CONTIGUOUS_SYSTEM_RAM);
        long before = contiguousUsed();
        Bundle client = startClient("itest.confined");
        BufferCollection collection = viewOf(client).allocate(request(1, contiguous(8 * MIB), true));
        Vmo buffer = collection.buffers().get(0);
        long address = buffer.physicalAddress().orElseThrow();
        VmoMapping mapping = buffer.map(0, 8 * MIB, true); // this thread plays the client's thread
        mapping.segment().fill((byte) 0x55);

        client.stop();

        OwnerStatus stopped = ownerStatus(client);
        assertTrue(stopped.stopped());
        assertEquals(8 * MIB, stopped.heldBackBytes());
        assertEquals(before + 8 * MIB, contiguousUsed(), "held back");
        try (BufferCollection other = allocator().allocate(request(4, contiguous(8 * MIB), true))) {
            for (Vmo each : other.buffers()) {
                long start = each.physicalAddress().orElseThrow();
                assertTrue(start + 8 * MIB <= address || start >= address + 8 * MIB, "held-back memory reused");
                fill(each, (byte) 0x66);
            }
            assertEquals(0x55, mapping.segment().get(ValueLayout.JAVA_BYTE, 8 * MIB - 1));
        }
        mapping.close();
        awaitWithin(1000, "the held-back buffer back once its mapping closed", () -> contiguousUsed() == before);
        assertEquals(0, ownerStatus(client).heldBackBytes());
    }

    @Test
    void aQuotaFromConfigAdminLimitsMatchingBundlesAndFollowsLiveChanges() throws Exception {
        awaitActive(HeapId.CONTIGUOUS_SYSTEM_RAM);
        Bundle client = startClient("itest.quota.camera");
        BufferAllocator view = viewOf(client);
        Configuration quota = configurationAdmin().getFactoryConfiguration("heap.quota", "camera", "?");
        try {
            quota.update(quotaProperties(16 * MIB));
            awaitTrue("the quota in force, as every view lists it", () -> view.quotas().equals(List.of(new QuotaStatus(
                    "heap.quota~camera", "itest.quota.*", HeapId.CONTIGUOUS_SYSTEM_RAM.heapType(), 16 * MIB, -1,
                    List.of("itest.quota.camera"), null, List.of(HeapId.CONTIGUOUS_SYSTEM_RAM.toString())))));
            SysmemException overQuota = org.junit.jupiter.api.Assertions.assertThrows(SysmemException.class,
                    () -> view.allocate(request(3, contiguous(8 * MIB), true)));
            assertTrue(overQuota.getMessage().contains("heap.quota~camera"), overQuota.getMessage());
            BufferCollection held = view.allocate(request(2, contiguous(8 * MIB), true));
            SysmemException refused = org.junit.jupiter.api.Assertions.assertThrows(SysmemException.class,
                    () -> view.allocate(request(1, contiguous(8 * MIB), true)));
            assertEquals(SysmemError.NO_MEMORY, refused.error());
            assertTrue(refused.getMessage().contains("itest.quota.camera"), refused.getMessage());

            quota.update(quotaProperties(24 * MIB));
            BufferCollection more = awaitValue("the raised quota", () -> {
                try {
                    return view.allocate(request(1, contiguous(8 * MIB), true));
                } catch (SysmemException e) {
                    return null;
                }
            });
            more.close();
            held.close();
        } finally {
            quota.delete();
        }
        awaitTrue("the quota removed", () -> view.quotas().isEmpty());
        view.allocate(request(5, contiguous(8 * MIB), true)).close();
        assertTrue(ownerStatus(client).heaps().get(0).allocationsFailed() >= 2);
    }

    private static Dictionary<String, Object> quotaProperties(long maxBytes) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("bundle", "itest.quota.*");
        properties.put("heap.type", HeapId.CONTIGUOUS_SYSTEM_RAM.heapType());
        properties.put("max.bytes", maxBytes);
        return properties;
    }

    @Test
    void twoClientsUpdatedOverAndOverUnderLoadLeakNothingAndNeverFailEachOther() throws Exception {
        awaitActive(HeapId.CONTIGUOUS_SYSTEM_RAM);
        long before = contiguousUsed();
        long capacity = heapMetrics(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType()).metrics().get(HeapMetrics.CAPACITY);
        long free = capacity - before;
        assertTrue(free >= 5 * LEFT_TO_STOP_PER_CLIENT, "the contiguous pool has " + free / MIB
                + " MiB free; two churn clients need up to " + 5 * LEFT_TO_STOP_PER_CLIENT / MIB);
        Bundle[] clients = {startClient("itest.churn.a"), startClient("itest.churn.b")};
        BufferAllocator[] views = {viewOf(clients[0]), viewOf(clients[1])};
        boolean[] updating = new boolean[2];
        AtomicLong allocations = new AtomicLong();
        AtomicLong foreignFailures = new AtomicLong();
        AtomicReference<RuntimeException> firstForeignFailure = new AtomicReference<>();
        AtomicLong updates = new AtomicLong();
        AtomicLong peakUsed = new AtomicLong(before);
        long end = System.nanoTime() + 30_000_000_000L;
        Thread[] load = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int me = i;
            load[i] = Thread.ofPlatform().name("churn-" + i).start(() -> {
                java.util.ArrayDeque<BufferCollection> held = new java.util.ArrayDeque<>();
                java.util.Random random = new java.util.Random(me);
                BufferAllocator leftTo = null;
                long leftBytes = 0;
                while (System.nanoTime() < end) {
                    BufferAllocator view;
                    boolean mine;
                    synchronized (updating) {
                        view = views[me];
                        mine = updating[me];
                    }
                    if (view != leftTo) {
                        leftTo = view;
                        leftBytes = 0;
                    }
                    try {
                        BufferCollection collection = view.allocate(request(1 + random.nextInt(2),
                                contiguous((1 + random.nextInt(4)) * MIB), true));
                        allocations.incrementAndGet();
                        collection.buffers().get(0).write(0, java.lang.foreign.MemorySegment.ofArray(new byte[] {1}));
                        held.add(collection);
                        if (held.size() > 3) {
                            BufferCollection oldest = held.poll();
                            long bytes = oldest.buffers().stream().mapToLong(Vmo::size).sum();
                            // Half is left to the bundle's stop, up to a budget: how fast this machine allocates
                            // between two updates must not decide whether the pool runs dry.
                            if (random.nextBoolean() && leftBytes + bytes <= LEFT_TO_STOP_PER_CLIENT) {
                                leftBytes += bytes;
                            } else {
                                oldest.close();
                            }
                        }
                    } catch (RuntimeException e) {
                        synchronized (updating) {
                            if (!mine && !updating[me] && views[me] == view) {
                                foreignFailures.incrementAndGet();
                                firstForeignFailure.compareAndSet(null, e);
                                System.err.println("churn client " + me + " failed outside its own update: " + e);
                            }
                        }
                    }
                }
            });
        }
        for (int round = 0; System.nanoTime() < end; round++) {
            int victim = round % 2;
            synchronized (updating) {
                updating[victim] = true;
            }
            clients[victim].update(clientJar("itest.churn." + (victim == 0 ? "a" : "b"), "1.0." + round));
            BufferAllocator fresh = viewOf(clients[victim]);
            updates.incrementAndGet();
            sleep(100);
            synchronized (updating) {
                views[victim] = fresh;
                updating[victim] = false;
            }
            peakUsed.accumulateAndGet(contiguousUsed(), Math::max);
            sleep(100);
            peakUsed.accumulateAndGet(contiguousUsed(), Math::max);
        }
        for (Thread thread : load) {
            thread.join();
        }
        clients[0].stop();
        clients[1].stop();
        awaitWithin(1000, "every byte back after both clients stopped", () -> contiguousUsed() == before);
        assertEquals(0, foreignFailures.get(), "a client failed while only the other was being updated, first: "
                + firstForeignFailure.get());
        assertTrue(updates.get() >= 50, "updates: " + updates.get());
        System.out.println("ownership churn: " + updates.get() + " updates, " + allocations.get()
                + " allocations in 30 s, 0 bytes leaked, pool use peaked at " + (peakUsed.get() - before) / MIB + " MiB");
        assertNotNull(clients[0]);
        assertFalse(allocations.get() == 0);
    }
}
