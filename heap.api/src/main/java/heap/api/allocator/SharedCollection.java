package heap.api.allocator;

import heap.api.vmo.VmoRight;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One participant's end of a shared collection ({@code fuchsia.sysmem2.BufferCollection}), made by binding a
 * token. Set constraints once; {@link #allocated()} completes with this participant's own handles (rights as its
 * usage and token allow) once everyone's constraints are in, or fails for everyone with the cause named.
 *
 * @since 1.1
 */
@ProviderType
public interface SharedCollection extends CollectionNode {

    long collectionId();

    /** Once only (a second call is a PROTOCOL_DEVIATION and fails the collection). */
    void setConstraints(BufferCollectionConstraints constraints);

    /**
     * This participant's buffers, once allocated: its own handles each call (none for a NONE-usage participant).
     * Fails with CONSTRAINTS_INTERSECTION_EMPTY or NO_MEMORY as allocation does, or UNSPECIFIED when another
     * participant failed. PROTOCOL_DEVIATION before {@link #setConstraints}, and for a weak collection before
     * {@link #setWeakOk}.
     */
    CompletionStage<BufferCollection> allocated();

    /**
     * A token for a late participant (sysmem's AttachToken), before or after allocation: it joins once the
     * collection is allocated, and gets the existing buffers if its constraints fit them, or fails alone.
     */
    BufferCollectionToken attachToken(Set<VmoRight> rights);

    void setName(int priority, String name);

    void setDebugName(String name);

    /**
     * When the collection is to say it is stalled (sysmem's SetDebugTimeoutLogDeadline): if it is not allocated by
     * {@code deadline}, one warning names the tokens not bound and the participants whose constraints are not set,
     * and one more 30 s later. Without this call the first comes 5 s after the collection was made; once it came,
     * the call changes nothing. A null deadline is a PROTOCOL_DEVIATION. @since 1.5
     */
    void setDebugTimeoutLogDeadline(Instant deadline);

    /** Leaves without failing anyone; after allocation its buffer counts stay reserved. */
    void release();

    /** Closing without {@link #release()} fails the collection (after allocation: unless dispensable). */
    @Override
    void close();
}
