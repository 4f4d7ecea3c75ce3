package heap.registry;

import heap.api.BufferMemoryConstraints;
import heap.api.CoherencyDomain;
import heap.api.HeapId;
import heap.api.HeapProperties;
import heap.api.SysmemError;
import heap.api.SysmemException;
import heap.api.allocator.Participant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Sysmem's rules, as pure functions: per-participant defaults, aggregation, heap choice, domain choice. */
final class Routing {
    private Routing() {
    }

    /** The participants' constraints combined. Sizes are unsigned; {@code permitted} empty means any heap. */
    record Aggregate(long minSize, long maxSize, boolean contiguous, boolean secure, Set<CoherencyDomain> domains,
            Optional<List<HeapId>> permitted, long alignment) {

        boolean permits(HeapId id) {
            return permitted.isEmpty() || permitted.get().contains(id);
        }

        String describe() {
            return "secure=" + secure + ", contiguous=" + contiguous + ", domains=" + domains
                    + permitted.map(list -> ", permitted=" + list).orElse("");
        }
    }

    /** A routable heap: one that has registered and is the preferred instance of its id. */
    record Candidate<T>(HeapId id, HeapProperties properties, T heap) {
    }

    record Choice<T>(Candidate<T> candidate, CoherencyDomain domain) {
    }

    static Aggregate aggregate(List<Participant> participants) {
        long minSize = 0;
        long maxSize = BufferMemoryConstraints.UNBOUNDED;
        boolean contiguous = false;
        boolean secure = false;
        Set<CoherencyDomain> domains = EnumSet.allOf(CoherencyDomain.class);
        Optional<List<HeapId>> permitted = Optional.empty();
        long alignment = 0;
        for (int i = 0; i < participants.size(); i++) {
            Participant participant = participants.get(i);
            BufferMemoryConstraints c = participant.constraints();
            boolean cpuUsage = participant.cpuUsage();
            if (c.secureRequired() && (cpuUsage || c.cpuDomainSupported().orElse(false) || c.ramDomainSupported().orElse(false))) {
                throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "participant " + i
                        + " asks for secure_required together with " + (cpuUsage ? "CPU usage" : "CPU/RAM domain support"));
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
        if (permitted.isPresent() && permitted.get().isEmpty()) {
            throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, "the participants permit no common heap");
        }
        if (Long.compareUnsigned(minSize, maxSize) > 0) {
            throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, "min_size_bytes "
                    + Long.toUnsignedString(minSize) + " is above max_size_bytes " + Long.toUnsignedString(maxSize));
        }
        if (maxSize == 0) {
            throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                    "max_size_bytes 0 leaves no size for a buffer");
        }
        if (alignment != 0 && !contiguous) {
            throw new SysmemException(SysmemError.PROTOCOL_DEVIATION, "min_physical_base_alignment "
                    + Long.toUnsignedString(alignment) + " is set without physically_contiguous_required");
        }
        return new Aggregate(minSize == 0 ? 1 : minSize, maxSize, contiguous, secure, domains, permitted, alignment);
    }

    /** Sysmem's order: secure heaps; then SYSTEM_RAM (the contiguous pool when contiguous); then the first permitted. */
    static <T> Choice<T> choose(List<Candidate<T>> heaps, Aggregate aggregate) {
        if (aggregate.secure()) {
            Candidate<T> secureHeap = heaps.stream()
                    .filter(h -> h.properties().coherencyDomainSupport().onlyInaccessible() && aggregate.permits(h.id()))
                    .min(Comparator.comparing((Candidate<T> h) -> h.id().heapType())
                            .thenComparing(h -> h.id().id(), Long::compareUnsigned))
                    .orElseThrow(() -> new SysmemException(SysmemError.NOT_FOUND, "no heap fits (" + aggregate.describe()
                            + "): no permitted secure heap (one supporting only the inaccessible domain) is registered"));
            return withDomain(secureHeap, aggregate);
        }
        if (aggregate.permits(HeapId.SYSTEM_RAM)) {
            HeapId wanted = aggregate.contiguous() ? HeapId.CONTIGUOUS_SYSTEM_RAM : HeapId.SYSTEM_RAM;
            for (Candidate<T> heap : heaps) {
                if (heap.id().equals(wanted)) {
                    return withDomain(heap, aggregate);
                }
            }
        }
        List<HeapId> order = aggregate.permitted().orElseGet(() -> heaps.stream().map(Candidate::id)
                .sorted(Comparator.comparing(HeapId::heapType).thenComparing(HeapId::id, Long::compareUnsigned)).toList());
        for (HeapId id : order) {
            if (aggregate.contiguous() && !id.equals(HeapId.CONTIGUOUS_SYSTEM_RAM)) {
                continue;
            }
            for (Candidate<T> heap : heaps) {
                if (heap.id().equals(id) && firstSharedDomain(heap.properties(), aggregate).isPresent()) {
                    return withDomain(heap, aggregate);
                }
            }
        }
        throw new SysmemException(SysmemError.NOT_FOUND, "no heap fits (" + aggregate.describe() + ")");
    }

    private static <T> Choice<T> withDomain(Candidate<T> heap, Aggregate aggregate) {
        CoherencyDomain domain = firstSharedDomain(heap.properties(), aggregate).orElseThrow(() -> new SysmemException(
                SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, "heap " + heap.id() + " supports "
                        + heap.properties().coherencyDomainSupport() + " but the participants allow only "
                        + aggregate.domains()));
        return new Choice<>(heap, domain);
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
