package heap.registry;

import heap.api.BufferMemoryConstraints;
import heap.api.CoherencyDomain;
import heap.api.Heap;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.Participant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Sysmem's rules, as pure functions: per-participant defaults, aggregation, heap choice, domain choice. */
final class Routing {
    private Routing() {
    }

    /**
     * The participants' constraints combined. Sizes are unsigned; {@code permitted} empty means any heap;
     * {@code image} is the image format the participants agreed on (empty: none), which the heap is told.
     */
    record Aggregate(long minSize, long maxSize, boolean contiguous, boolean secure, Set<CoherencyDomain> domains,
            Optional<List<HeapId>> permitted, long alignment, boolean display, Optional<ImageFormats.Chosen> image) {

        /** A display participant makes RAM the domain whenever the aggregate allows it (sysmem GetCoherencyDomain). */
        Aggregate withDisplayUsage() {
            return new Aggregate(minSize, maxSize, contiguous, secure, domains, permitted, alignment, true, image);
        }

        /** The image format as SingleBufferSettings carries it to the heap. */
        Map<String, String> imageFormat() {
            return image.map(ImageFormats.Chosen::settings).orElse(Map.of());
        }

        boolean permits(HeapId id) {
            return permitted.isEmpty() || permitted.get().contains(id);
        }

        String describe() {
            return "secure=" + secure + ", contiguous=" + contiguous + ", domains=" + domains
                    + permitted.map(list -> ", permitted=" + list).orElse("");
        }
    }

    /** A routable heap: one that has registered and is the preferred instance of its id; secure if it says so. */
    record Candidate<T>(HeapId id, HeapProperties properties, boolean secure, T heap) {
    }

    /** The heap chosen, the domain, and the heap the buffer's settings name (SYSTEM_RAM when the pool serves it). */
    record Choice<T>(Candidate<T> candidate, CoherencyDomain domain, HeapId settingsHeap) {
    }

    /** No registered heap fits: the one routing failure worth waiting out while heaps are being replaced. */
    static final class NoHeapFits extends SysmemException {
        private static final long serialVersionUID = 1L;

        NoHeapFits(String message) {
            super(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, message);
        }
    }

    /**
     * Per-participant checks and defaults, then aggregation (sysmem's CheckSanitizeBufferCollectionConstraints,
     * CheckSanitizeBufferMemoryConstraints and the aggregation in logical_buffer_collection.cc). Every refusal is
     * CONSTRAINTS_INTERSECTION_EMPTY naming the participant and the values.
     */
    static Aggregate aggregate(List<Participant> participants) {
        return aggregate(participants, null);
    }

    /** As above, naming each participant by {@code names} (its debug name) in every refusal. */
    static Aggregate aggregate(List<Participant> participants, List<String> names) {
        return aggregate(participants, names, Optional.empty());
    }

    /**
     * As above, with the image format the participants agreed on: its image's bytes count as a size asked for
     * (sysmem's size_bytes is the larger of min_size_bytes and the image's), and the heap is told the format.
     */
    static Aggregate aggregate(List<Participant> participants, List<String> names, Optional<ImageFormats.Chosen> image) {
        return aggregate(participants, names, image, true);
    }

    /**
     * A late participant's own constraints, to check against buffers that exist: it need not ask for a size, as
     * sysmem's TryLateLogicalAllocation adds an entry pinning the buffers' own.
     */
    static Aggregate lateParticipant(Participant participant, String name, Optional<ImageFormats.Chosen> image) {
        return aggregate(List.of(participant), List.of(name), image, false);
    }

