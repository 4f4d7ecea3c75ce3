package heap.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import heap.api.Heap;
import heap.api.HeapBinding;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.Sizes;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.spi.PhysicalRanges;
import heap.api.spi.Vmos;
import heap.api.vmo.Vmo;
import heap.api.vmo.VmoMapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The conformance checks of the heap contract. Use them from a {@code @TestFactory}:
 *
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicTest> conformance() {
 *     return HeapConformance.tests(HeapUnderTest.of(MY_HEAP_ID, new MyHeap()));
 * }
 * }</pre>
 *
 * Each check cleans up through {@code deleteVmo} (all but the one about reclaiming without it) and ends by
 * asserting the heap is back at the {@code used_size} and {@code live_buffers} it started with. Checks that do
 * not apply (exhaustion on an unbounded heap) are reported as aborted, i.e. skipped.
 */
public final class HeapConformance {
    private static final long PAGE = Sizes.PAGE_SIZE;
    private static final Duration SETTLE = Duration.ofSeconds(5);

    /**
     * How long one check may take before the kit gives up on it (a heap that blocks must not hang the kit): 60 s, or
     * the system property {@code heap.tck.check.timeout.seconds}.
     */
    public static final Duration CHECK_LIMIT = Duration.ofSeconds(Long.getLong("heap.tck.check.timeout.seconds", 60));

    /** One named rule of the contract and the code that checks it. */
    public record Check(String name, String rule, Consumer<HeapUnderTest> body) {
        public void run(HeapUnderTest heap) {
            run(heap, CHECK_LIMIT);
        }

        /** Runs the check on its own thread, failing it if it has not finished within {@code limit}. */
        public void run(HeapUnderTest heap, Duration limit) {
            assertTimeoutPreemptively(limit, () -> body.accept(heap), () -> "check " + name + " did not finish within "
                    + limit.toMillis() + " ms: heap " + heap + " blocks");
        }
    }

    private HeapConformance() {
    }

    public static List<Check> checks() {
        return List.of(
                new Check("onRegisterArrivesExactlyOnceOnBind",
                        "OnRegister is sent once per binding, before bind returns, with every field set",
                        HeapConformance::onRegisterArrivesExactlyOnceOnBind),
                new Check("aHeapDeclaringSecureIsInaccessibleOnly",
                        "a heap whose service says heap.secure=true supports only the inaccessible domain",
                        HeapConformance::aHeapDeclaringSecureIsInaccessibleOnly),
                new Check("propertiesMatchBehaviour",
                        "CPU-accessible heaps map their buffers, inaccessible ones refuse; need_clear=false means zeroed memory",
                        HeapConformance::propertiesMatchBehaviour),
                new Check("vmoIsAChildOfAtLeastTheRequestedSize",
                        "allocateVmo returns a child of a retained parent, at least the page-rounded size",
                        HeapConformance::vmoIsAChildOfAtLeastTheRequestedSize),
                new Check("collectionIdAndIndexAreKeptAsGiven",
                        "the unsigned 64-bit collection id and index are kept exactly",
                        HeapConformance::collectionIdAndIndexAreKeptAsGiven),
                new Check("deleteVmoCompletesOnlyAfterReclaim",
                        "deleteVmo, given the only remaining handle, completes once the buffer's resources are back",
                        HeapConformance::deleteVmoCompletesOnlyAfterReclaim),
                new Check("closingEveryDescendantReclaimsWithoutDeleteVmo",
                        "the heap keeps no handle or mapping of the returned VMO and reclaims on ZERO_CHILDREN alone",
                        HeapConformance::closingEveryDescendantReclaimsWithoutDeleteVmo),
                new Check("unbindingFreesNoBuffer",
                        "closing the binding (the channel) triggers no per-buffer cleanup",
                        HeapConformance::unbindingFreesNoBuffer),
                new Check("exhaustionFailsWithNoMemoryAndRecoversByteForByte",
                        "a bounded heap fails with NO_MEMORY when full and is whole again once everything is freed",
                        HeapConformance::exhaustionFailsWithNoMemoryAndRecoversByteForByte),
                new Check("liveBuffersNeverShareMemoryOrAPhysicalAddress",
                        "buffers alive at once never share memory: each keeps its own bytes, and the physical ranges a heap "
                                + "reports never overlap",
                        HeapConformance::liveBuffersNeverShareMemoryOrAPhysicalAddress),
                new Check("badInputFailsCleanlyWithoutChangingTheHeap",
                        "malformed sizes, settings and deleteVmo arguments fail with a clear status and change nothing",
                        HeapConformance::badInputFailsCleanlyWithoutChangingTheHeap),
                new Check("concurrentAllocateAndFreeKeepCapacityIntact",
                        "two threads allocating and freeing 10,000 buffers each leave capacity intact, each buffer reclaimed once",
                        HeapConformance::concurrentAllocateAndFreeKeepCapacityIntact));
    }

