package heap.webconsole;

import heap.api.allocator.CollectionSummary;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The platform's figures in the Prometheus text exposition format (version 0.0.4): every heap metric as
 * {@code heap_<key>} labelled with the heap, the allocator's own counts per heap, per owner and in all. A small
 * writer rather than the Prometheus client: its 1.x jars are not OSGi bundles.
 */
final class PrometheusText {
    /** Heap metric keys that only grow: exposed as counters ({@code _total}); every other key is a gauge. */
    static final Set<String> COUNTERS = Set.of("allocations", "allocations_failed", "reclaimed",
            "region_allocations_failed", "guard_failures", "unused_page_failures", "small_cache_hits");

    private record Family(String type, String help, StringBuilder samples) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    private PrometheusText() {
    }

    static String write(List<HeapStatus> heaps, List<OwnerStatus> owners, List<CollectionSummary> collections) {
        PrometheusText text = new PrometheusText();
        for (HeapStatus heap : heaps) {
            String labels = "heap=\"" + escape(heap.id().heapType()) + "\",id=\"" + heap.id().id() + "\",service_id=\""
                    + heap.serviceId() + "\"";
            text.sample("heap_up", "gauge", "1 for each heap bound to the allocator, labelled with its state",
                    labels + ",state=\"" + heap.state().name().toLowerCase(java.util.Locale.ROOT) + "\"", 1);
            text.sample("heap_registry_live_buffers", "gauge", "Buffers the allocator holds from the heap", labels,
                    heap.liveBuffers());
            text.sample("heap_registry_clears_total", "counter", "Buffers the allocator cleared for the heap", labels,
                    heap.clears());
            text.sample("heap_registry_flushes_total", "counter", "Buffers the allocator flushed for the heap", labels,
                    heap.flushes());
            text.sample("heap_registry_failures_total", "counter", "Calls of the heap that failed", labels, heap.failures());
            text.sample("heap_registry_lost_buffers", "gauge", "Buffers whose heap never answered deleteVmo", labels,
                    heap.lostBuffers());
            for (Map.Entry<String, Long> metric : heap.metrics().entrySet()) {
                String key = metric.getKey().replaceAll("[^a-zA-Z0-9_]", "_");
                boolean counter = COUNTERS.contains(metric.getKey());
                text.sample("heap_" + key + (counter ? "_total" : ""), counter ? "counter" : "gauge",
                        "The heap's own metric " + metric.getKey(), labels, metric.getValue());
            }
        }
        for (OwnerStatus owner : owners) {
            String bundle = "bundle=\"" + escape(owner.bundle()) + "\",bundle_id=\"" + owner.bundleId() + "\"";
            text.sample("heap_owner_held_back_bytes", "gauge", "Bytes of a stopped bundle held back by confined mappings",
                    bundle, owner.heldBackBytes());
            for (OwnerHeapUsage usage : owner.heaps()) {
                String labels = bundle + ",heap=\"" + escape(usage.heap().heapType()) + "\",id=\"" + usage.heap().id() + "\"";
                text.sample("heap_owner_live_buffers", "gauge", "Live buffers a bundle holds on a heap", labels,
                        usage.liveBuffers());
                text.sample("heap_owner_bytes", "gauge", "Bytes (page-rounded) a bundle holds on a heap", labels,
                        usage.bytes());
                text.sample("heap_owner_allocations_failed_total", "counter", "A bundle's failed allocations on a heap",
                        labels, usage.allocationsFailed());
            }
        }
        text.sample("heap_collections", "gauge", "Collections with buffers not yet reclaimed", "", collections.size());
        StringBuilder out = new StringBuilder();
        text.families.forEach((name, family) -> out.append("# HELP ").append(name).append(' ').append(family.help())
                .append("\n# TYPE ").append(name).append(' ').append(family.type()).append('\n').append(family.samples()));
        return out.toString();
    }

    private void sample(String name, String type, String help, String labels, long value) {
        Family family = families.computeIfAbsent(name, n -> new Family(type, help, new StringBuilder()));
        family.samples().append(name).append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ').append(value)
                .append('\n');
    }

    /** Label values escape backslash, double quote and line feed, as the format says. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
