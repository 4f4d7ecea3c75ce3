package heap.registry;

import java.util.List;

/**
 * The registry as a JMX client sees it ({@code heap.platform:type=Registry}): counts, limits, collections and
 * negotiations, the bundles that hold buffers and the quotas. It sends a notification when a heap registers, is
 * quarantined, starts draining or is gone (types {@code heap.registered}, {@code heap.quarantined},
 * {@code heap.draining}, {@code heap.gone}), and when a heap's corruption counters grow ({@code heap.guard.corruption}).
 */
public interface RegistryMXBean {
    int getHeapCount();

    int getCollectionCount();

    int getNegotiationCount();

    long getMaxBufferBytes();

    long getMaxCollectionBytes();

    int getMaxBufferCount();

    /** One row per collection: id, heap served by, owner, buffers, not yet reclaimed, lost. */
    List<CollectionRow> getCollections();

    /**
     * One row per participant of each shared collection negotiated with tokens: the collection's id, name and state
     * (with why, once failed), the participant, its bundle and where it stands.
     */
    List<NegotiationRow> getNegotiations();

    /** One row per bundle and heap: live buffers, bytes, peak, failed, reclaimed at stop, held back. */
    List<OwnerRow> getOwners();

    /**
     * One row per quota configuration: PID, bundle glob, heap type (empty: every heap), limits (-1: none), bundles
     * limited, and why its last update was refused (empty while it is in force).
     */
    List<QuotaRow> getQuotas();

    /** A collection, as open types can carry it. */
    record CollectionRow(long id, String servedBy, String owner, boolean ownerStopped, int buffers,
            int buffersNotReclaimed, int buffersLost) {
    }

    /** One participant of a shared collection; how long the collection waited for its participants, in ms. */
    record NegotiationRow(long collection, String name, String state, long waitedMillis, String participant,
            String bundle, String participantState, boolean blocking) {
    }

    /** A quota; the bundles it limits and the heaps listed now that it applies to, comma-separated. */
    record QuotaRow(String pid, String bundles, String heapType, long maxBytes, long maxBuffers, String limitedBundles,
            String refusal, String heapsCovered) {
    }

    /** One bundle's use of one heap. */
    record OwnerRow(String bundle, long bundleId, boolean stopped, String heap, long liveBuffers, long bytes,
            long peakBytes, long allocationsFailed, long reclaimedBuffers, long heldBackBytes) {
    }
}