    private static Aggregate aggregate(List<Participant> participants, List<String> names,
            Optional<ImageFormats.Chosen> image, boolean sizeRequired) {
        long minSize = image.map(ImageFormats.Chosen::bytes).orElse(0L);
        long maxSize = BufferMemoryConstraints.UNBOUNDED;
        boolean contiguous = false;
        boolean secure = false;
        Set<CoherencyDomain> domains = EnumSet.allOf(CoherencyDomain.class);
        Optional<List<HeapId>> permitted = Optional.empty();
        long alignment = 0;
        for (int i = 0; i < participants.size(); i++) {
            Participant participant = participants.get(i);
            String who = names == null ? "participant " + i : "participant '" + names.get(i) + "'";
            BufferMemoryConstraints c = participant.constraints();
            boolean cpuUsage = participant.cpuUsage();
            if (c.secureRequired() && (cpuUsage || c.cpuDomainSupported().orElse(false) || c.ramDomainSupported().orElse(false))) {
                throw refused(who + " asks for secure_required together with "
                        + (cpuUsage ? "CPU usage" : "CPU/RAM domain support"));
            }
            Set<CoherencyDomain> own = EnumSet.noneOf(CoherencyDomain.class);
            if (c.cpuDomainSupported().orElse(!c.secureRequired())) {
                own.add(CoherencyDomain.CPU);
            }
            if (c.ramDomainSupported().orElse(!c.secureRequired() && !cpuUsage)) {
                own.add(CoherencyDomain.RAM);
            }
            if (c.inaccessibleDomainSupported().orElse(!cpuUsage)) {
                own.add(CoherencyDomain.INACCESSIBLE);
            }
            if (cpuUsage && !own.contains(CoherencyDomain.CPU) && !own.contains(CoherencyDomain.RAM)) {
                throw refused(who + " uses the CPU but its constraints rule out the CPU and RAM domains "
                        + "(it would get memory it may not touch)");
            }
            if (c.minPhysicalBaseAlignment() != 0 && !c.physicallyContiguousRequired()) {
                throw refused(who + " sets min_physical_base_alignment "
                        + Long.toUnsignedString(c.minPhysicalBaseAlignment())
                        + " without requiring physical contiguity itself");
            }
            domains.retainAll(own);
            if (Long.compareUnsigned(c.minSizeBytes(), minSize) > 0) {
                minSize = c.minSizeBytes();
            }
            if (Long.compareUnsigned(c.maxSizeBytes(), maxSize) < 0) {
                maxSize = c.maxSizeBytes();
            }
            contiguous |= c.physicallyContiguousRequired();
            secure |= c.secureRequired();
            if (c.permittedHeaps().isPresent()) {
                List<HeapId> theirs = c.permittedHeaps().get();
                permitted = Optional.of(permitted.map(ours -> intersect(ours, theirs)).orElse(List.copyOf(theirs)));
            }
            if (Long.compareUnsigned(c.minPhysicalBaseAlignment(), alignment) > 0) {
                alignment = c.minPhysicalBaseAlignment(); // unsigned: 2^63 is the largest, not a negative
            }
        }
        if (minSize == 0 && sizeRequired) {
            throw refused("no participant sets min_size_bytes or an image size (at least one must ask for a size)");
        }
        if (permitted.isPresent() && permitted.get().isEmpty()) {
            throw refused("the participants permit no common heap");
        }
        if (Long.compareUnsigned(minSize, maxSize) > 0) {
            throw refused("min_size_bytes " + Long.toUnsignedString(minSize) + " is above max_size_bytes "
                    + Long.toUnsignedString(maxSize));
        }
        return new Aggregate(minSize, maxSize, contiguous, secure, domains, permitted, alignment, false, image);
    }

    /**
     * Sysmem's order (GetHeap): secure → the permitted secure heap with the lowest heap_type; else SYSTEM_RAM when
     * permitted (the contiguous pool serving it when contiguity is required, the settings still naming
     * SYSTEM_RAM: {@link #systemRamAllocator}); else the first permitted heap sharing a domain, told the buffer must
     * be contiguous if it must.
     */
    static <T> Choice<T> choose(List<Candidate<T>> heaps, Aggregate aggregate) {
        if (aggregate.secure()) {
            Candidate<T> secureHeap = heaps.stream()
                    .filter(h -> h.secure() && aggregate.permits(h.id()))
                    .min(Comparator.comparing((Candidate<T> h) -> h.id().heapType())
                            .thenComparing(h -> h.id().id(), Long::compareUnsigned))
                    .orElseThrow(() -> new NoHeapFits("no heap fits (" + aggregate.describe() + "): no permitted "
                            + "secure heap (one declaring " + Heap.SECURE + "=true) is registered"));
            return withDomain(secureHeap, aggregate, secureHeap.id());
        }
        if (aggregate.permits(HeapId.SYSTEM_RAM)) {
            Candidate<T> serving = systemRamAllocator(heaps, aggregate.contiguous());
            if (serving != null) {
                return withDomain(serving, aggregate, HeapId.SYSTEM_RAM);
            }
        }
        // With contiguity required and no list of permitted heaps, only the pool (above) can serve it.
        List<HeapId> order = aggregate.permitted().orElseGet(() -> aggregate.contiguous() ? List.of()
                : heaps.stream().map(Candidate::id)
                        .sorted(Comparator.comparing(HeapId::heapType).thenComparing(HeapId::id, Long::compareUnsigned))
                        .toList());
        for (HeapId id : order) {
            if (aggregate.contiguous() && id.equals(HeapId.SYSTEM_RAM)) {
                continue; // SYSTEM_RAM's own heap is not contiguous: the pool serves it, above
            }
            for (Candidate<T> heap : heaps) {
                if (heap.id().equals(id) && firstSharedDomain(heap.properties(), aggregate).isPresent()) {
                    return withDomain(heap, aggregate, heap.id());
                }
            }
        }
        throw new NoHeapFits("no heap fits (" + aggregate.describe() + ")" + whyNone(heaps, aggregate));
    }