    /** Every check as a named dynamic test. */
    public static Stream<DynamicTest> tests(HeapUnderTest heap) {
        return checks().stream().map(check -> DynamicTest.dynamicTest(check.name(), () -> check.run(heap)));
    }

    /** Every check, grouped under the heap's id: for running the kit against several heap services at once. */
    public static DynamicContainer container(HeapUnderTest heap) {
        return DynamicContainer.dynamicContainer(heap.toString(), tests(heap));
    }

    /**
     * In a framework: {@link #bundleUpdate} first, then every check against the heap service the updated bundle
     * registered (each gets it and ungets it again), and last that the addresses it reports are claimed in the JVM's
     * table ({@link #physicalAddressesClaimedIn}, since 1.4). Grouped under the heap's id.
     * @since 1.2
     */
    public static DynamicContainer container(BundleContext context, ServiceReference<Heap> reference) {
        Map<String, Object> properties = BundleUpdateCheck.propertiesOf(reference);
        HeapId id = HeapId.fromServiceProperties(properties);
        long bundleId = reference.getBundle() == null ? -1 : reference.getBundle().getBundleId();
        Stream<Check> inAFramework = Stream.concat(checks().stream(),
                Stream.of(physicalAddressesClaimedIn(PhysicalRanges.PROCESS)));
        Stream<DynamicTest> checks = inAFramework.map(check -> DynamicTest.dynamicTest(check.name(), () -> {
            ServiceReference<Heap> now = BundleUpdateCheck.current(context, bundleId, id, -1);
            Heap heap = now == null ? null : context.getService(now);
            assertNotNull(heap, "bundle " + bundleId + " registers no heap service " + id);
            try {
                check.run(HeapUnderTest.of(BundleUpdateCheck.propertiesOf(now), heap));
            } finally {
                context.ungetService(now);
            }
        }));
        return DynamicContainer.dynamicContainer(id.toString(), Stream.concat(Stream.of(bundleUpdate(context, reference)),
                checks));
    }

    /**
     * A heap that reports physical addresses has claimed them in {@code ranges} — the table it was given; in a
     * framework the JVM's, {@link PhysicalRanges#PROCESS}, which {@link #container(BundleContext, ServiceReference)}
     * checks — for as long as its buffers live, so no other heap (a carve-out configured over them) hands them out
     * too. Skipped for a heap that reports none.
     * @since 1.4
     */
    public static Check physicalAddressesClaimedIn(PhysicalRanges ranges) {
        return new Check("reportedPhysicalAddressesAreClaimed", "a heap that reports physical addresses has claimed "
                + "them in the JVM's table of physical ranges while its buffers live",
                heap -> reportedPhysicalAddressesAreClaimed(heap, ranges));
    }

    /**
     * In a framework, the hot swap: with a buffer of the heap service {@code reference} held (and mapped, where the
     * CPU may), the heap's bundle is updated from its location and refreshed; the new revision must register the
     * heap again, and the instance from before must still free the buffer. That instance is a fresh one: the bundle
     * is updated once before the buffer is taken, so no class loaded by earlier use hides one its start misses. A
     * heap that loads a class its free path needs only after the update fails it (Felix disposes the old revision at
     * once when nothing is wired to it): see {@link heap.api.spi.BundleClasses}. It replaces the heap's service.
     * @since 1.2
     */
    public static DynamicTest bundleUpdate(BundleContext context, ServiceReference<Heap> reference) {
        return DynamicTest.dynamicTest(BundleUpdateCheck.NAME, () -> assertTimeoutPreemptively(CHECK_LIMIT,
                () -> BundleUpdateCheck.run(context, reference),
                () -> "check " + BundleUpdateCheck.NAME + " did not finish within " + CHECK_LIMIT.toMillis() + " ms"));
    }

