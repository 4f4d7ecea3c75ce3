package heap.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import heap.api.HeapId;
import heap.tck.ReferenceHeap.Breakage;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.TestAbortedException;

class HeapConformanceTest {
    private static final HeapId ID = new HeapId("test.heap.REFERENCE", 1);
    private static final long CAPACITY = 64L << 20;

    /** The broken heaps, each with the one check that must catch it. */
    private static final Map<Breakage, String> CAUGHT_BY = Map.of(
            Breakage.SENDS_ON_REGISTER_TWICE, "onRegisterArrivesExactlyOnceOnBind",
            Breakage.RETURNS_DIRTY_MEMORY, "propertiesMatchBehaviour",
            Breakage.RETURNS_SHORT_VMO, "vmoIsAChildOfAtLeastTheRequestedSize",
            Breakage.TRUNCATES_INDEX, "collectionIdAndIndexAreKeptAsGiven",
            Breakage.COMPLETES_DELETE_EARLY, "deleteVmoCompletesOnlyAfterReclaim",
            Breakage.KEEPS_A_HANDLE, "closingEveryDescendantReclaimsWithoutDeleteVmo",
            Breakage.FREES_ON_UNBIND, "unbindingFreesNoBuffer",
            Breakage.IGNORES_IDS_ON_DELETE, "badInputFailsCleanlyWithoutChangingTheHeap",
            Breakage.CARVES_FROM_A_LARGER_LIVE_BUFFER, "liveBuffersNeverShareMemoryOrAPhysicalAddress",
            Breakage.REPORTS_ONE_PHYSICAL_ADDRESS, "liveBuffersNeverShareMemoryOrAPhysicalAddress");

    @TestFactory
    Stream<DynamicTest> theReferenceHeapPassesEveryCheck() {
        return HeapConformance.tests(HeapUnderTest.of(ID, new ReferenceHeap(Breakage.NONE, CAPACITY)));
    }

    @ParameterizedTest
    @EnumSource(value = Breakage.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void eachBrokenHeapFailsExactlyTheCheckItBreaks(Breakage breakage) {
        Set<String> failed = new LinkedHashSet<>();
        for (HeapConformance.Check check : HeapConformance.checks()) {
            // A fresh heap per check, so one broken rule cannot spill into the next check's starting state.
            HeapUnderTest heap = HeapUnderTest.of(ID, new ReferenceHeap(breakage, CAPACITY));
            try {
                check.run(heap);
            } catch (TestAbortedException skipped) {
                // not applicable
            } catch (AssertionError | RuntimeException expected) {
                failed.add(check.name());
            }
        }
        assertEquals(Set.of(CAUGHT_BY.get(breakage)), failed, breakage + " should fail exactly one check");
    }

    @org.junit.jupiter.api.Test
    void aCpuAccessibleHeapDeclaringSecureFailsExactlyTheSecureCheck() {
        HeapUnderTest declared = HeapUnderTest.of(Map.of("heap.type", ID.heapType(), "heap.id", 1L, "heap.secure", true),
                new ReferenceHeap(Breakage.NONE, CAPACITY));
        assertEquals(true, declared.declaredSecure());
        org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> HeapConformance.aHeapDeclaringSecureIsInaccessibleOnly(declared));
        HeapConformance.aHeapDeclaringSecureIsInaccessibleOnly(HeapUnderTest.of(ID, new ReferenceHeap(Breakage.NONE, CAPACITY)));
    }

    /** A heap whose allocateVmo blocks fails the check within the limit instead of hanging the kit. */
    @org.junit.jupiter.api.Test
    void aBlockingHeapFailsTheCheckWithinItsLimit() {
        ReferenceHeap reference = new ReferenceHeap(Breakage.NONE, CAPACITY);
        heap.api.Heap blocking = (heap.api.Heap) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {heap.api.Heap.class, heap.api.HeapMetrics.class}, (proxy, method, args) -> {
                    if (method.getName().equals("allocateVmo")) {
                        Thread.sleep(30_000);
                    }
                    return method.invoke(reference, args);
                });
        HeapConformance.Check check = HeapConformance.checks().stream()
                .filter(c -> c.name().equals("vmoIsAChildOfAtLeastTheRequestedSize")).findFirst().orElseThrow();
        AssertionError error = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> check.run(HeapUnderTest.of(ID, blocking), java.time.Duration.ofMillis(300)));
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("did not finish within 300 ms"),
                error.getMessage());
    }

    /** A heap returning null gets an assertion naming the rule, not a NullPointerException. */
    @org.junit.jupiter.api.Test
    void aHeapReturningNullIsToldSo() {
        ReferenceHeap reference = new ReferenceHeap(Breakage.NONE, CAPACITY);
        heap.api.Heap returnsNull = (heap.api.Heap) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {heap.api.Heap.class, heap.api.HeapMetrics.class},
                (proxy, method, args) -> method.getName().equals("allocateVmo") ? null : method.invoke(reference, args));
        HeapConformance.Check check = HeapConformance.checks().stream()
                .filter(c -> c.name().equals("vmoIsAChildOfAtLeastTheRequestedSize")).findFirst().orElseThrow();
        AssertionError error = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> check.run(HeapUnderTest.of(ID, returnsNull)));
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("returned null from allocateVmo"),
                error.getMessage());
    }

    /** The reference heap reports its memory's addresses and claims nothing: the kit names what is missing. */
    @org.junit.jupiter.api.Test
    void aHeapReportingPhysicalAddressesItHasNotClaimedFailsTheClaimCheckNamingTheCure() {
        ReferenceHeap reference = new ReferenceHeap(Breakage.NONE, CAPACITY);
        AssertionError error = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> HeapConformance.physicalAddressesClaimedIn(new heap.api.spi.PhysicalRanges())
                        .run(HeapUnderTest.of(ID, reference)));
        org.junit.jupiter.api.Assertions.assertTrue(error.getMessage().contains("that no claim in the table of physical "
                + "ranges holds") && error.getMessage().contains("PhysicalRanges.PROCESS.claim"), error.getMessage());
        assertEquals(0, reference.metrics().get(heap.api.HeapMetrics.LIVE_BUFFERS), "the check's buffer went back");
    }

    @org.junit.jupiter.api.Test
    void aHeapWhoseReportedAddressesAreClaimedPassesTheClaimCheck() {
        heap.api.spi.PhysicalRanges ranges = new heap.api.spi.PhysicalRanges();
        ranges.claim(0, Long.MAX_VALUE, "reference", (address, size) -> true); // every address it could report
        HeapConformance.physicalAddressesClaimedIn(ranges).run(HeapUnderTest.of(ID, new ReferenceHeap(Breakage.NONE, CAPACITY)));
    }

    @org.junit.jupiter.api.Test
    void everyBreakageHasTheCheckThatCatchesIt() {
        assertEquals(Breakage.values().length - 1, CAUGHT_BY.size());
        Set<String> names = new LinkedHashSet<>();
        HeapConformance.checks().forEach(check -> names.add(check.name()));
        assertEquals(true, names.containsAll(CAUGHT_BY.values()));
    }
}
