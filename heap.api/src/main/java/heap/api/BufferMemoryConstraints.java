package heap.api;

import heap.api.internal.Require;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One participant's memory constraints. Sizes are unsigned 64-bit ({@code maxSizeBytes} {@code -1L} means
 * 2^64-1, i.e. unbounded); {@code minSizeBytes} 0 means unset, and at least one participant of a collection must
 * set it (sysmem's IsMinBufferSizeSpecifiedByAnyParticipant). The three domain flags stay {@link Optional#empty()} when the participant left them
 * unset, because their defaults depend on its CPU usage. {@code permittedHeaps} empty means any heap;
 * {@code minPhysicalBaseAlignment} 0 means unset. Constraints sysmem would refuse (an empty or too long
 * {@code permittedHeaps}, an alignment that is not a power of two) are CONSTRAINTS_INTERSECTION_EMPTY, as sysmem's
 * TryAllocate reports every failure of checking constraints; a null field is a PROTOCOL_DEVIATION.
 */
public record BufferMemoryConstraints(long minSizeBytes, long maxSizeBytes, boolean physicallyContiguousRequired,
        boolean secureRequired, Optional<Boolean> cpuDomainSupported, Optional<Boolean> ramDomainSupported,
        Optional<Boolean> inaccessibleDomainSupported, Optional<List<HeapId>> permittedHeaps,
        long minPhysicalBaseAlignment) {

    public static final int MAX_PERMITTED_HEAPS = 64;
    public static final long UNBOUNDED = -1L;

    public BufferMemoryConstraints {
        Require.field(cpuDomainSupported, "cpu_domain_supported");
        Require.field(ramDomainSupported, "ram_domain_supported");
        Require.field(inaccessibleDomainSupported, "inaccessible_domain_supported");
        permittedHeaps = Require.field(permittedHeaps, "permitted_heaps")
                .map(heaps -> List.copyOf(Require.elements(heaps, "permitted_heaps")));
        if (permittedHeaps.isPresent()) {
            int count = permittedHeaps.get().size();
            if (count == 0) {
                throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, "permitted_heaps is set but empty");
            }
            if (count > MAX_PERMITTED_HEAPS) {
                throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY,
                        "permitted_heaps has " + count + " entries, more than " + MAX_PERMITTED_HEAPS);
            }
        }
        if (minPhysicalBaseAlignment != 0 && Long.bitCount(minPhysicalBaseAlignment) != 1) {
            throw new SysmemException(SysmemError.CONSTRAINTS_INTERSECTION_EMPTY, "min_physical_base_alignment "
                    + Long.toUnsignedString(minPhysicalBaseAlignment) + " is not a power of two");
        }
    }

    /** Everything unset: no size of its own (another participant must set one), any heap, domains by default. */
    public static BufferMemoryConstraints none() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private long minSizeBytes;
        private long maxSizeBytes = UNBOUNDED;
        private boolean contiguous;
        private boolean secure;
        private Optional<Boolean> cpu = Optional.empty();
        private Optional<Boolean> ram = Optional.empty();
        private Optional<Boolean> inaccessible = Optional.empty();
        private Optional<List<HeapId>> permittedHeaps = Optional.empty();
        private long alignment;

        public Builder minSizeBytes(long minSizeBytes) {
            this.minSizeBytes = minSizeBytes;
            return this;
        }

        public Builder maxSizeBytes(long maxSizeBytes) {
            this.maxSizeBytes = maxSizeBytes;
            return this;
        }

        public Builder physicallyContiguousRequired(boolean contiguous) {
            this.contiguous = contiguous;
            return this;
        }

        public Builder secureRequired(boolean secure) {
            this.secure = secure;
            return this;
        }

        public Builder cpuDomainSupported(boolean cpu) {
            this.cpu = Optional.of(cpu);
            return this;
        }

        public Builder ramDomainSupported(boolean ram) {
            this.ram = Optional.of(ram);
            return this;
        }

        public Builder inaccessibleDomainSupported(boolean inaccessible) {
            this.inaccessible = Optional.of(inaccessible);
            return this;
        }

        public Builder permittedHeaps(HeapId... heaps) {
            this.permittedHeaps = Optional.of(Arrays.asList(Require.field(heaps, "permitted_heaps")));
            return this;
        }

        public Builder permittedHeaps(List<HeapId> heaps) {
            this.permittedHeaps = Optional.of(Require.field(heaps, "permitted_heaps"));
            return this;
        }

        public Builder minPhysicalBaseAlignment(long alignment) {
            this.alignment = alignment;
            return this;
        }

        public BufferMemoryConstraints build() {
            return new BufferMemoryConstraints(minSizeBytes, maxSizeBytes, contiguous, secure, cpu, ram, inaccessible,
                    permittedHeaps, alignment);
        }
    }
}
