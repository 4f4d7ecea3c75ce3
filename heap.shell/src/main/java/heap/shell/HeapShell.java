package heap.shell;

import heap.api.BufferMemoryConstraints;
import heap.api.HeapDiagnostics;
import heap.api.HeapId;
import heap.api.HeapMetrics;
import heap.api.Status;
import heap.api.StatusException;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.AllocationRequest;
import heap.api.allocator.BufferAllocator;
import heap.api.allocator.BufferCollection;
import heap.api.allocator.CollectionSummary;
import heap.api.allocator.HeapStatus;
import heap.api.allocator.NegotiationStatus;
import heap.api.allocator.OwnerHeapUsage;
import heap.api.allocator.OwnerStatus;
import heap.api.allocator.QuotaStatus;
import heap.api.vmo.Vmo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the heap commands do, as data (maps and lists) that the component prints as text or JSON. The shell holds
 * the collections it allocated until {@code free}.
 */
final class HeapShell {
    /** A heap component that failed to activate: it never became a service, so only SCR knows of it. */
    record FailedHeap(String heapType, long id, String bundle, String reason) {
    }

    private final BufferAllocator allocator;
    private final java.util.function.Supplier<List<FailedHeap>> failedHeaps;
    private final Map<Long, BufferCollection> held = new ConcurrentHashMap<>();

    HeapShell(BufferAllocator allocator) {
        this(allocator, List::of);
    }

    HeapShell(BufferAllocator allocator, java.util.function.Supplier<List<FailedHeap>> failedHeaps) {
        this.allocator = allocator;
        this.failedHeaps = failedHeaps;
    }

