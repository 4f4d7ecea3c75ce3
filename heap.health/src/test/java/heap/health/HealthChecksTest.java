package heap.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import heap.api.HeapDiagnostics;
import heap.api.HeapId;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.CollectionSummary;
import heap.api.allocator.HeapState;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import heap.api.allocator.SharedCollection;
import heap.api.allocator.VmoInfo;
import heap.api.vmo.Vmo;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.felix.hc.api.Result;
import org.junit.jupiter.api.Test;

/** Each check's rule on the allocator's figures; the in-framework OperatorViewTest runs them on the real platform. */
class HealthChecksTest {
    /** The allocator's read side with set figures; the checks call nothing else. */
    private static final class Figures implements BufferAllocator {
        List<HeapStatus> heaps = List.of();
        List<OwnerStatus> owners = List.of();
        List<heap.api.allocator.QuotaStatus> quotas = List.of();
        List<NegotiationStatus> negotiations = List.of();

        @Override public List<HeapStatus> heaps() { return heaps; }
        @Override public List<OwnerStatus> owners() { return owners; }
        @Override public List<heap.api.allocator.QuotaStatus> quotas() { return quotas; }
        @Override public BufferCollection allocate(AllocationRequest request) { throw new UnsupportedOperationException(); }
        @Override public VmoInfo getVmoInfo(Vmo vmo) { throw new UnsupportedOperationException(); }
        @Override public CompletionStage<Void> attachLifetimeTracking(BufferCollection c, int n) { throw new UnsupportedOperationException(); }
        @Override public void adopt(Vmo vmo) { throw new UnsupportedOperationException(); }
        @Override public BufferCollectionToken newSharedCollection() { throw new UnsupportedOperationException(); }
        @Override public SharedCollection bind(BufferCollectionToken token) { throw new UnsupportedOperationException(); }
        @Override public List<NegotiationStatus> negotiations() { return negotiations; }
        @Override public List<CollectionSummary> collections() { throw new UnsupportedOperationException(); }
    }

    private static HeapStatus heap(HeapState state, long lost, long used, long capacity) {
        return new HeapStatus(HeapId.CONTIGUOUS_SYSTEM_RAM, "heap.contiguous 1.0", 7, 0, state, Optional.empty(),
                state == HeapState.QUARANTINED ? "OnRegister twice" : "", 0, 0, 0, 0, lost,
                Map.of("used_size", used, "capacity", capacity));
    }

    @Test
    void noRegistryIsCriticalAndARunningOneIsOkWithItsHeapCount() {
        Result down = new RegistryRunningCheck().execute();
        assertEquals(Result.Status.CRITICAL, down.getStatus());
        assertTrue(down.iterator().next().getMessage().startsWith("the registry (heap.registry) is not running"));
        Figures figures = new Figures();
        figures.heaps = List.of(heap(HeapState.ACTIVE, 0, 0, 1));
        Result up = new RegistryRunningCheck(figures).execute();
        assertEquals(Result.Status.OK, up.getStatus());
        assertEquals("the registry serves 1 heap", up.iterator().next().getMessage());
        figures.heaps = List.of(heap(HeapState.ACTIVE, 0, 0, 1), heap(HeapState.DRAINING, 0, 0, 1));
        assertEquals("the registry serves 1 heap (and lists 1 more: draining, pending or quarantined)",
                new RegistryRunningCheck(figures).execute().iterator().next().getMessage(), "a draining heap serves no one");
    }

    @Test
    void aQuarantinedHeapIsCriticalUntilItIsGone() {
        Figures figures = new Figures();
        QuarantinedHeapCheck check = new QuarantinedHeapCheck(figures);
        figures.heaps = List.of(heap(HeapState.QUARANTINED, 0, 0, 1));
        Result critical = check.execute();
        assertEquals(Result.Status.CRITICAL, critical.getStatus());
        assertTrue(critical.iterator().next().getMessage().contains("heap.contiguous 1.0) is quarantined: OnRegister twice"));
        figures.heaps = List.of(heap(HeapState.ACTIVE, 0, 0, 1));
        assertEquals(Result.Status.OK, check.execute().getStatus());
    }

    /** A quota that limits less than its configuration says warns: its heap type names no heap, or it was refused. */
    @Test
    void aQuotaOnAHeapTypeNoHeapHasOrARefusedUpdateWarns() {
        Figures figures = new Figures();
        QuotasCheck check = new QuotasCheck(figures);
        assertEquals("no quota is configured", check.execute().iterator().next().getMessage());
        var secure = new heap.api.allocator.QuotaStatus("heap.quota~ok", "a.*", "secure", -1, 4, List.of(), null,
                List.of(HeapId.SECURE.toString()));
        var everyHeap = new heap.api.allocator.QuotaStatus("heap.quota~all", "b.*", null, -1, 4, List.of(), null,
                List.of());
        figures.quotas = List.of(secure, everyHeap);
        assertEquals("2 quotas in force", check.execute().iterator().next().getMessage(),
                "a quota on every heap covers whatever is listed");
        var typo = new heap.api.allocator.QuotaStatus("heap.quota~typo", "a.*", "secur", -1, 4, List.of(), null,
                List.of());
        var refused = new heap.api.allocator.QuotaStatus("heap.quota~bad", null, null, -1, -1, List.of(),
                "max.bytes=lots is not a whole number of bytes", List.of());
        figures.quotas = List.of(secure, typo, refused);
        Result result = check.execute();
        assertEquals(Result.Status.WARN, result.getStatus());
        List<String> messages = new ArrayList<>();
        result.iterator().forEachRemaining(entry -> messages.add(entry.getMessage()));
        assertEquals(List.of("quota heap.quota~typo limits nothing: no heap listed is of type secur",
                "quota heap.quota~bad: its last update was refused (max.bytes=lots is not a whole number of bytes); "
                        + "no limit is in force for it"), messages);
    }

