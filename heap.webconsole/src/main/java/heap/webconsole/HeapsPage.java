package heap.webconsole;

import heap.api.HeapMetrics;
import heap.api.HeapProperties;
import heap.api.PoolRegion;
import heap.api.allocator.CollectionSummary;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import heap.api.allocator.QuotaStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The "Heaps" page's content, from one snapshot of the allocator: what the plugin serves and refreshes. */
final class HeapsPage {
    /** One health check's last result. */
    record Health(String name, String status, String message) {
    }

    /** Everything the page shows, read at one moment. {@code layouts}: a heap's pool by its service id. */
    record Snapshot(List<HeapStatus> heaps, List<CollectionSummary> collections, List<NegotiationStatus> negotiations,
            List<OwnerStatus> owners, List<QuotaStatus> quotas, Map<Long, List<PoolRegion>> layouts,
            List<Health> health) {
    }

    private static final String HEADING = "<h3 style=\"margin:14px 0 4px\">";

    /** What the page and /metrics say while no registry offers BufferAllocator. */
    static final String REGISTRY_DOWN = "the registry (heap.registry) is not running: no heaps, buffers or owners to "
            + "show; in the shell, lb and scr:info heap.registry.HeapRegistryComponent say why";

    private HeapsPage() {
    }

    /** The page while no registry offers BufferAllocator: that sentence, and the health checks, which say it too. */
    static String registryDown(List<Health> health) {
        StringBuilder html = new StringBuilder("<p class=\"statline\" id=\"heaps-summary\">")
                .append(Html.escape(REGISTRY_DOWN)).append("</p>");
        health(html, health);
        return html.toString();
    }

    static String content(Snapshot snapshot) {
        Map<Long, String> ownerOfCollection = new HashMap<>();
        snapshot.collections().forEach(collection -> ownerOfCollection.put(collection.id(), collection.owner()));
        StringBuilder html = new StringBuilder();
        long liveBuffers = snapshot.heaps().stream().mapToLong(HeapStatus::liveBuffers).sum();
        html.append("<p class=\"statline\" id=\"heaps-summary\">").append(snapshot.heaps().size()).append(" heaps, ")
                .append(liveBuffers).append(" live buffers, ").append(snapshot.collections().size())
                .append(" collections, ").append(snapshot.owners().size()).append(" owners</p>");
        heaps(html, snapshot.heaps());
        health(html, snapshot.health());
        for (HeapStatus heap : snapshot.heaps()) {
            List<PoolRegion> layout = snapshot.layouts().get(heap.serviceId());
            long capacity = heap.metrics().getOrDefault(HeapMetrics.CAPACITY, 0L);
            if (layout != null && !layout.isEmpty() && capacity > 0) {
                String name = heap.id().heapType() + "#" + heap.id().id();
                html.append(HEADING).append("Pool map of ").append(Html.escape(name))
                        .append(" <small>(widths on a log scale of the size; hover a region for what it is)</small></h3>")
                        .append(PoolMap.svg(name, capacity, layout, ownerOfCollection));
                legend(html, layout, ownerOfCollection);
            }
        }
        owners(html, snapshot.owners());
        quotas(html, snapshot.quotas());
        collections(html, snapshot.collections());
        negotiations(html, snapshot.negotiations());
        return html.toString();
    }

