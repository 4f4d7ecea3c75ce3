package heap.api.allocator;

import java.time.Instant;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What a token, a shared collection and a group have in common: a node of a shared collection's tree
 * ({@code fuchsia.sysmem2.Node}).
 *
 * @since 1.7
 */
@ProviderType
public interface CollectionNode extends AutoCloseable {
    /** The collection this node belongs to (the buffer collection id once allocated). */
    long collectionId();

    /** Names the collection, for logs and heap:collections: taken if first or of strictly higher priority. */
    void setName(int priority, String name);

    /** Names this participant (default: its bundle), in every log line and error about it. */
    void setDebugName(String name);

    /**
     * When the collection is to say it is stalled (sysmem's SetDebugTimeoutLogDeadline): if it is not allocated by
     * {@code deadline}, one warning names whom it waits for, and one more 30 s later. Without this call the first
     * comes 5 s after the collection was made; once it came, the call changes nothing. A null deadline is a
     * PROTOCOL_DEVIATION.
     */
    void setDebugTimeoutLogDeadline(Instant deadline);

    /**
     * Whether this node and {@code other} are alternatives (sysmem's IsAlternateFor): the first node above both is
     * a group, so the constraints of at most one of them are ever aggregated. False for the same node, or where one is
     * above the other. NOT_FOUND for a node of another collection (or another allocator); PROTOCOL_DEVIATION for null,
     * or on a node after its release, as any call.
     */
    boolean isAlternateFor(CollectionNode other);

    /**
     * Logs more about this collection from now on (sysmem's SetVerboseLogging): at each allocation attempt, the tree
     * of nodes with every participant's constraints, and each combination of group children tried and why it was
     * refused. For the collection being debugged, not for every collection.
     */
    void setVerboseLogging();

    /**
     * Makes this node, and every node made from it afterwards, weak (sysmem's SetWeak): its participant's VMOs do not
     * keep the buffers alive, and come with {@link BufferCollection#closeWeakAsap} to say when to close them. Only
     * before the node is ready for allocation: a token before it is bound, a collection before
     * {@link SharedCollection#setConstraints}, a group before {@link BufferCollectionTokenGroup#allChildrenPresent};
     * later it is a PROTOCOL_DEVIATION. A collection needs at least one strong node at allocation. @since 1.8
     */
    void setWeak();

    /**
     * Says this participant watches {@link BufferCollection#closeWeakAsap} (sysmem's SetWeakOk): a weak collection
     * must say so before {@link SharedCollection#allocated()}, or that call is a PROTOCOL_DEVIATION. With
     * {@code forChildNodesAlso}, nodes made from this one afterwards have said it too. A PROTOCOL_DEVIATION on a
     * collection once it called {@code allocated()}. @since 1.8
     */
    void setWeakOk(boolean forChildNodesAlso);

    /** Leaves without failing anyone: the only call allowed afterwards is {@link #close()}. */
    void release();

    /** Closing without {@link #release()} (or, for a token, without binding it) fails the collection. */
    @Override
    void close();
}
