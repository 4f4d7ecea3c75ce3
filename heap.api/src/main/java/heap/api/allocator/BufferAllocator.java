package heap.api.allocator;

import heap.api.vmo.Vmo;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Allocates buffer collections from the registered heaps ({@code fuchsia.sysmem2.Allocator}). Failures are
 * {@link heap.api.SysmemException}s: CONSTRAINTS_INTERSECTION_EMPTY, NOT_FOUND (no heap fits), NO_MEMORY (every
 * heap failure, sanitized; the heap's own status is logged), PROTOCOL_DEVIATION (malformed or contradictory
 * constraints). A heap calling back into the allocator from inside its own allocateVmo gets a
 * {@link heap.api.StatusException} BAD_STATE at once.
 */
@ProviderType
public interface BufferAllocator {

    /**
     * Allocates {@code request.bufferCount()} buffers satisfying every participant, or nothing at all (a failed
     * request leaves no collection behind). When the chosen heap is full, the allocator first lets the garbage
     * collector reclaim buffers their clients dropped without closing, and retries once.
     */
    BufferCollection allocate(AllocationRequest request);

    /** Collection id and index of a VMO this allocator handed out, or of a duplicate of one; else NOT_FOUND. */
    VmoInfo getVmoInfo(Vmo vmo);

    /**
     * Completes once at most {@code buffersRemaining} of the collection's buffers are not yet fully reclaimed
     * (their heap has answered deleteVmo).
     */
    CompletionStage<Void> attachLifetimeTracking(BufferCollection collection, int buffersRemaining);

    /** Every heap bound to the allocator, whatever its state. */
    List<HeapStatus> heaps();

    /** Collections with buffers not yet reclaimed. */
    List<CollectionSummary> collections();
}