    private static void heaps(StringBuilder html, List<HeapStatus> heaps) {
        html.append(HEADING).append("Heaps</h3>");
        table(html, "heaps", List.of("Heap", "State", "Bundle", "Domains", "need_clear", "need_flush", "Live buffers",
                "Used / capacity", "Reason"));
        for (HeapStatus heap : heaps) {
            HeapProperties properties = heap.properties().orElse(null);
            long used = heap.metrics().getOrDefault(HeapMetrics.USED_SIZE, 0L);
            Long capacity = heap.metrics().get(HeapMetrics.CAPACITY);
            row(html, "data-heap=\"" + Html.escape(heap.id().heapType() + "#" + heap.id().id()) + "\"",
                    heap.id().heapType() + "#" + heap.id().id(), heap.state().name().toLowerCase(java.util.Locale.ROOT),
                    heap.origin(), properties == null ? "-" : String.join(",", properties.coherencyDomainSupport().names()), properties == null ? "-"
                            : yesNo(properties.needClear()), properties == null ? "-" : yesNo(properties.needFlush()),
                    heap.liveBuffers(), Html.bytes(used) + (capacity == null ? "" : " / " + Html.bytes(capacity)),
                    heap.reason());
        }
        html.append("</tbody></table>");
    }

    private static void health(StringBuilder html, List<Health> health) {
        if (health.isEmpty()) {
            return;
        }
        html.append(HEADING).append("Health checks (tag heap)</h3>");
        table(html, "health", List.of("Health check", "Status", "Message"));
        for (Health check : health) {
            row(html, "data-status=\"" + Html.escape(check.status()) + "\"", check.name(), check.status(), check.message());
        }
        html.append("</tbody></table>");
    }

    private static void legend(StringBuilder html, List<PoolRegion> layout, Map<Long, String> ownerOfCollection) {
        List<String> owners = new ArrayList<>();
        long free = 0;
        long guard = 0;
        for (PoolRegion region : layout) {
            switch (region.kind()) {
                case BUFFER -> {
                    String owner = ownerOfCollection.getOrDefault(region.collectionId(), "unowned");
                    if (!owners.contains(owner)) {
                        owners.add(owner);
                    }
                }
                case FREE -> free += region.size();
                case GUARD -> guard += region.size();
            }
        }
        html.append("<p class=\"legend\">");
        for (String owner : owners) {
            html.append("<span style=\"display:inline-block;width:12px;height:12px;background:")
                    .append(Html.ownerColour(owner)).append("\"></span> ").append(Html.escape(owner)).append(" &nbsp; ");
        }
        html.append("<span style=\"display:inline-block;width:12px;height:12px;background:#333\"></span> guard pages (")
                .append(Html.bytes(guard)).append(") &nbsp; <span style=\"display:inline-block;width:12px;height:12px;"
                        + "background:#e8e8e8;outline:2px solid #c00\"></span> free (").append(Html.bytes(free))
                .append("; the largest gap outlined)</p>");
    }

    private static void owners(StringBuilder html, List<OwnerStatus> owners) {
        html.append(HEADING).append("Owners</h3>");
        table(html, "owners", List.of("Owner bundle", "Stopped", "Heap", "Live buffers", "Bytes", "Peak bytes",
                "Failed allocations", "Held back"));
        for (OwnerStatus owner : owners) {
            for (OwnerHeapUsage usage : owner.heaps()) {
                row(html, "data-owner=\"" + Html.escape(owner.bundle()) + "\"", owner.bundle(), yesNo(owner.stopped()), usage.heap().heapType() + "#" + usage.heap().id(),
                        usage.liveBuffers(), Html.bytes(usage.bytes()), Html.bytes(usage.peakBytes()),
                        usage.allocationsFailed(), owner.heldBackBuffers() == 0 ? "-"
                                : owner.heldBackBuffers() + " buffers, " + Html.bytes(owner.heldBackBytes()));
            }
        }
        html.append("</tbody></table>");
    }

