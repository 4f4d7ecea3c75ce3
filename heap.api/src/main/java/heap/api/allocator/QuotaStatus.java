package heap.api.allocator;

import java.util.List;

/**
 * A quota in force (a {@code heap.quota} factory configuration, {@code pid}): what each bundle whose symbolic name
 * matches the glob {@code bundles} may hold, on the heaps of {@code heapType} or, when it is null, on every heap;
 * -1 is no limit. {@code limitedBundles}: the bundles that have used the allocator and match, each limited on its own.
 *
 * @since 1.2
 */
public record QuotaStatus(String pid, String bundles, String heapType, long maxBytes, long maxBuffers,
        List<String> limitedBundles) {
    public QuotaStatus {
        limitedBundles = List.copyOf(limitedBundles);
    }
}
