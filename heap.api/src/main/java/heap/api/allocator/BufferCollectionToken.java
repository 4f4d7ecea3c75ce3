package heap.api.allocator;

import heap.api.vmo.VmoRight;
import java.time.Instant;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A participant-to-be of a shared collection ({@code fuchsia.sysmem2.BufferCollectionToken}). Hand a duplicate
 * to each other participant (another bundle, through a service say); each binds its token with
 * {@link BufferAllocator#bind} on its own allocator view. Buffers are allocated once every token is bound (or
 * released) and every participant has set its constraints. Misuse (a call on a bound, released or closed token,
 * rights beyond this token's) is a PROTOCOL_DEVIATION and fails the collection.
 *
 * @since 1.1
 */
@ProviderType
public interface BufferCollectionToken extends CollectionNode {

    /** The collection this token belongs to (the buffer collection id once allocated). */
    long collectionId();

    /** A new token for another participant, with this token's rights. */
    BufferCollectionToken duplicate();

    /**
     * A new token whose participant's handles have at most {@code rights} (a subset of this token's, e.g. no
     * WRITE for a consumer); asking for more is a PROTOCOL_DEVIATION.
     */
    BufferCollectionToken duplicate(Set<VmoRight> rights);

    /**
     * A group under this token: a prioritized OR among the child tokens made from it (sysmem's
     * CreateBufferCollectionTokenGroup). This token still has to be bound or released, as any token. @since 1.7
     */
    BufferCollectionTokenGroup createGroup();

    /** After allocation, this participant's failure does not fail the others (before allocation it still does). */
    void setDispensable();

    /** Names the collection, for logs and heap:collections: taken if first or of strictly higher priority. */
    void setName(int priority, String name);

    /** Names this participant (default: its bundle), in every log line and error about it. */
    void setDebugName(String name);

    /**
     * When the collection is to say it is stalled (sysmem's SetDebugTimeoutLogDeadline): if it is not allocated by
     * {@code deadline}, one warning names the tokens not bound and the participants whose constraints are not set,
     * and one more 30 s later. Without this call the first comes 5 s after the collection was made; once it came,
     * the call changes nothing. A null deadline is a PROTOCOL_DEVIATION. @since 1.5
     */
    void setDebugTimeoutLogDeadline(Instant deadline);

    /** Leaves the negotiation without failing it: the only call allowed afterwards is {@link #close()}. */
    void release();

    /** Closing a token that was neither bound nor released fails the collection for every participant. */
    @Override
    void close();
}