    List<Map<String, Object>> list() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (HeapStatus status : allocator.heaps()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("heap_type", status.id().heapType());
            row.put("id", status.id().id());
            row.put("bundle", status.origin());
            row.put("state", status.state().name().toLowerCase());
            row.put("domains", status.properties().map(p -> p.coherencyDomainSupport().names()).orElse(List.of()));
            row.put("need_clear", status.properties().map(p -> p.needClear()).orElse(null));
            row.put("need_flush", status.properties().map(p -> p.needFlush()).orElse(null));
            row.put("live_buffers", status.liveBuffers());
            row.put("used_bytes", status.metrics().getOrDefault(HeapMetrics.USED_SIZE, 0L));
            row.put("capacity_bytes", status.metrics().get(HeapMetrics.CAPACITY));
            if (!status.reason().isEmpty()) {
                row.put("reason", status.reason());
            }
            rows.add(row);
        }
        for (FailedHeap failed : failedHeaps.get()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("heap_type", failed.heapType());
            row.put("id", failed.id());
            row.put("bundle", failed.bundle());
            row.put("state", "failed");
            row.put("domains", List.of());
            row.put("need_clear", null);
            row.put("need_flush", null);
            row.put("live_buffers", 0L);
            row.put("used_bytes", 0L);
            row.put("capacity_bytes", null);
            row.put("reason", failed.reason());
            rows.add(row);
        }
        return rows;
    }

    Map<String, Object> alloc(long size, int count, boolean contiguous, boolean secure, boolean cpu, String heap) {
        BufferMemoryConstraints.Builder constraints = BufferMemoryConstraints.builder().minSizeBytes(size)
                .physicallyContiguousRequired(contiguous).secureRequired(secure);
        if (heap != null && !heap.isBlank()) {
            constraints.permittedHeaps(permittedHeap(heap));
        }
        BufferCollection collection = allocator.allocate(AllocationRequest.of(count, constraints.build(), cpu));
        held.put(collection.id(), collection);
        return describe(collection);
    }

    /** A SysmemException's or StatusException's message ("CODE: detail") without its code. */
    static String detail(String message) {
        return message.substring(message.indexOf(": ") + 2);
    }

    Map<String, Object> free(long id) {
        BufferCollection collection = held.remove(id);
        if (collection == null) {
            throw new SysmemException(SysmemError.NOT_FOUND, "no collection " + id + " is held by this shell"
                    + " (heap:collections lists them; what it held went back if the registry stopped since)");
        }
        collection.close();
        return Map.of("freed", id, "buffers", collection.buffers().size());
    }

    List<Map<String, Object>> collections() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (CollectionSummary summary : allocator.collections()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", "collection");
            row.put("id", summary.id());
            row.put("heap", summary.settings().bufferSettings().heap().toString());
            row.put("served_by", summary.servedBy().toString());
            row.put("buffers", summary.bufferCount());
            row.put("buffers_not_reclaimed", summary.buffersNotReclaimed());
            row.put("buffers_lost", summary.buffersLost());
            row.put("size_bytes", summary.settings().bufferSettings().rawVmoSize());
            row.put("held_by_shell", held.containsKey(summary.id()));
            row.put("owner", summary.owner());
            row.put("owner_stopped", summary.ownerStopped());
            rows.add(row);
        }
        for (NegotiationStatus negotiation : allocator.negotiations()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("kind", "negotiation");
            row.put("id", negotiation.id());
            row.put("name", negotiation.name());
            row.put("state", negotiation.state());
            List<Map<String, Object>> participants = new ArrayList<>();
            for (NegotiationStatus.Participant participant : negotiation.participants()) {
                participants.add(Map.of("name", participant.name(), "bundle", participant.bundle(),
                        "state", participant.state(), "blocking", participant.blocking()));
            }
            row.put("participants", participants);
            row.put("aggregated", negotiation.aggregated());
            row.put("waited_ms", negotiation.waited().toMillis());
            rows.add(row);
        }
        return rows;
    }

    /** The quota configurations: whom each limits, on which heap type, to what (-1: no limit), or why not. */
    List<Map<String, Object>> quotas() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (QuotaStatus quota : allocator.quotas()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("pid", quota.pid());
            row.put("bundles", quota.bundles());
            row.put("heap_type", quota.heapType());
            row.put("max_bytes", quota.maxBytes());
            row.put("max_buffers", quota.maxBuffers());
            row.put("limited_bundles", quota.limitedBundles());
            row.put("heaps_covered", quota.heapsCovered());
            row.put("limits_nothing", quota.limitsNothing());
            row.put("refusal", quota.refusal());
            rows.add(row);
        }
        return rows;
    }

    /** Per bundle that used the allocator: what it holds on each heap, and what its stop gave back or held back. */
    List<Map<String, Object>> owners() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (OwnerStatus owner : allocator.owners()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("bundle", owner.bundle());
            row.put("bundle_id", owner.bundleId());
            row.put("stopped", owner.stopped());
            row.put("live_buffers", owner.liveBuffers());
            row.put("bytes", owner.bytes());
            row.put("held_back_bytes", owner.heldBackBytes());
            row.put("held_back_buffers", owner.heldBackBuffers());
            List<Map<String, Object>> heaps = new ArrayList<>();
            for (OwnerHeapUsage usage : owner.heaps()) {
                Map<String, Object> heap = new LinkedHashMap<>();
                heap.put("heap", usage.heap().toString());
                heap.put("live_buffers", usage.liveBuffers());
                heap.put("bytes", usage.bytes());
                heap.put("peak_bytes", usage.peakBytes());
                heap.put("allocations_failed", usage.allocationsFailed());
                heap.put("reclaimed_buffers", usage.reclaimedBuffers());
                heap.put("reclaimed_bytes", usage.reclaimedBytes());
                heaps.add(heap);
            }
            row.put("heaps", heaps);
            rows.add(row);
        }
        return rows;
    }

    Map<String, Object> info(String idOrKoid) {
        return info(idOrKoid, false);
    }

    /** A collection by id, or a buffer by koid ({@code koidOnly}); a number that is both must say which. */
    Map<String, Object> info(String idOrKoid, boolean koidOnly) {
        long value;
        try {
            value = Long.parseLong(idOrKoid.trim());
        } catch (NumberFormatException e) {
            throw new StatusException(Status.INVALID_ARGS, "'" + idOrKoid + "' is neither a collection id nor a koid");
        }
        BufferCollection collection = koidOnly ? null : held.get(value);
        Map<String, Object> buffer = buffer(value);
        if (collection != null && buffer != null) {
            throw new StatusException(Status.INVALID_ARGS, value + " is both collection " + value + " and a buffer's koid:"
                    + " heap:info " + value + " is ambiguous; heap:info --koid " + value + " shows the buffer");
        }
        if (collection != null) {
            return describe(collection);
        }
        if (buffer != null) {
            return buffer;
        }
        throw new SysmemException(SysmemError.NOT_FOUND, "no " + (koidOnly ? "" : "collection or ") + "buffer koid "
                + value + " held by this shell");
    }

    private Map<String, Object> buffer(long koid) {
        for (BufferCollection candidate : held.values()) {
            for (Vmo buffer : candidate.buffers()) {
                if (buffer.koid() == koid) {
                    var info = allocator.getVmoInfo(buffer);
                    Map<String, Object> row = describeBuffer(buffer, (int) info.bufferIndex());
                    row.put("collection", info.bufferCollectionId());
                    return row;
                }
            }
        }
        return null;
    }

    /** Every heap's metrics, or those of one type ({@code TYPE}) or one heap ({@code TYPE#ID}, as they are headed). */
    List<Map<String, Object>> stats(String heap) {
        List<Map<String, Object>> rows = new ArrayList<>();
        String wanted = heap == null || heap.isBlank() ? null : resolveHeap(heap);
        boolean oneHeap = wanted != null && wanted.contains("#");
        HeapId id = oneHeap ? parseHeapId(wanted) : null;
        for (HeapStatus status : allocator.heaps()) {
            if (oneHeap ? !status.id().equals(id) : wanted != null && !status.id().heapType().equals(wanted)) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("heap", status.id().toString());
            row.put("state", status.state().name().toLowerCase());
            row.put("metrics", new TreeMap<>(status.metrics()));
            Map<String, Object> registryCounts = new LinkedHashMap<>(); // a fixed order, run after run
            registryCounts.put("live_buffers", status.liveBuffers());
            registryCounts.put("clears", status.clears());
            registryCounts.put("flushes", status.flushes());
            registryCounts.put("failures", status.failures());
            registryCounts.put("lost_buffers", status.lostBuffers());
            row.put("registry", registryCounts);
            rows.add(row);
        }
        if (rows.isEmpty() && wanted != null) {
            throw new SysmemException(SysmemError.NOT_FOUND, "no heap " + (oneHeap ? "" : "of type ") + wanted
                    + " (heap:list shows them)");
        }
        return rows;
    }

    static List<Map<String, Object>> check(Map<HeapDiagnostics, String> diagnostics) {
        List<Map<String, Object>> rows = new ArrayList<>();
        diagnostics.forEach((heap, name) -> rows.add(Map.of("heap", name, "problems", heap.checkIntegrity())));
        rows.sort(java.util.Comparator.comparing(row -> (String) row.get("heap")));
        return rows;
    }

    /** Closes what the shell still holds (when the shell goes away). */
    void closeAll() {
        held.values().forEach(BufferCollection::close);
        held.clear();
    }

    private Map<String, Object> describe(BufferCollection collection) {
        var settings = collection.settings().bufferSettings();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("collection", collection.id());
        out.put("heap", settings.heap().toString());
        allocator.collections().stream().filter(summary -> summary.id() == collection.id()).findFirst()
                .ifPresent(summary -> out.put("served_by", summary.servedBy().toString()));
        out.put("size_bytes", settings.sizeBytes());
        out.put("vmo_size_bytes", settings.rawVmoSize());
        out.put("coherency_domain", settings.coherencyDomain().name());
        out.put("contiguous", settings.physicallyContiguous());
        out.put("secure", settings.secure());
        List<Map<String, Object>> buffers = new ArrayList<>();
        for (int i = 0; i < collection.buffers().size(); i++) {
            buffers.add(describeBuffer(collection.buffers().get(i), i));
        }
        out.put("buffers", buffers);
        return out;
    }

    private static Map<String, Object> describeBuffer(Vmo buffer, int index) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("index", index);
        row.put("koid", buffer.koid());
        row.put("size_bytes", buffer.size());
        if (buffer.physicalAddress().isPresent()) {
            row.put("physical_address", buffer.physicalAddress().getAsLong());
        }
        return row;
    }

    /**
     * {@code text} ({@code TYPE} or {@code TYPE#ID}) with its type written out and any {@code #ID} kept. A type is
     * one as registered, or the last part of one alone, in any case and with '-' for '_' ({@code secure},
     * {@code system-ram}), when only one registered type ends so; failing that, the first words of that last part
     * ({@code contiguous} for {@code CONTIGUOUS_SYSTEM_RAM}), when only one type's last part starts so. A name no
     * heap has stays as typed, so the caller reports it (no heap fits, no heap of that type).
     */
    String resolveHeap(String text) {
        int hash = text.lastIndexOf('#');
        String name = hash < 0 ? text : text.substring(0, hash);
        String suffix = hash < 0 ? "" : text.substring(hash);
        if (hash >= 0) {
            parseHeapId(text); // a bad #ID is named as typed
        }
        SortedSet<String> types = new TreeSet<>();
        allocator.heaps().forEach(status -> types.add(status.id().heapType()));
        if (types.contains(name) || name.contains(".")) {
            return text;
        }
        String wanted = name.replace('-', '_').toUpperCase(java.util.Locale.ROOT);
        List<String> matches = types.stream().filter(type -> lastPart(type).equals(wanted)).toList();
        if (matches.isEmpty()) {
            matches = types.stream().filter(type -> lastPart(type).startsWith(wanted + "_")).toList();
        }
        if (matches.size() > 1) {
            throw new StatusException(Status.INVALID_ARGS, "heap '" + name + "' could be any of " + matches
                    + ": give the whole type");
        }
        return matches.isEmpty() ? text : matches.get(0) + suffix;
    }

    /**
     * The heap {@code --heap} permits: TYPE#ID as given; a TYPE alone is instance 0 (sysmem's default id), or the one
     * instance listed when a type runs under other ids only (factory configurations, heap.id 1 and up).
     */
    HeapId permittedHeap(String text) {
        HeapId named = parseHeapId(resolveHeap(text));
        if (text.indexOf('#') >= 0) {
            return named;
        }
        List<Long> instances = allocator.heaps().stream().map(HeapStatus::id)
                .filter(id -> id.heapType().equals(named.heapType())).map(HeapId::id).distinct().sorted().toList();
        if (instances.isEmpty() || instances.contains(0L)) {
            return named;
        }
        if (instances.size() > 1) {
            throw new StatusException(Status.INVALID_ARGS, "heap '" + text + "' runs as instances "
                    + instances.stream().map(id -> "#" + Long.toUnsignedString(id)).toList() + " and none is #0: name one, as "
                    + text + "#" + Long.toUnsignedString(instances.get(0)));
        }
        return new HeapId(named.heapType(), instances.get(0));
    }

    private static String lastPart(String type) {
        return type.substring(type.lastIndexOf('.') + 1).toUpperCase(java.util.Locale.ROOT);
    }

    private static HeapId parseHeapId(String text) {
        int hash = text.lastIndexOf('#');
        if (hash < 0) {
            return new HeapId(text, 0);
        }
        try {
            return new HeapId(text.substring(0, hash), Long.parseUnsignedLong(text.substring(hash + 1)));
        } catch (NumberFormatException e) {
            throw new StatusException(Status.INVALID_ARGS, "heap '" + text + "' is not TYPE or TYPE#ID");
        }
    }
}
