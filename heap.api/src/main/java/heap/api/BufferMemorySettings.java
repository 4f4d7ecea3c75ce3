package heap.api;

import heap.api.internal.Require;

/**
 * The memory settings chosen for a buffer collection. {@code sizeBytes} is the logical size,
 * {@code rawVmoSize} the page-rounded size of each VMO (both unsigned, here at most {@link Long#MAX_VALUE}).
 * {@code minPhysicalBaseAlignment} (0 = none) is the aggregated constraint, for contiguous heaps.
 */
public record BufferMemorySettings(long sizeBytes, boolean physicallyContiguous, boolean secure,
        CoherencyDomain coherencyDomain, HeapId heap, long rawVmoSize, long minPhysicalBaseAlignment) {

    public BufferMemorySettings {
        Require.argument(coherencyDomain, "coherencyDomain");
        Require.argument(heap, "heap");
        Sizes.requireNonNegative("size_bytes", sizeBytes);
        Sizes.requireNonNegative("raw_vmo_size", rawVmoSize);
        if (rawVmoSize < sizeBytes) {
            throw new StatusException(Status.INVALID_ARGS,
                    "raw_vmo_size " + rawVmoSize + " is smaller than size_bytes " + sizeBytes);
        }
        if (minPhysicalBaseAlignment != 0 && Long.bitCount(minPhysicalBaseAlignment) != 1) {
            throw new StatusException(Status.INVALID_ARGS, "min_physical_base_alignment "
                    + Long.toUnsignedString(minPhysicalBaseAlignment) + " is not a power of two");
        }
        if (secure && coherencyDomain != CoherencyDomain.INACCESSIBLE) {
            throw new StatusException(Status.INVALID_ARGS, "secure buffers must use the INACCESSIBLE domain, not "
                    + coherencyDomain);
        }
    }

    /** Settings for a plain buffer of {@code sizeBytes} on {@code heap}: CPU domain, page-rounded VMO size. */
    public static BufferMemorySettings of(long sizeBytes, HeapId heap) {
        return new BufferMemorySettings(sizeBytes, false, false, CoherencyDomain.CPU, heap, Sizes.pageRoundUp(sizeBytes), 0);
    }
}