    private static void quotas(StringBuilder html, List<QuotaStatus> quotas) {
        if (quotas.isEmpty()) {
            return;
        }
        html.append(HEADING).append("Quotas</h3>");
        table(html, "quotas", List.of("Quota", "Bundles", "Heap type", "Max bytes", "Max buffers", "Bundles limited",
                "Last update"));
        for (QuotaStatus quota : quotas) {
            boolean none = quota.bundles() == null;
            row(html, "data-quota=\"" + Html.escape(quota.pid()) + "\"", quota.pid(), none ? "-" : quota.bundles(),
                    none ? "-" : quota.heapType() == null ? "every heap" : quota.heapType()
                            + (quota.limitsNothing() ? " (no such heap listed: limits nothing)" : ""),
                    quota.maxBytes() < 0 ? "-" : Html.bytes(quota.maxBytes()),
                    quota.maxBuffers() < 0 ? "-" : quota.maxBuffers(), String.join(", ", quota.limitedBundles()),
                    quota.inForce() ? "in force" : "refused: " + quota.refusal());
        }
        html.append("</tbody></table>");
    }

    /** Shared collections negotiating or allocated through tokens: each participant and where it stands. */
    private static void negotiations(StringBuilder html, List<NegotiationStatus> negotiations) {
        if (negotiations.isEmpty()) {
            return;
        }
        html.append(HEADING).append("Shared collections (negotiated with tokens)</h3>");
        table(html, "negotiations", List.of("Collection", "Name", "State", "Waited", "Participant", "Bundle",
                "Participant state"));
        for (NegotiationStatus negotiation : negotiations) {
            for (NegotiationStatus.Participant participant : negotiation.participants()) {
                row(html, "data-negotiation=\"" + negotiation.id() + "\"", negotiation.id(), negotiation.name(),
                        negotiation.stateAndFailure(), negotiation.waited().toSeconds() + " s", participant.name(),
                        participant.bundle(), participant.state() + (participant.blocking() ? " (waited for)" : ""));
            }
        }
        html.append("</tbody></table>");
    }

    private static void collections(StringBuilder html, List<CollectionSummary> collections) {
        html.append(HEADING).append("Collections</h3>");
        table(html, "collections", List.of("Collection", "Owner", "Heap", "Buffers", "Not reclaimed", "Buffer size",
                "Lost"));
        for (CollectionSummary collection : collections) {
            row(html, "data-collection=\"" + Long.toUnsignedString(collection.id()) + "\"",
                    Long.toUnsignedString(collection.id()), collection.owner() + (collection.ownerStopped()
                            ? " (stopped)" : ""), collection.servedBy().heapType() + "#" + collection.servedBy().id(),
                    collection.bufferCount(), collection.buffersNotReclaimed(),
                    Html.bytes(collection.settings().bufferSettings().sizeBytes()), collection.buffersLost());
        }
        html.append("</tbody></table>");
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    private static void table(StringBuilder html, String id, List<String> headers) {
        html.append("<table class=\"tablesorter nicetable\" id=\"").append(id).append("\"><thead><tr>");
        headers.forEach(header -> html.append("<th>").append(Html.escape(header)).append("</th>"));
        html.append("</tr></thead><tbody>");
    }

    private static void row(StringBuilder html, String attributes, Object... cells) {
        html.append("<tr ").append(attributes).append('>');
        for (Object cell : cells) {
            html.append("<td>").append(Html.escape(cell)).append("</td>");
        }
        html.append("</tr>");
    }

    /** One heap as JSON: what the registry knows of it and its own metrics. */
    static String json(HeapStatus heap) {
        StringBuilder json = new StringBuilder("{\"heap\":").append(quote(heap.id().heapType())).append(",\"id\":")
                .append(heap.id().id()).append(",\"state\":").append(quote(heap.state().name())).append(",\"bundle\":")
                .append(quote(heap.origin())).append(",\"serviceId\":").append(heap.serviceId())
                .append(",\"liveBuffers\":").append(heap.liveBuffers()).append(",\"lostBuffers\":")
                .append(heap.lostBuffers()).append(",\"reason\":").append(quote(heap.reason())).append(",\"metrics\":{");
        String separator = "";
        for (Map.Entry<String, Long> metric : heap.metrics().entrySet()) {
            json.append(separator).append(quote(metric.getKey())).append(':').append(metric.getValue());
            separator = ",";
        }
        return json.append("}}").toString();
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : String.valueOf(text).toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
