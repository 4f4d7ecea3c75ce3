package heap.api.allocator;

import java.util.List;

/**
 * A quota configuration ({@code heap.quota}, factory configuration {@code pid}): what each bundle whose symbolic name
 * matches the glob {@code bundles} may hold, on the heaps of {@code heapType} or, when it is null, on every heap;
 * -1 is no limit. {@code limitedBundles}: the bundles that have used the allocator and match, each limited on its
 * own. {@code refusal} is null while the configuration's last update is in force; otherwise it says why that update
 * was refused, and the limits shown are those still in force from before, or none ({@code bundles} null) when
 * there were none. {@code heapsCovered}: the heaps listed now (TYPE#ID) that it applies to, so a heap type that
 * names none (a typo, a heap not deployed yet) shows as limiting nothing (since 1.4).
 *
 * @since 1.2
 */
public record QuotaStatus(String pid, String bundles, String heapType, long maxBytes, long maxBuffers,
        List<String> limitedBundles, String refusal, List<String> heapsCovered) {
    public QuotaStatus {
        limitedBundles = List.copyOf(limitedBundles);
        heapsCovered = List.copyOf(heapsCovered);
    }

    /** The 1.2 constructor, kept for binary compatibility: no heap listed as covered. */
    public QuotaStatus(String pid, String bundles, String heapType, long maxBytes, long maxBuffers,
            List<String> limitedBundles, String refusal) {
        this(pid, bundles, heapType, maxBytes, maxBuffers, limitedBundles, refusal, List.of());
    }

    /**
     * True when limits are in force on a heap type that no heap listed now has: the quota limits nothing until one
     * registers (a typo, a heap not deployed yet). @since 1.4
     */
    public boolean limitsNothing() {
        return bundles != null && heapType != null && heapsCovered.isEmpty();
    }

    /** True when the configuration's last update is in force. */
    public boolean inForce() {
        return refusal == null;
    }
}