    static void onRegisterArrivesExactlyOnceOnBind(HeapUnderTest heap) {
        List<HeapProperties> received = new CopyOnWriteArrayList<>();
        HeapBinding binding = heap.heap().bind(received::add);
        try {
            assertEquals(1, received.size(), "OnRegister events received before bind returned");
            sleep(50);
            assertEquals(1, received.size(), "OnRegister must be sent exactly once per binding");
            HeapProperties properties = received.get(0);
            assertTrue(properties.coherencyDomainSupport().cpuSupported()
                    || properties.coherencyDomainSupport().ramSupported()
                    || properties.coherencyDomainSupport().inaccessibleSupported(), "the heap supports no domain at all");
        } finally {
            binding.close();
        }
        sleep(20);
        assertEquals(1, received.size(), "no OnRegister after the binding closed");
    }

    static void aHeapDeclaringSecureIsInaccessibleOnly(HeapUnderTest heap) {
        if (heap.declaredSecure()) {
            assertTrue(heap.properties().coherencyDomainSupport().onlyInaccessible(), "heap " + heap
                    + " declares heap.secure=true but supports " + heap.properties().coherencyDomainSupport()
                    + ": secure buffers must never be CPU accessible");
        }
    }

    static void propertiesMatchBehaviour(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        HeapProperties properties = heap.properties();
        if (!heap.cpuAccessible()) {
            Vmo vmo = allocate(heap, 2 * PAGE, 1, 0);
            expect(Status.ACCESS_DENIED, () -> vmo.map(0, PAGE, false), "mapping a buffer of a CPU-inaccessible heap");
            expect(Status.ACCESS_DENIED, () -> vmo.read(0, MemorySegment.ofArray(new byte[1])),
                    "reading a buffer of a CPU-inaccessible heap");
            delete(heap, 1, 0, vmo);
        } else {
            // Dirty a few buffers, free them, and look at what the next ones hold: reuse must not leak bytes.
            for (int round = 0; round < 2; round++) {
                List<Vmo> buffers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    buffers.add(allocate(heap, 2 * PAGE, 2, i));
                }
                for (Vmo vmo : buffers) {
                    try (VmoMapping mapping = vmo.map(0, vmo.size(), true)) {
                        if (!properties.needClear()) {
                            long dirty = firstNonZero(mapping.segment());
                            assertEquals(-1, dirty, "heap claims need_clear=false but VMO koid " + vmo.koid()
                                    + " has a non-zero byte at offset " + dirty);
                        }
                        mapping.segment().fill((byte) 0xA5);
                    }
                }
                for (int i = 0; i < buffers.size(); i++) {
                    delete(heap, 2, i, buffers.get(i));
                }
            }
        }
        baseline.assertRestored(heap);
    }

    static void vmoIsAChildOfAtLeastTheRequestedSize(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        for (long pages : new long[] {1, 3, 16}) {
            Vmo vmo = allocate(heap, pages * PAGE, 3, pages);
            assertTrue(vmo.size() >= pages * PAGE, "VMO of " + vmo.size() + " bytes for a request of " + pages * PAGE);
            assertNotEquals(0, vmo.parentKoid(), "the heap must return a child of a parent it keeps, not a root");
            delete(heap, 3, pages, vmo);
        }
        baseline.assertRestored(heap);
    }

    static void collectionIdAndIndexAreKeptAsGiven(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        long collectionId = -1L; // 2^64 - 1
        long index = Long.MIN_VALUE; // 2^63
        Vmo vmo = allocate(heap, PAGE, collectionId, index);
        try {
            heap.heap().deleteVmo(collectionId, index, vmo).toCompletableFuture().get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (StatusException e) {
            fail("deleteVmo refused the collection id and index the buffer was allocated with: " + e.getMessage(), e);
        } catch (Exception e) {
            fail("deleteVmo did not complete", e);
        }
        baseline.assertRestored(heap);
    }

    static void deleteVmoCompletesOnlyAfterReclaim(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        long reclaimedBefore = heap.metric(HeapMetrics.RECLAIMED);
        Vmo vmo = allocate(heap, 4 * PAGE, 5, 0);
        CompletableFuture<long[]> seenAtCompletion = heap.heap().deleteVmo(5, 0, vmo).toCompletableFuture()
                .thenApply(ignored -> new long[] {heap.metric(HeapMetrics.USED_SIZE), heap.metric(HeapMetrics.RECLAIMED)});
        long[] seen = await(seenAtCompletion, "deleteVmo");
        assertEquals(baseline.usedSize(), seen[0], "used_size when deleteVmo completed: the memory was not back yet");
        assertEquals(reclaimedBefore + 1, seen[1], "reclaimed count when deleteVmo completed");
        assertTrue(vmo.isClosed(), "deleteVmo closes the handle it was given");
        baseline.assertRestored(heap);
    }

    static void closingEveryDescendantReclaimsWithoutDeleteVmo(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        long reclaimedBefore = heap.metric(HeapMetrics.RECLAIMED);
        Vmo vmo = allocate(heap, 2 * PAGE, 6, 0);
        Vmo slice = vmo.createSlice(vmo.size() - PAGE, PAGE);
        VmoMapping mapping = heap.cpuAccessible() ? slice.map(0, PAGE, true) : null;
        vmo.close();
        sleep(20);
        assertEquals(reclaimedBefore, heap.metric(HeapMetrics.RECLAIMED), "reclaimed while a child was still open");
        slice.close();
        if (mapping != null) {
            sleep(20);
            assertEquals(reclaimedBefore, heap.metric(HeapMetrics.RECLAIMED), "reclaimed while a mapping was open");
            mapping.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            mapping.close();
        }
        awaitMetric(heap, HeapMetrics.RECLAIMED, reclaimedBefore + 1,
                "the heap did not reclaim the buffer after every handle, child and mapping closed (does it keep one?)");
        baseline.assertRestored(heap);
    }

    static void unbindingFreesNoBuffer(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        HeapBinding binding = heap.heap().bind(properties -> { });
        Vmo vmo = allocate(heap, 2 * PAGE, 7, 0);
        long usedWithBuffer = heap.metric(HeapMetrics.USED_SIZE);
        long reclaimedBefore = heap.metric(HeapMetrics.RECLAIMED);
        binding.close();
        sleep(20);
        assertEquals(usedWithBuffer, heap.metric(HeapMetrics.USED_SIZE), "used_size changed when the binding closed");
        assertEquals(reclaimedBefore, heap.metric(HeapMetrics.RECLAIMED), "a buffer was reclaimed when the binding closed");
        if (heap.cpuAccessible()) {
            vmo.write(vmo.size() - 1, MemorySegment.ofArray(new byte[] {42}));
            byte[] back = new byte[1];
            vmo.read(vmo.size() - 1, MemorySegment.ofArray(back));
            assertEquals(42, back[0], "the buffer is no longer usable after the binding closed");
        }
        delete(heap, 7, 0, vmo);
        baseline.assertRestored(heap);
    }

    static void exhaustionFailsWithNoMemoryAndRecoversByteForByte(HeapUnderTest heap) {
        OptionalLong capacity = heap.capacity();
        Assumptions.assumeTrue(capacity.isPresent(), "the heap is unbounded (it publishes no capacity)");
        Baseline baseline = Baseline.of(heap);
        long chunk = chunkSize(heap, capacity.getAsLong());
        List<Vmo> held = new ArrayList<>();
        StatusException refusal = null;
        try {
            for (int i = 0; i < 4096 && refusal == null; i++) {
                try {
                    held.add(heap.heap().allocateVmo(chunk, heap.settings(chunk), 8, i));
                } catch (StatusException e) {
                    refusal = e;
                }
            }
            if (refusal == null) {
                fail("heap with capacity " + capacity.getAsLong() + " still allocating after " + held.size()
                        + " buffers of " + chunk + " bytes");
            }
            assertEquals(Status.NO_MEMORY, refusal.status(), "a full heap fails with NO_MEMORY: " + refusal.getMessage());
            assertTrue((long) held.size() * chunk <= capacity.getAsLong() - baseline.usedSize(),
                    "handed out more than its capacity");
        } finally {
            for (int i = 0; i < held.size(); i++) {
                delete(heap, 8, i, held.get(i));
            }
        }
        baseline.assertRestored(heap);
        assertEquals(capacity.getAsLong(), heap.capacity().orElse(-1), "capacity after freeing everything");
        List<Vmo> again = new ArrayList<>();
        try {
            for (int i = 0; i < held.size(); i++) {
                again.add(heap.heap().allocateVmo(chunk, heap.settings(chunk), 9, i));
            }
        } catch (StatusException e) {
            fail("after freeing everything the heap held only " + again.size() + " of the " + held.size()
                    + " buffers it held before: " + e.getMessage(), e);
        } finally {
            for (int i = 0; i < again.size(); i++) {
                delete(heap, 9, i, again.get(i));
            }
        }
        baseline.assertRestored(heap);
    }

    /**
     * Mixed sizes, so a heap that carves a small buffer out of a larger live one is caught too. Each buffer is looked
     * at over what it was asked for, or its VMO's size if that is less (a short VMO is another check's business).
     */
    static void liveBuffersNeverShareMemoryOrAPhysicalAddress(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        long[] pages = {1, 3, 2, 1, 4, 1, 2, 1};
        List<Vmo> buffers = new ArrayList<>();
        long[] bytes = new long[pages.length];
        try {
            for (int i = 0; i < pages.length; i++) {
                buffers.add(allocate(heap, pages[i] * PAGE, 12, i));
                bytes[i] = Math.min(pages[i] * PAGE, buffers.get(i).size());
            }
            for (int i = 0; i < buffers.size(); i++) {
                for (int j = i + 1; j < buffers.size(); j++) {
                    Vmo first = buffers.get(i);
                    Vmo second = buffers.get(j);
                    if (first.physicalAddress().isPresent() && second.physicalAddress().isPresent()) {
                        long firstStart = first.physicalAddress().getAsLong();
                        long secondStart = second.physicalAddress().getAsLong();
                        assertTrue(firstStart + bytes[i] <= secondStart || secondStart + bytes[j] <= firstStart,
                                "live buffers " + i + " (koid " + first.koid() + ", " + bytes[i] + " bytes at 0x"
                                        + Long.toHexString(firstStart) + ") and " + j + " (koid " + second.koid() + ", "
                                        + bytes[j] + " bytes at 0x" + Long.toHexString(secondStart)
                                        + ") overlap in physical memory");
                    }
                }
            }
            if (heap.cpuAccessible()) {
                for (int i = 0; i < buffers.size(); i++) {
                    try (VmoMapping mapping = buffers.get(i).map(0, bytes[i], true)) {
                        mapping.segment().fill(tag(i));
                    }
                }
                for (int i = 0; i < buffers.size(); i++) {
                    try (VmoMapping mapping = buffers.get(i).map(0, bytes[i], false)) {
                        long foreign = firstOtherThan(mapping.segment(), tag(i));
                        assertEquals(-1, foreign, "live buffer " + i + " (koid " + buffers.get(i).koid() + ") holds "
                                + "another buffer's byte at offset " + foreign + ", not its own 0x"
                                + Integer.toHexString(tag(i) & 0xFF) + ": two live buffers share memory");
                    }
                }
            }
        } finally {
            for (int i = 0; i < buffers.size(); i++) {
                delete(heap, 12, i, buffers.get(i));
            }
        }
        baseline.assertRestored(heap);
    }

    static void reportedPhysicalAddressesAreClaimed(HeapUnderTest heap, PhysicalRanges ranges) {
        Baseline baseline = Baseline.of(heap);
        Vmo buffer = allocate(heap, 2 * PAGE, 13, 0);
        try {
            OptionalLong address = buffer.physicalAddress();
            Assumptions.assumeTrue(address.isPresent(), "heap " + heap + " reports no physical addresses: nothing to claim");
            assertTrue(ranges.covers(address.getAsLong(), 2 * PAGE), "heap " + heap + " reports a live buffer at 0x"
                    + Long.toHexString(address.getAsLong()) + " (" + 2 * PAGE + " bytes) that no claim in the table of "
                    + "physical ranges holds: another heap could hand the same addresses out (claim them as the heap "
                    + "starts: PhysicalRanges.PROCESS.claim)");
        } finally {
            delete(heap, 13, 0, buffer);
        }
        baseline.assertRestored(heap);
    }

    private static byte tag(int buffer) {
        return (byte) (0x11 * (buffer + 1));
    }

    private static long firstOtherThan(MemorySegment segment, byte expected) {
        for (long i = 0; i < segment.byteSize(); i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != expected) {
                return i;
            }
        }
        return -1;
    }

    static void badInputFailsCleanlyWithoutChangingTheHeap(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        expect(Status.INVALID_ARGS, () -> heap.heap().allocateVmo(0, heap.settings(PAGE), 10, 0), "size 0");
        expect(Status.INVALID_ARGS, () -> heap.heap().allocateVmo(PAGE + 1, heap.settings(PAGE + 1), 10, 0),
                "a size that is not page aligned");
        expect(Status.OUT_OF_RANGE, () -> heap.heap().allocateVmo(-PAGE, heap.settings(PAGE), 10, 0),
                "a size above Long.MAX_VALUE");
        expect(Status.INVALID_ARGS, () -> heap.heap().allocateVmo(PAGE, null, 10, 0), "null settings");
        long beyond = heap.capacity().isPresent() ? heap.capacity().getAsLong() + PAGE : Sizes.MAX_PAGE_ROUNDABLE;
        expect(Status.NO_MEMORY, () -> heap.heap().allocateVmo(beyond, heap.settings(beyond), 10, 0),
                "a size beyond the heap's capacity");
        baseline.assertRestored(heap);

        Vmo vmo = allocate(heap, PAGE, 10, 3);
        long usedWithBuffer = heap.metric(HeapMetrics.USED_SIZE);
        StatusException unknownId = expectOneOf(() -> heap.heap().deleteVmo(99, 3, vmo),
                "deleteVmo with an unknown collection id", Status.NOT_FOUND, Status.INVALID_ARGS);
        assertTrue(unknownId.getMessage().contains("99"), "the message should name the id: " + unknownId.getMessage());
        expectOneOf(() -> heap.heap().deleteVmo(10, 4, vmo), "deleteVmo with a mismatched index",
                Status.NOT_FOUND, Status.INVALID_ARGS);
        assertFalse(vmo.isClosed(), "a refused deleteVmo must leave the VMO open");
        try (Arena arena = Arena.ofConfined()) {
            Vmo foreignRoot = Vmos.root(arena.allocate(PAGE), () -> { });
            Vmo foreign = foreignRoot.createReference();
            expect(Status.NOT_FOUND, () -> heap.heap().deleteVmo(10, 3, foreign), "deleteVmo with a VMO the heap never made");
            assertFalse(foreign.isClosed(), "a refused deleteVmo must leave the foreign VMO open");
            foreign.close();
            foreignRoot.close();
        }
        expect(Status.INVALID_ARGS, () -> heap.heap().deleteVmo(10, 3, null), "deleteVmo with a null VMO");
        Vmo duplicate = vmo.duplicate();
        duplicate.close();
        expect(Status.BAD_HANDLE, () -> heap.heap().deleteVmo(10, 3, duplicate), "deleteVmo with a closed handle");
        assertEquals(usedWithBuffer, heap.metric(HeapMetrics.USED_SIZE), "refused deleteVmo calls changed used_size");
        delete(heap, 10, 3, vmo);
        baseline.assertRestored(heap);
    }

    static void concurrentAllocateAndFreeKeepCapacityIntact(HeapUnderTest heap) {
        Baseline baseline = Baseline.of(heap);
        long allocationsBefore = heap.metric(HeapMetrics.ALLOCATIONS);
        long reclaimedBefore = heap.metric(HeapMetrics.RECLAIMED);
        int perThread = 10_000;
        AtomicLong collection = new AtomicLong(1000);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                workers.add(threads.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        long id = collection.incrementAndGet();
                        Vmo vmo = heap.heap().allocateVmo(PAGE, heap.settings(PAGE), id, 0);
                        join(heap.heap().deleteVmo(id, 0, vmo).toCompletableFuture());
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                await(worker, "allocate/free worker");
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(allocationsBefore + 2L * perThread, heap.metric(HeapMetrics.ALLOCATIONS), "allocations counted");
        awaitMetric(heap, HeapMetrics.RECLAIMED, reclaimedBefore + 2L * perThread, "every buffer reclaimed exactly once");
        baseline.assertRestored(heap);
    }

    /** used_size and live_buffers at the start of a check, which the check must restore. */
    record Baseline(long usedSize, long liveBuffers) {
        static Baseline of(HeapUnderTest heap) {
            return new Baseline(heap.metric(HeapMetrics.USED_SIZE), heap.metric(HeapMetrics.LIVE_BUFFERS));
        }

        void assertRestored(HeapUnderTest heap) {
            awaitMetric(heap, HeapMetrics.USED_SIZE, usedSize, "used_size did not return to where the check began");
            awaitMetric(heap, HeapMetrics.LIVE_BUFFERS, liveBuffers, "live_buffers did not return to where the check began");
        }
    }

    private static long chunkSize(HeapUnderTest heap, long capacity) {
        Long maxBuffer = heap.metrics().metrics().get(HeapMetrics.MAX_BUFFER_SIZE);
        long limit = Math.min(capacity / 8, maxBuffer == null ? Long.MAX_VALUE : maxBuffer);
        long chunk = Long.highestOneBit(Math.max(limit, PAGE));
        return Math.max(PAGE, chunk & -PAGE);
    }

    private static Vmo allocate(HeapUnderTest heap, long size, long collectionId, long index) {
        Vmo vmo = heap.heap().allocateVmo(size, heap.settings(size), collectionId, index);
        assertNotNull(vmo, "heap " + heap + " returned null from allocateVmo(" + size + ", collection " + collectionId
                + ", index " + index + "): it must return a VMO or throw a StatusException");
        return vmo;
    }

    private static void delete(HeapUnderTest heap, long collectionId, long index, Vmo vmo) {
        await(heap.heap().deleteVmo(collectionId, index, vmo).toCompletableFuture(), "deleteVmo");
    }

    private static void expect(Status status, Executable executable, String what) {
        StatusException e = assertThrows(StatusException.class, executable, what + " must fail with " + status);
        assertEquals(status, e.status(), what + ": " + e.getMessage());
    }

    private static StatusException expectOneOf(Executable executable, String what, Status... statuses) {
        StatusException e = assertThrows(StatusException.class, executable, what + " must fail");
        assertTrue(List.of(statuses).contains(e.status()), what + " failed with " + e.status() + ", expected one of "
                + List.of(statuses) + ": " + e.getMessage());
        return e;
    }

    private static long firstNonZero(MemorySegment segment) {
        for (long i = 0; i < segment.byteSize(); i += 8) {
            if (segment.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != 0) {
                return i;
            }
        }
        return -1;
    }

    private static void awaitMetric(HeapUnderTest heap, String key, long expected, String message) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        long value = heap.metric(key);
        while (value != expected && System.nanoTime() < deadline) {
            sleep(5);
            value = heap.metric(key);
        }
        assertEquals(expected, value, message + " (" + key + ")");
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.get(SETTLE.toSeconds() * 6, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(what + " failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError(what + " did not complete in time", e);
        }
    }

    private static void join(CompletableFuture<?> future) {
        try {
            future.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("deleteVmo did not complete", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
