package heap.api.allocator;

import heap.api.vmo.Vmo;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Allocates buffer collections from the registered heaps ({@code fuchsia.sysmem2.Allocator}).
 *
 * <p><b>Ownership.</b> The service is bundle scoped: each bundle gets its own view, and every handle handed out
 * through it — and every duplicate, child and mapping made from one — belongs to that bundle. When the bundle
 * stops (or ungets the service), its handles and shared mappings are closed at once and the buffers go back to
 * their heaps; memory under a confined mapping still open on one of its threads is held back, never reused, until
 * that mapping is closed or collected. A bundle that receives a handle from another bundle takes it over with
 * {@link #adopt(Vmo)} (Zircon moves a handle when it is sent); after that, the sender's stop does not touch it.
 *
 * <p>Failures are {@link heap.api.SysmemException}s, as sysmem answers them: CONSTRAINTS_INTERSECTION_EMPTY for
 * every failure of checking or aggregating constraints, of choosing a heap or a domain, and every limit (the
 * message names the cause, the participant and the values); NO_MEMORY for a heap's failure (sanitized; the heap's
 * own status is the cause and is logged) and for a bundle's quota; PROTOCOL_DEVIATION for misuse of the protocol
 * (null arguments, a collection of another allocator); NOT_FOUND for look-ups ({@link #getVmoInfo}). A heap
 * calling back into the allocator from inside its own allocateVmo gets a {@link heap.api.StatusException}
 * BAD_STATE at once.
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

    /**
     * Makes {@code vmo}, a handle another bundle passed to this one, belong to this bundle; a buffer handed out by
     * the allocator is then counted against this bundle too. PROTOCOL_DEVIATION for null, a closed handle, or a
     * handle of another VMO implementation; the handle is unchanged then.
     *
     * @since 1.1
     */
    void adopt(Vmo vmo);

    /** Every bundle that has used the allocator, with what it holds per heap. @since 1.1 */
    List<OwnerStatus> owners();

    /** The quota configurations, by PID: the quotas in force, and any whose last update was refused. @since 1.2 */
    List<QuotaStatus> quotas();

    /**
     * Starts a collection that several participants negotiate (sysmem's AllocateSharedCollection): the root token,
     * to bind here or to duplicate for the other participants. {@link #allocate} is the shortcut for a single
     * caller who knows every participant's constraints. @since 1.1
     */
    BufferCollectionToken newSharedCollection();

    /**
     * Binds a token (this bundle's, or one another bundle handed over) as this bundle's participant (sysmem's
     * BindSharedCollection). PROTOCOL_DEVIATION for a token bound, released or closed before. @since 1.1
     */
    SharedCollection bind(BufferCollectionToken token);

    /** Shared collections still negotiating or allocated: participants, their state, the aggregate. @since 1.1 */
    List<NegotiationStatus> negotiations();

    /** Every heap bound to the allocator, whatever its state. */
    List<HeapStatus> heaps();

    /** Collections with buffers not yet reclaimed. */
    List<CollectionSummary> collections();
}