    /**
     * Why no heap fit, once the constraints are known to be consistent: the permitted heaps are not there (none
     * registered, or none taking new buffers: draining, quarantined), the pool contiguity needs is not, or the heaps
     * there share no coherency domain with the request. Not on the allocation path: only when routing failed.
     */
    private static <T> String whyNone(List<Candidate<T>> heaps, Aggregate aggregate) {
        List<HeapId> there = heaps.stream().map(Candidate::id).toList();
        List<HeapId> absent = aggregate.permitted().orElse(List.of()).stream().filter(id -> !there.contains(id)).toList();
        if (aggregate.permitted().isPresent() && absent.size() == aggregate.permitted().get().size()) {
            return ": no permitted heap is registered and taking new buffers (" + join(absent) + ")";
        }
        boolean poolThere = there.stream().anyMatch(id -> id.heapType().equals(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType()));
        if (aggregate.contiguous() && aggregate.permits(HeapId.SYSTEM_RAM) && !poolThere) {
            return ": contiguous SYSTEM_RAM comes from the contiguous pool (" + HeapId.CONTIGUOUS_SYSTEM_RAM.heapType()
                    + "), and none is registered and taking new buffers";
        }
        return ": the " + (aggregate.permitted().isPresent() ? "permitted " : "") + "heaps taking new buffers support "
                + "none of the domains " + aggregate.domains() + (absent.isEmpty() ? ""
                : " (" + join(absent) + " not registered or not taking new buffers)");
    }

    private static String join(List<HeapId> ids) {
        return String.join(", ", ids.stream().map(HeapId::toString).toList());
    }

    /**
     * What allocates for SYSTEM_RAM, or null: SYSTEM_RAM#0 itself, or with contiguity required the pool, of which
     * sysmem has one: CONTIGUOUS_SYSTEM_RAM#0, or the instance with the lowest id when the pools run from factory
     * configurations without an instance 0. A loop, not a stream: routing runs per allocation when requests vary.
     */
    private static <T> Candidate<T> systemRamAllocator(List<Candidate<T>> heaps, boolean contiguous) {
        Candidate<T> pool = null;
        for (Candidate<T> heap : heaps) {
            HeapId id = heap.id();
            if (!contiguous) {
                if (id.equals(HeapId.SYSTEM_RAM)) {
                    return heap;
                }
            } else if (id.heapType().equals(HeapId.CONTIGUOUS_SYSTEM_RAM.heapType())
                    && (pool == null || Long.compareUnsigned(id.id(), pool.id().id()) < 0)) {
                pool = heap;
            }
        }
        return pool;
    }

    private static <T> Choice<T> withDomain(Candidate<T> heap, Aggregate aggregate, HeapId settingsHeap) {
        if (aggregate.display() && aggregate.domains().contains(CoherencyDomain.RAM)
                && heap.properties().coherencyDomainSupport().supports(CoherencyDomain.RAM)) {
            return new Choice<>(heap, CoherencyDomain.RAM, settingsHeap);
        }
        CoherencyDomain domain = firstSharedDomain(heap.properties(), aggregate).orElseThrow(() -> refused(
                "heap " + heap.id() + " supports " + heap.properties().coherencyDomainSupport()
                        + " but the participants allow only " + aggregate.domains()));
        return new Choice<>(heap, domain, settingsHeap);
    }

    static SysmemException refused(String message) {
        return new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, message);
    }

    private static Optional<CoherencyDomain> firstSharedDomain(HeapProperties properties, Aggregate aggregate) {
        for (CoherencyDomain domain : CoherencyDomain.values()) {
            if (aggregate.domains().contains(domain) && properties.coherencyDomainSupport().supports(domain)) {
                return Optional.of(domain);
            }
        }
        return Optional.empty();
    }

    private static List<HeapId> intersect(List<HeapId> ours, List<HeapId> theirs) {
        List<HeapId> both = new ArrayList<>(ours);
        both.retainAll(theirs);
        return both;
    }
}
