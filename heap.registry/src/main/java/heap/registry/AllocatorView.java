package heap.registry;

import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.BufferCollectionToken;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.SharedCollection;
import heap.api.allocator.CollectionSummary;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.OwnerStatus;
import heap.api.allocator.QuotaStatus;
import heap.api.allocator.VmoInfo;
import heap.api.vmo.Vmo;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** One bundle's view of the one registry: what it allocates or adopts belongs to that bundle. */
final class AllocatorView implements BufferAllocator {
    final HeapRegistry registry;
    final Account account;

    AllocatorView(HeapRegistry registry, Account account) {
        this.registry = registry;
        this.account = account;
    }

    @Override
    public BufferCollection allocate(AllocationRequest request) {
        return registry.allocate(request, account);
    }

    @Override
    public void adopt(Vmo vmo) {
        registry.adopt(vmo, account);
    }

    @Override
    public BufferCollectionToken newSharedCollection() {
        return registry.newSharedCollection(account);
    }

    @Override
    public SharedCollection bind(BufferCollectionToken token) {
        return registry.bind(token, account);
    }

    @Override
    public List<NegotiationStatus> negotiations() {
        return registry.negotiations();
    }

    @Override
    public VmoInfo getVmoInfo(Vmo vmo) {
        return registry.getVmoInfo(vmo);
    }

    @Override
    public CompletionStage<Void> attachLifetimeTracking(BufferCollection collection, int buffersRemaining) {
        return registry.attachLifetimeTracking(collection, buffersRemaining);
    }

    @Override
    public List<HeapStatus> heaps() {
        return registry.heaps();
    }

    @Override
    public List<CollectionSummary> collections() {
        return registry.collections();
    }

    @Override
    public List<OwnerStatus> owners() {
        return registry.owners();
    }

    @Override
    public List<QuotaStatus> quotas() {
        return registry.quotas();
    }

    @Override
    public String toString() {
        return "allocator view of " + account;
    }
}