    private static NegotiationStatus negotiation(long id, String state, long waitedSeconds,
            NegotiationStatus.Participant... participants) {
        return new NegotiationStatus(id, id == 1 ? "frames" : "", state, "", List.of(participants), "",
                java.time.Duration.ofSeconds(waitedSeconds));
    }

    /** A2: a shared collection pending 5 s or more warns, naming whom it waits for; a younger or decided one does not. */
    @Test
    void aSharedCollectionPendingFiveSecondsWarnsNamingTheParticipantsItWaitsFor() {
        Figures figures = new Figures();
        StalledNegotiationsCheck check = new StalledNegotiationsCheck(figures);
        var ready = new NegotiationStatus.Participant("camera", "camera 1.0.0 [5]", "constraints set");
        var unbound = new NegotiationStatus.Participant("decoder", "camera 1.0.0 [5]", "token, not bound", true);
        var unset = new NegotiationStatus.Participant("display", "display 1.0.0 [6]", "bound, constraints not set", true);
        var late = new NegotiationStatus.Participant("recorder", "camera 1.0.0 [5]", "token, not bound (attached)");
        figures.negotiations = List.of(negotiation(2, "pending", 4, unbound), negotiation(3, "allocated", 60, ready));
        Result fine = check.execute();
        assertEquals(Result.Status.OK, fine.getStatus());
        assertEquals("no shared collection has waited 5 s for its participants", fine.iterator().next().getMessage());
        figures.negotiations = List.of(negotiation(1, "pending", 7, ready, unbound, unset, late),
                negotiation(2, "pending", 4, unbound));
        Result stalled = check.execute();
        assertEquals(Result.Status.WARN, stalled.getStatus());
        List<String> messages = new ArrayList<>();
        stalled.iterator().forEachRemaining(entry -> messages.add(entry.getMessage()));
        assertEquals(List.of("shared collection 1 'frames' has waited 7 s for 'decoder' (bundle camera 1.0.0 [5]): token, "
                + "not bound; 'display' (bundle display 1.0.0 [6]): bound, constraints not set"), messages);
    }

    @Test
    void lostBuffersWarnNamingTheHeapAndHowMany() {
        Figures figures = new Figures();
        figures.heaps = List.of(heap(HeapState.DRAINING, 3, 0, 1));
        Result result = new LostBuffersCheck(figures).execute();
        assertEquals(Result.Status.WARN, result.getStatus());
        assertTrue(result.iterator().next().getMessage().contains("never answered deleteVmo for 3 buffers"));
    }

    @Test
    void aPoolWarnsAboveTheConfiguredShareOnlyWhileActive() {
        Figures figures = new Figures();
        PoolOccupancyCheck check = new PoolOccupancyCheck(figures, config(80));
        figures.heaps = List.of(heap(HeapState.ACTIVE, 0, 81, 100));
        assertEquals(Result.Status.WARN, check.execute().getStatus());
        figures.heaps = List.of(heap(HeapState.ACTIVE, 0, 80, 100));
        assertEquals(Result.Status.OK, check.execute().getStatus(), "at the limit is not above it");
        figures.heaps = List.of(heap(HeapState.DRAINING, 0, 100, 100));
        assertEquals(Result.Status.OK, check.execute().getStatus(), "a draining heap takes no new buffers");
    }

    @Test
    void memoryHeldBackByAStoppedBundleWarnsAndALiveBundlesDoesNot() {
        Figures figures = new Figures();
        OwnerHeapUsage usage = new OwnerHeapUsage(HeapId.SYSTEM_RAM, 1, 4096, 4096, 0, 0, 0);
        figures.owners = List.of(new OwnerStatus(12, "client 1.0 [12]", true, 4096, 1, List.of(usage)),
                new OwnerStatus(13, "other 1.0 [13]", false, 0, 0, List.of(usage)));
        Result result = new HeldBackMemoryCheck(figures).execute();
        assertEquals(Result.Status.WARN, result.getStatus());
        List<String> messages = new ArrayList<>();
        result.forEach(entry -> messages.add(entry.getMessage()));
        assertEquals(List.of("bundle client 1.0 [12] stopped, 1 buffer (4096 bytes) held back by its confined mappings"),
                messages);
    }

    @Test
    void aCorruptionAHeapReportsIsCriticalAndClearsWhenTheHeapStopsReportingIt() {
        List<String> problems = new ArrayList<>(List.of("guard page after buffer collection 3 overwritten at byte 0"));
        HeapDiagnostics heap = () -> List.copyOf(problems);
        GuardCorruptionCheck check = new GuardCorruptionCheck();
        check.addHeap(heap, Map.of("heap.type", "heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM", "heap.id", 0L));
        Result critical = check.execute();
        assertEquals(Result.Status.CRITICAL, critical.getStatus());
        assertTrue(critical.iterator().next().getMessage().startsWith("heap.platform.HEAP_TYPE.CONTIGUOUS_SYSTEM_RAM#0: guard"));
        problems.clear();
        assertEquals(Result.Status.OK, check.execute().getStatus());
    }

    private static PoolOccupancyCheck.Config config(int percent) {
        return new PoolOccupancyCheck.Config() {
            @Override
            public int occupancy_warn_percent() {
                return percent;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return PoolOccupancyCheck.Config.class;
            }
        };
    }
}
