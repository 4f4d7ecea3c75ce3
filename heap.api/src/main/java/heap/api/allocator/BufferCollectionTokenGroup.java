package heap.api.allocator;

import heap.api.vmo.VmoRight;
import java.util.List;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A prioritized OR among child tokens ({@code fuchsia.sysmem2.BufferCollectionTokenGroup}), made with
 * {@link BufferCollectionToken#createGroup()}: a participant offers alternatives — say, a delegate that needs
 * contiguous buffers, and a fallback that does not — and the allocation takes the first that fits. Every child must
 * be ready (bound with constraints set, or released) and {@link #allChildrenPresent()} called before the collection
 * is allocated. The allocator then tries the combinations of the groups' children in priority order — the first
 * child of each group before its second, the first group's choice changing slowest — and allocates with the first
 * combination whose constraints agree; the children not chosen fail with CONSTRAINTS_INTERSECTION_EMPTY. After 64
 * combinations it gives up with TOO_MANY_GROUP_CHILD_COMBINATIONS. Misuse (a child after
 * {@link #allChildrenPresent()}, that call twice or without children, any call after release) is a
 * PROTOCOL_DEVIATION and fails the collection, as closing the group without {@link #release()} does.
 *
 * @since 1.7
 */
@ProviderType
public interface BufferCollectionTokenGroup extends CollectionNode {
    /** A new child token, with the group's rights: the next alternative, after those made before it. */
    BufferCollectionToken createChild();

    /** A new child token whose participant's handles have at most {@code rights} (a subset of the group's). */
    BufferCollectionToken createChild(Set<VmoRight> rights);

    /** One child per rights set, in order (sysmem's CreateChildrenSync; at most 64 a call). */
    List<BufferCollectionToken> createChildren(List<Set<VmoRight>> rights);

    /** No more children: the group is ready once each child is. */
    void allChildrenPresent();

    /**
     * Done with the group: the only call allowed afterwards is {@link #close()}. Its children stay alternatives; a
     * group closed after release without {@link #allChildrenPresent()} has the children it made so far.
     */
    void release();

    /** Closing a group that was not released fails the collection for every participant. */
    @Override
    void close();
}
